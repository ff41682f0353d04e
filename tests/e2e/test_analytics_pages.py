"""The owner's dashboard and a manager's «Мои показатели» on the demo shop, in Chromium at 1280 px:
tiles, charts, a click through to the list behind a figure. Screenshots: tests/artifacts/."""
from __future__ import annotations

import pytest

from db.models.staff import Staff
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def staff(demo_db):
    """The demo shop's own staff (password demo) instead of the suite's three."""
    return {s.username: s for s in Staff.select()}


def test_owner_dashboard_and_a_list(live_server, page, login_as):
    page.set_viewport_size({"width": 1280, "height": 900})
    login_as(page, "owner")
    page.goto(f"{live_server}/analytics?period=year")
    assert page.locator("h1").inner_text() == "Показатели магазина"
    assert page.locator("#chart-revenue rect").count() > 10
    assert "Пропущено и не перезвонили" in page.locator("#tile-calls").inner_text()
    screenshot(page, "analytics_owner")
    page.click("#tile-workshop_customers a:text('Покупают, но ни разу не ремонтировались')")
    assert "ни разу не ремонтировались" in page.locator("h1").inner_text()
    assert page.locator("#detail tbody tr").count() > 0
    screenshot(page, "analytics_list")


def test_manager_own_figures(live_server, page, login_as):
    page.set_viewport_size({"width": 1280, "height": 900})
    login_as(page, "manager")
    page.goto(f"{live_server}/analytics/me?period=year")
    assert page.locator("h1").inner_text() == "Мои показатели"
    assert page.locator("#tile-workshop").count() == 0
    screenshot(page, "analytics_mine")
