"""A manager scans a bonus card into the search box, sees its balance and history, pays part
of a receipt with points, and sees the balance on the customer card."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from appliance import clock, customers
from appliance.loyalty import ledger, returns
from appliance.loyalty import rules as rules_mod
from db import write_transaction
from db.models.exchange import BonusCard
from tests.e2e.conftest import screenshot
from tests.loyalty.conftest import make_sale

pytestmark = pytest.mark.e2e


def test_card_page_from_a_scanned_card(page, live_server, login_as, staff):
    now = clock.utcnow()
    ivanov = customers.create_customer("Иванов Сергей Петрович", [customers.PhoneInput("+79031112233")])
    card = BonusCard.create(number="2000012345678", customer=ivanov, created_at=now - dt.timedelta(days=400))
    rules = rules_mod.current()
    with write_transaction():
        ledger.credit(card.id, "correction", 50000, now - dt.timedelta(days=300), rules,
                      reason="перенос баллов со старой дисконтной карты")
        first = make_sale(card, [("A11-3707110CA", "4", 180000), ("480-1012010", "1", 38050)],
                          now - dt.timedelta(days=40), number="ЧК-000301")
        ledger.credit_sale(first, now - dt.timedelta(days=26), rules)
        returns.import_returns([returns.ReturnDoc("ret-1", "ВЗ-000011", now - dt.timedelta(days=20),
                                                  "ЧК-000301", total_kop=45000,
                                                  lines=[("A11-3707110CA", "CHERY", "", Decimal(1), 45000)])])
        make_sale(card, [("B14-1109111", "2", 152000)], now - dt.timedelta(days=2), number="ЧК-000355")
        returns.import_returns([returns.ReturnDoc("ret-2", "ВЗ-000013", now - dt.timedelta(days=1),
                                                  "ЧК-000999 от 01.11.2026", total_kop=125000,
                                                  lines=[("B11-3502080", "CHERY", "", Decimal(1), 125000)])])
    login_as(page, "manager")
    page.goto(f"{live_server}/loyalty")
    page.fill("#card-search", "2000 0123 45678")  # the scanner's spaces
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/loyalty/cards/{card.id}")
    assert page.locator("#balance").inner_text() == "586,52\u00a0б."
    page.fill("#redeem-form input[name=sale_number]", "ЧК-000355")
    page.fill("#redeem-form input[name=amount]", "700")
    page.click("#redeem-form button")
    assert "На карте 586,52 б. — списать 700 нельзя." in page.locator("#form-error").inner_text()
    page.fill("#redeem-form input[name=amount]", "200")
    page.click("#redeem-form button")
    page.locator("#ledger >> text=на кассе").wait_for()
    assert page.locator("#balance").inner_text() == "386,52\u00a0б."
    history = page.locator("#ledger").inner_text()
    assert "сторно (возврат товара)" in history and "возврат списанных баллов" not in history
    assert "начисление" in history and "корректировка" in history
    shot = screenshot(page, "loyalty_card")
    assert shot.exists()
    page.goto(f"{live_server}/customers/{ivanov.id}")
    assert page.locator("#customer-bonus").inner_text() == "386,52\u00a0б."
    screenshot(page, "loyalty_customer_card")
    page.goto(f"{live_server}/loyalty")
    assert "не найдена продажа «ЧК-000999 от 01.11.2026»" in page.locator("#returns").inner_text()
    screenshot(page, "loyalty_index")
