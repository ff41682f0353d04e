"""The pages: the owner's dashboard, the list behind a figure, its CSV, a manager's own figures,
the period refusals (422 with the Russian reason, never a 500), who may open what."""
from __future__ import annotations

import pytest

from tests.conftest import login_as

pytestmark = pytest.mark.clock
NOV = "?period=custom&from=01.11.2026&to=30.11.2026"


def test_owner_dashboard(shop, client):
    page = login_as(client, "owner").get("/analytics" + NOV).get_data(as_text=True)
    assert "Показатели магазина" in page and "01.11.2026 – 30.11.2026" in page
    # the custom period is compared with the 30 days before it: 02.10-31.10 holds A's 2 000 ₽
    assert "7\u00a0500\u00a0₽" in page and "+275\u00a0%" in page
    assert "Принято звонков" in page and "Рассылок ещё нет" in page
    assert page.count("<svg") >= 4 and 'id="chart-revenue"' in page
    assert "Haval Jolion" in page


def test_list_behind_a_figure_and_its_csv(shop, client):
    browser = login_as(client, "owner")
    page = browser.get("/analytics/list/parts_only" + NOV).get_data(as_text=True)
    assert "Ковалёв Андрей" in page and "Смирнова Ольга" in page and "Белов" not in page
    assert f'href="/customers/{shop["a"].id}"' in page
    resp = browser.get("/analytics/list/models.csv" + NOV)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith("\ufeff".encode())
    lines = resp.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Марка и модель;Выручка;Запчасти;Ремонт;Маржа")
    assert lines[1].startswith("Haval Jolion;12000,00;2000,00;10000,00;;")


@pytest.mark.parametrize(("query", "message"), [
    ("?period=custom&from=30.11.2026&to=01.11.2026", "Период перевёрнут"),
    ("?period=custom&from=01.01.2001&to=01.01.2026", "Период длиннее 20 лет"),
    ("?period=custom&from=0001-01-01&to=01.01.2026", "с 2000 по 2100 год"),
    ("?period=custom&from=завтра&to=01.11.2026", "нужно вида 22.11.2026"),
    ("?period=эпоха", "не знаю"),
])
def test_bad_period_is_a_russian_refusal(shop, client, query, message):
    resp = login_as(client, "owner").get("/analytics" + query)
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    assert login_as(client, "owner").get("/analytics/list/models.csv" + query).status_code == 422


def test_manager_sees_only_own(shop, client):
    browser = login_as(client, "manager")
    assert browser.get("/analytics").status_code == 403
    page = browser.get("/analytics/me" + NOV).get_data(as_text=True)
    assert "Мои показатели" in page and "4\u00a0000\u00a0₽" in page and "7\u00a0500\u00a0₽" not in page
    assert 'id="tile-workshop"' not in page
    receipts = browser.get("/analytics/list/receipts" + NOV).get_data(as_text=True)
    assert "Ковалёв Андрей" in receipts and "Смирнова" not in receipts  # Петров sold to Смирнова
    assert browser.get("/analytics/list/bays" + NOV).status_code == 404
    assert browser.get("/analytics/list/nothing" + NOV).status_code == 404


def test_mechanic_sees_no_numbers(shop, client):
    browser = login_as(client, "mechanic")
    assert browser.get("/analytics").status_code == 403 and browser.get("/analytics/me").status_code == 403
