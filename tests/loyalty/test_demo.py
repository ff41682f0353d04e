"""The demo shop's bonus cards: believable ledgers that follow the rules."""
from __future__ import annotations

from appliance.loyalty import ledger
from db.models.exchange import BonusCard
from db.models.loyalty import CardIssue, LoyaltyEntry, SaleReturn
from tests.conftest import login_as


def test_demo_cards_have_ledgers(demo_db, client):
    cards = list(BonusCard.select())
    assert len(cards) >= 10
    kinds = {e.kind for e in LoyaltyEntry.select()}
    assert {"accrual", "redemption", "reversal", "refund"} <= kinds
    for card in cards:
        assert ledger.balance([card]) >= 0
        assert ledger.balance([card]) == sum(lot.remaining for lot in ledger.lots(card.id))
    assert SaleReturn.select().where(SaleReturn.status == "applied").count() >= 1
    assert CardIssue.select().count() >= 3
    rich = max(cards, key=lambda c: ledger.balance([c]))
    page = login_as(client, "manager").get(f"/loyalty/cards/{rich.id}").get_data(as_text=True)
    assert "начисление" in page and "Ближайшее сгорание" in page
