"""The arithmetic: exact splits, cumulative parts, months, excluded groups, paid in full."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from appliance.exchange import importer
from appliance.loyalty import ledger, returns, rules
from appliance.settings import configure
from db.models.catalog import Product
from db.models.loyalty import LoyaltyEntry, LoyaltySale
from db.models.sales import SaleLine
from tests.conftest import configure_settings
from tests.loyalty.conftest import T0, make_sale

pytestmark = pytest.mark.clock


def test_shares_add_up_and_parts_are_cumulative():
    assert rules.shares([180000, 38050], 10000) == [8255, 1745]
    assert sum(rules.shares([1, 1, 1], 100)) == 100
    assert rules.shares([0, 0], 50) == [0, 0]
    assert [rules.part(10, k, 3) for k in range(4)] == [0, 3, 6, 10]
    assert rules.part(8587, "1.5", "4") == 3220
    assert rules.percent_bp("2,5") == 250 and rules.percent_bp("5") == 500
    with pytest.raises(ValueError):
        rules.percent_bp("150")
    assert rules.add_months(dt.datetime(2026, 1, 31), 1) == dt.datetime(2026, 2, 28)
    assert rules.add_months(dt.datetime(2027, 11, 30), 3) == dt.datetime(2028, 2, 29)
    assert rules.points_text(1234567) == "12\u00a0345,67" and rules.points_text(50000) == "500"


def test_excluded_group_earns_nothing(tmp_path, card, at):
    configure_settings(tmp_path / "var2", loyalty={"excluded_groups": "Масла | Услуги"})
    try:
        oil = Product.create(article="OIL-5W30", brand="SHELL", article_key="OIL5W30", brand_key="SHELL",
                             name="Масло 5W-30", group="масла", updated_at=T0)
        ls = make_sale(card, [("A11-3707110CA", "1", 100000), ("OIL-5W30", "1", 300000)], T0)
        SaleLine.update(product=oil).where(SaleLine.article == "OIL-5W30").execute()
        with at(T0 + dt.timedelta(days=15)):
            ledger.credit_due()
        assert [e.amount_kop for e in LoyaltyEntry.select()] == [5000]
        assert LoyaltySale.get_by_id(ls.id).credited_at is not None
    finally:
        configure(None)


def test_points_wait_until_the_sale_is_paid(tmp_path, card, at):
    head = "Номер чека;Дата;Артикул;Производитель;Номенклатура;Количество;Цена;Сумма;Дисконтная карта;Оплачено\n"
    row = "РН-000077;02.11.2026 12:00;A11-3707110CA;CHERY;Свеча;4;450,00;1 800,00;2000012345678;{paid}\n"
    for paid, day in (("0", 0), ("900,00", 16), ("1 800,00", 17)):
        path = tmp_path / f"paid{day}.csv"
        path.write_text(head + row.format(paid=paid), encoding="cp1251")
        with at(T0 + dt.timedelta(days=day, hours=1)):
            assert importer.import_file(path, source="upload", move=False).status == "done"
            ledger.credit_due()
        expected = 9000 if day == 17 else 0  # an invoice paid in part earns nothing yet
        assert ledger.balance([card]) == expected, day


def test_levels_raise_the_percent_and_returns_take_back_what_was_credited(tmp_path, card, at):
    assert rules.parse_levels("50000:7 | 150000:10") == ((5000000, 700), (15000000, 1000))
    with pytest.raises(ValueError):
        rules.parse_levels("50000")
    configure_settings(tmp_path / "var2", loyalty={"levels": "3000:7"})
    try:
        first = make_sale(card, [("A1", "1", 200000)], T0, number="ЧК-1")
        second = make_sale(card, [("A2", "2", 200000)], T0 + dt.timedelta(days=1), number="ЧК-2")
        with at(T0 + dt.timedelta(days=20)):
            ledger.credit_due()
        # the first sale at the base 5 %; by the second, 2 000 ₽ bought: still 5 %; a third gets 7 %
        assert [e.amount_kop for e in LoyaltyEntry.select().order_by(LoyaltyEntry.id)] == [10000, 10000]
        third = make_sale(card, [("A3", "1", 100000)], T0 + dt.timedelta(days=21), number="ЧК-3")
        with at(T0 + dt.timedelta(days=40)):
            ledger.credit_due()
        assert LoyaltyEntry.select().order_by(LoyaltyEntry.id.desc()).first().amount_kop == 7000
        assert {first.id, second.id, third.id} == {ls.id for ls in LoyaltySale.select()}
        configure_settings(tmp_path / "var3")  # the owner turns levels off: a return still takes back 70 б.
        with at(T0 + dt.timedelta(days=41)):
            returns.import_returns([returns.ReturnDoc("r-3", "ВЗ-3", T0 + dt.timedelta(days=41), "ЧК-3",
                                                      lines=[("A3", "CHERY", "", Decimal(1), 100000)])])
        assert LoyaltyEntry.select().order_by(LoyaltyEntry.id.desc()).first().amount_kop == -7000
    finally:
        configure(None)
