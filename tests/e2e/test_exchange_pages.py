"""A manager uploads a 1C export, watches it import, attaches a sale nobody could match,
and sees the purchases and consumables on the customer's card."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from appliance import customers
from db.models.exchange import BonusCard
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

DATA = Path(__file__).resolve().parents[1] / "exchange" / "data"


def test_upload_import_attach_and_customer_card(page, live_server, login_as, tmp_path):
    ivanov = customers.create_customer("Иванов Сергей Петрович", [customers.PhoneInput("+79031112233")])
    BonusCard.create(number="2000012345678", customer=ivanov, created_at=dt.datetime(2026, 1, 1))
    login_as(page, "manager")
    page.goto(f"{live_server}/exchange")
    page.set_input_files("#upload-file", str(DATA / "sales_cp1251.csv"))
    page.click("#upload-form button[type=submit]")
    row = page.locator("#import-log tbody tr.log-row").first
    row.locator("text=загружен").wait_for()
    assert "sales_cp1251.csv" in row.inner_text() and "продажи" in row.inner_text()
    page.set_input_files("#upload-file", str(DATA / "documents_2_05_cp1251.xml"))
    page.click("#upload-form button[type=submit]")
    page.locator("#import-log tbody tr.log-row", has_text="documents_2_05_cp1251.xml").locator(
        "text=загружен").wait_for()
    page.set_input_files("#upload-file", str(DATA / "sales_bad_number.csv"))
    page.click("#upload-form button[type=submit]")
    page.locator("text=Файл sales_bad_number.csv, строка 3, колонка «Количество»: «две штуки» — не число").wait_for()
    page.reload()
    screenshot(page, "exchange_log")

    page.click("#unmatched-link")
    assert "Смирнова Ольга" in page.locator("#unmatched").inner_text()
    screenshot(page, "exchange_unmatched")
    page.locator("#unmatched tbody tr", has_text="ЧК-000202").locator("button").click()
    page.locator("text=привязан к клиенту Смирнова Ольга").wait_for()

    page.goto(f"{live_server}/customers/{ivanov.id}")
    assert "ЧК-000123" in page.locator("#purchases").inner_text()
    block = page.locator("#consumables").inner_text()
    assert "Свечи зажигания" in block and "20.11.2026" in block
    screenshot(page, "exchange_customer_card")
