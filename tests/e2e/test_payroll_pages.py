"""Payroll in the browser on the demo shop: the owner's /payroll table and a manager's start
page tile «Мой план сегодня». Screenshots at 1280 px go to tests/artifacts/."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.e2e.conftest import screenshot, serving

pytestmark = [pytest.mark.e2e, pytest.mark.clock]

NOON_20TH = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # Friday 12:00 in Moscow


@pytest.fixture
def demo_server(db, app):
    """The demo shop (its own staff: owner / manager / petrov / kuzmina) served by waitress."""
    from appliance.demo import build_demo

    with time_machine.travel(NOON_20TH, tick=True):
        build_demo(customers_count=30)
        with serving(app) as url:
            yield url


def _login(page, base: str, username: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_owner_table_and_manager_tile(demo_server, page):
    _login(page, demo_server, "owner")
    page.goto(f"{demo_server}/payroll")
    assert "Зарплата: ноябрь 2026" in page.inner_text("h1")
    table = page.inner_text("#payroll-table")
    for name in ("Соколова Анна Сергеевна", "Петров Илья Андреевич", "Кузьмина Ольга Игоревна"):
        assert name in table
    assert "₽" in table and "план не задан" not in table.split("Кузьмина")[1].split("\n")[0]
    screenshot(page, "payroll-owner")
    page.click("#payroll-table >> text=изменить")
    page.fill("input[name=base]", "сорок")
    page.click("text=Сохранить план")
    assert "Оклад, ₽: «сорок» — не число" in page.inner_text(".error")
    screenshot(page, "payroll-plan-refused")
    page.goto(f"{demo_server}/payroll?month=2026-10")
    assert "(закрыт)" in page.inner_text("h1") and "премия за инвентаризацию" in page.inner_text("#payroll-table")
    screenshot(page, "payroll-closed")
    page.click("text=Выйти") if page.locator("text=Выйти").count() else page.goto(f"{demo_server}/logout")
    page.context.clear_cookies()
    _login(page, demo_server, "manager")
    page.goto(f"{demo_server}/customers")
    tile = page.text_content("#my-plan")
    assert "Мой план сегодня" in tile and "Заработано на сегодня" in tile and "До плана месяца" in tile
    screenshot(page, "payroll-tile")
    page.goto(f"{demo_server}/payroll")
    assert "Петров" not in page.inner_text("#payroll-table")
