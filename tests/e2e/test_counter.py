"""A manager at the counter: log in, find a customer by the last 4 digits, open the card, add a car."""
from __future__ import annotations

import pytest

from appliance import customers
from appliance.customers import PhoneInput, VehicleInput
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def known_customers(db, staff):
    first = customers.create_customer("Лебедев Павел Андреевич", [PhoneInput("8 916 555-43-21")], staff["manager"],
                                      source="avito", vehicle_list=[VehicleInput("Geely", "Coolray", 2021, plate="м707ор777")])
    customers.create_customer("Лебедева Ирина Викторовна", [PhoneInput("+7 (903) 111-22-33")], staff["manager"])
    return first


def test_manager_finds_customer_by_last_digits_and_adds_a_car(page, live_server, login_as, known_customers):
    login_as(page, "manager")
    assert page.locator("header .user").inner_text().startswith("Соколова А.")
    page.fill("#customer-search", "4321")
    row = page.locator("#results tr.hit")
    row.first.wait_for()
    assert row.count() == 1
    assert "Лебедев Павел" in row.inner_text()
    assert "+7 916 555-43-21" in row.inner_text()
    screenshot(page, "counter_search")

    row.locator("a").click()
    page.wait_for_url(f"**/customers/{known_customers.id}")
    assert page.locator("h1").inner_text().startswith("Лебедев Павел Андреевич")
    assert "М707ОР777" in page.locator("#vehicles").inner_text()

    page.click("#add-vehicle")
    form = page.locator("#vehicle-form form")
    form.locator("input[name=make]").fill("Chery")
    form.locator("input[name=model]").fill("Tiggo 7 Pro")
    form.locator("input[name=year]").fill("2022")
    from appliance.vehicles import vin_check_digit

    good_vin = "LVTDB21B" + vin_check_digit("LVTDB21B0ND123457") + "ND123457"
    bad_vin = good_vin[:8] + ("2" if good_vin[8] != "2" else "3") + good_vin[9:]
    form.locator("input[name=vin]").fill(bad_vin)
    form.locator("button[type=submit]").click()
    page.locator("#vehicle-form .error").wait_for()
    assert "контрольный знак" in page.locator("#vehicle-form .error").inner_text()
    # The refused form comes back with the cursor in the field to fix (htmx settles, then focuses it).
    page.wait_for_function("document.activeElement && document.activeElement.name === 'vin'")

    form = page.locator("#vehicle-form form")
    form.locator("input[name=vin]").fill(good_vin)
    form.locator("input[name=plate]").fill("a123bc 77")
    form.locator("button[type=submit]").click()
    page.locator("#vehicles", has_text="Tiggo 7 Pro").wait_for()
    assert "А123ВС77" in page.locator("#vehicles").inner_text()
    assert page.locator("#vehicle-form form").count() == 0
    page.reload()
    assert "Tiggo 7 Pro" in page.locator("#vehicles").inner_text()
    assert "Tiggo 7 Pro" in page.locator(".audit").inner_text()  # the history block shows the new car
    screenshot(page, "customer_card")


def test_login_refuses_wrong_password_in_russian(page, live_server):
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "Неверный логин или пароль" in page.locator(".error").inner_text()
