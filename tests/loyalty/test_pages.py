"""The card page, search by a scanned card, issuing, redemption at the counter, correction."""
from __future__ import annotations

import datetime as dt
import re

from appliance import clock, form_tokens
from appliance.loyalty import cards, ledger
from db.models.exchange import BonusCard
from db.models.loyalty import CardIssue, LoyaltyEntry
from tests.loyalty.conftest import T0, make_sale


def _token(html: str) -> str:
    return re.search(rf'name="{form_tokens.FIELD}" value="([^"]+)"', html).group(1)


def _with_points(card, staff, at, amount=50000):
    with at(T0):
        cards.correct(card, amount, "подарок на открытие", staff["owner"])


def test_card_page_shows_balance_history_and_next_expiry(card, staff, login, at):
    _with_points(card, staff, at)
    browser = login("manager")
    html = browser.get(f"/loyalty/cards/{card.id}").get_data(as_text=True)
    assert "Бонусная карта 2000012345678" in html
    assert 'id="balance">500\u00a0б.' in html
    assert "02.11.2027" in html  # 12 months after the correction
    assert "подарок на открытие" in html
    assert 'id="correct-form"' not in html  # the owner corrects, not a manager


def test_scanner_search_tolerates_spaces_and_layout(card, login):
    BonusCard.create(number="DK00123", customer=card.customer, created_at=T0)
    browser = login("manager")
    assert browser.get("/loyalty?q=2000 0123 45678").headers["Location"].endswith(f"/loyalty/cards/{card.id}")
    other = BonusCard.get(BonusCard.number == "DK00123")
    assert browser.get("/loyalty?q=вл00123").headers["Location"].endswith(f"/loyalty/cards/{other.id}")
    assert browser.get("/loyalty?q=+7 916 555-12-34").headers["Location"].endswith(f"/customers/{card.customer_id}")
    page = browser.get("/loyalty?q=99999999").get_data(as_text=True)
    assert "не найдены среди бонусных карт" in page
    assert browser.get("/loyalty?q=" + "9" * 5000 + "%00").status_code == 200
    # the header search box (appliance.lookup) opens the card too
    from appliance import lookup

    assert lookup.resolve("2000 0123 45678") == f"/loyalty/cards/{card.id}"
    assert browser.get("/search?q=2000+0123+45678").headers["Location"].endswith(f"/loyalty/cards/{card.id}")


def test_redeem_at_the_counter(card, staff, login, at):
    _with_points(card, staff, at, 30000)
    make_sale(card, [("A11-3707110CA", "2", 90000)], T0 + dt.timedelta(days=1), number="ЧК-000410")
    browser = login("manager")
    html = browser.get(f"/loyalty/cards/{card.id}").get_data(as_text=True)
    too_much = browser.post(f"/loyalty/cards/{card.id}/redeem", {"sale_number": "ЧК-000410", "amount": "301",
                                                                 form_tokens.FIELD: _token(html)})
    assert too_much.status_code == 422
    assert "На карте 300 б. — списать 301 нельзя." in too_much.get_data(as_text=True)
    no_sale = browser.post(f"/loyalty/cards/{card.id}/redeem", {"sale_number": "ЧК-9", "amount": "10"})
    assert no_sale.status_code == 422 and "Продажа № ЧК-9 не найдена" in no_sale.get_data(as_text=True)
    junk = browser.post(f"/loyalty/cards/{card.id}/redeem", {"sale_number": "ЧК-000410", "amount": "1,234"})
    assert junk.status_code == 422 and "не больше двух знаков после запятой" in junk.get_data(as_text=True)
    html = browser.get(f"/loyalty/cards/{card.id}").get_data(as_text=True)
    form = {"sale_number": "ЧК-000410", "amount": "120,50", form_tokens.FIELD: _token(html)}
    assert browser.post(f"/loyalty/cards/{card.id}/redeem", form).status_code == 302
    assert browser.post(f"/loyalty/cards/{card.id}/redeem", form).status_code == 302  # double click: saved once
    assert ledger.balance([card]) == 30000 - 12050
    assert LoyaltyEntry.select().where(LoyaltyEntry.kind == "redemption").count() == 1
    page = browser.get(f"/loyalty/cards/{card.id}").get_data(as_text=True)
    assert "списание" in page and "ЧК-000410" in page


def test_owner_corrects_with_a_reason_and_never_below_zero(card, staff, login, at):
    _with_points(card, staff, at, 1000)
    browser = login("owner")
    html = browser.get(f"/loyalty/cards/{card.id}").get_data(as_text=True)
    no_reason = browser.post(f"/loyalty/cards/{card.id}/correct", {"amount": "-5", "reason": "",
                                                                   form_tokens.FIELD: _token(html)})
    assert no_reason.status_code == 422 and "напишите, почему" in no_reason.get_data(as_text=True)
    below = browser.post(f"/loyalty/cards/{card.id}/correct", {"amount": "-11", "reason": "ошибка кассы"})
    assert below.status_code == 422 and "снять 11 нельзя" in below.get_data(as_text=True)
    assert browser.post(f"/loyalty/cards/{card.id}/correct", {"amount": "-4", "reason": "ошибка кассы"}).status_code == 302
    assert ledger.balance([card]) == 600
    manager = login("manager")
    assert manager.post(f"/loyalty/cards/{card.id}/correct", {"amount": "5", "reason": "x"}).status_code == 403


def test_issue_a_card_counts_for_the_manager(db, staff, login, at):
    browser = login("manager")
    html = browser.get("/loyalty/issue").get_data(as_text=True)
    form = {"phone": "8 903 111-22-33", "name": "Орлова Мария", "number": "2000 5555 0001",
            form_tokens.FIELD: _token(html)}
    response = browser.post("/loyalty/issue", form)
    assert response.status_code == 302
    card = BonusCard.get(BonusCard.number == "200055550001")
    assert card.customer.name == "Орлова Мария"
    html = browser.get(f"/loyalty/issue?customer_id={card.customer_id}").get_data(as_text=True)
    again = browser.post("/loyalty/issue", {"customer_id": card.customer_id, "number": "200055550001",
                                            form_tokens.FIELD: _token(html)})
    assert again.status_code == 422 and "уже выдана: Орлова Мария" in again.get_data(as_text=True)
    assert CardIssue.select().count() == 1
    now = clock.utcnow()
    assert cards.cards_sold(now - dt.timedelta(days=1), now + dt.timedelta(days=1)) == {staff["manager"].id: 1}
    customer_page = browser.get(f"/customers/{card.customer_id}").get_data(as_text=True)
    assert 'id="customer-bonus">0\u00a0б.' in customer_page and "200055550001" in customer_page


def test_mechanic_sees_the_card_but_cannot_redeem(card, login):
    mechanic = login("mechanic")
    assert mechanic.get(f"/loyalty/cards/{card.id}").status_code == 200
    assert mechanic.post(f"/loyalty/cards/{card.id}/redeem", {"sale_number": "1", "amount": "1"}).status_code == 403
