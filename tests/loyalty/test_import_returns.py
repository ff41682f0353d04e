"""1C returns from CommerceML and cp1251 CSV: exact reversal, spent points back, bad returns kept."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from appliance.exchange import importer
from appliance.loyalty import cards, ledger
from db.models.loyalty import LoyaltyEntry, LoyaltySale, SaleReturn
from db.models.notifications import Notification
from tests.loyalty.conftest import DATA, T0, make_sale

pytestmark = pytest.mark.clock


def _import(tmp_path, name, kind=None):
    path = tmp_path / name
    shutil.copy(DATA / name, path)
    entry = importer.import_file(path, source="upload", kind=kind, move=False)
    assert entry.status == "done", entry.error
    return entry


@pytest.fixture
def credited_sale(tmp_path, card, staff, at):
    """ЧК-000301 (2 180,50 ₽, 100 баллов списано кассой) imported, then credited after the hold."""
    with at(T0 - dt.timedelta(days=1)):
        cards.correct(card, 20000, "перенос со старой карты", staff["owner"])
    with at(T0 + dt.timedelta(hours=1)):
        _import(tmp_path, "sales_with_card.xml")
    ls = LoyaltySale.get()
    assert (ls.card_id, ls.redeemed_kop) == (card.id, 10000)  # «2000 0123 45678» typed with spaces
    assert ledger.balance([card]) == 10000
    with at(T0 + dt.timedelta(days=13)):
        assert ledger.credit_due() == 0  # still in the hold period
    with at(T0 + dt.timedelta(days=15)):
        assert ledger.credit_due() == 1
    # 5 % of what was paid in money: (1800 - 82,55) and (380,50 - 17,45) ₽
    assert sorted(e.amount_kop for e in LoyaltyEntry.select().where(LoyaltyEntry.kind == "accrual")) == [1815, 8587]
    assert ledger.balance([card]) == 20402
    return ls


def test_commerceml_returns(tmp_path, credited_sale, card, at):
    with at(T0 + dt.timedelta(days=23)):
        entry = _import(tmp_path, "returns_2_08.xml")
    assert entry.created == 4 and entry.skipped == 1  # the same return twice counted once
    by_number = {r.number: r for r in SaleReturn.select()}
    assert by_number["ВЗ-000011"].status == "applied"
    assert by_number["ВЗ-000012"].status == "applied"
    assert by_number["ВЗ-000013"].status == "no_sale"
    assert "не найдена продажа «ЧК-000999 от 01.11.2026»" in by_number["ВЗ-000013"].reason
    assert by_number["ВЗ-000014"].status == "refused"
    assert "возврат больше продажи" in by_number["ВЗ-000014"].reason
    assert "возвращают 10 шт., продано 4, уже возвращено 1" in by_number["ВЗ-000014"].reason
    rows = [(e.kind, e.amount_kop) for e in LoyaltyEntry.select().where(LoyaltyEntry.sale_return.is_null(False))
            .order_by(LoyaltyEntry.id)]
    # one plug of four: a quarter of 82,55 spent comes back, a quarter of 85,87 earned goes
    assert rows == [("refund", 2063), ("reversal", -2146), ("refund", 1745), ("reversal", -1815)]
    assert ledger.balance([card]) == 20402 + 2063 - 2146 + 1745 - 1815
    titles = {n.title for n in Notification.select()}
    assert "Возврат ВЗ-000013 не проведён по баллам" in titles
    assert "Возврат ВЗ-000014 не проведён по баллам" in titles
    # the same file again changes nothing
    before = LoyaltyEntry.select().count()
    with at(T0 + dt.timedelta(days=23, hours=1)):
        again = _import(tmp_path, "returns_2_08.xml")
    assert again.created == 0 and LoyaltyEntry.select().count() == before


def test_csv_return_cp1251_part_of_a_line(tmp_path, credited_sale, card, at):
    with at(T0 + dt.timedelta(days=24)):
        entry = _import(tmp_path, "returns_cp1251.csv")
    assert entry.kind == "returns"
    statuses = {r.number: r.status for r in SaleReturn.select()}
    assert statuses == {"ВЗ-000021": "applied", "ВЗ-000022": "no_sale"}
    rows = sorted((e.kind, e.amount_kop) for e in LoyaltyEntry.select().where(LoyaltyEntry.sale_return.is_null(False)))
    # 1,5 plugs of 4: 3/8 of 82,55 spent and of 85,87 earned; the filter whole. One refund per return.
    assert rows == sorted([("refund", 8255 * 3 // 8 + 1745), ("reversal", -(8587 * 3 // 8)), ("reversal", -1815)])


def test_return_during_hold_is_netted_when_credited(tmp_path, card, staff, at):
    with at(T0 - dt.timedelta(days=1)):
        cards.correct(card, 20000, "перенос со старой карты", staff["owner"])
    with at(T0 + dt.timedelta(hours=1)):
        _import(tmp_path, "sales_with_card.xml")
    with at(T0 + dt.timedelta(days=3)):
        _import(tmp_path, "returns_2_08.xml")
    # nothing was credited yet: only the spent points come back
    assert ledger.balance([card]) == 10000 + 2063 + 1745
    with at(T0 + dt.timedelta(days=15)):
        ledger.credit_due()
    assert ledger.balance([card]) == 10000 + 2063 + 1745 + (8587 - 2146)


def test_return_of_spent_points_leaves_zero_and_tells_the_owner(tmp_path, card, staff, at):
    with at(T0 + dt.timedelta(hours=1)):
        _import(tmp_path, "sales_with_card.xml")  # 100 points asked, none on the card
    assert ledger.balance([card]) == 0
    short = LoyaltyEntry.get(LoyaltyEntry.kind == "redemption")
    assert (short.amount_kop, short.shortfall_kop) == (0, 10000)
    told = Notification.get(Notification.key == "loyalty-redeem-shortfall")
    assert "ЧК-000301: недостача 100 б." in told.body and told.audience_roles == ",owner,"
    with at(T0 + dt.timedelta(days=15)):
        ledger.credit_due()
    assert LoyaltySale.get().redeemed_kop == 0  # the card gave nothing: a return gives nothing back
    balance = ledger.balance([card])
    assert balance == 9000 + 1902  # 5 % of the full sums
    with at(T0 + dt.timedelta(days=16)):
        make_sale(card, [("X-1", "1", 50000)], T0 + dt.timedelta(days=16), number="ЧК-5")
        cards.redeem(card, "ЧК-5", balance, staff["manager"])
    assert ledger.balance([card]) == 0
    with at(T0 + dt.timedelta(days=23)):
        _import(tmp_path, "returns_2_08.xml")
    assert ledger.balance([card]) == 0
    reversals = list(LoyaltyEntry.select().where(LoyaltyEntry.kind == "reversal"))
    assert sum(e.shortfall_kop for e in reversals) == 9000 // 4 + 1902
    assert all(e.amount_kop == 0 for e in reversals)
    assert Notification.select().where(Notification.title == "Возврат ВЗ-000011: баллы уже потрачены").exists()


def test_a_return_before_its_sale_waits_and_is_applied_when_the_sale_comes(tmp_path, card, staff, at):
    with at(T0 - dt.timedelta(days=1)):
        cards.correct(card, 20000, "перенос со старой карты", staff["owner"])
    with at(T0 + dt.timedelta(hours=2)):
        _import(tmp_path, "returns_2_08.xml")  # 1C's folder had the returns first
    assert {r.status for r in SaleReturn.select()} == {"no_sale"}
    with at(T0 + dt.timedelta(hours=3)):
        _import(tmp_path, "sales_with_card.xml")
    statuses = {r.number: r.status for r in SaleReturn.select()}
    assert statuses == {"ВЗ-000011": "applied", "ВЗ-000012": "applied", "ВЗ-000013": "no_sale",
                        "ВЗ-000014": "refused"}
    assert ledger.balance([card]) == 10000 + 2063 + 1745
    assert not Notification.select().where(Notification.key == f"loyalty-return-"
                                           f"{SaleReturn.get(SaleReturn.number == 'ВЗ-000011').id}",
                                           Notification.is_open).exists()
