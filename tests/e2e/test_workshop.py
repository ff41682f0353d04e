"""The service advisor plans two cars on two bays; the wall tablet shows them and follows a status change."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from appliance import clock, customers, settings
from appliance.customers import PhoneInput, VehicleInput
from appliance.workshop import devices, schedule, work_orders
from db.models.customers import Customer
from db.models.workshop import WorkOrder
from tests.e2e.conftest import screenshot
from tests.workshop.conftest import NOW, utc

pytestmark = pytest.mark.e2e


@pytest.fixture
def workshop(db, staff, monkeypatch):
    """Monday 23.11.2026, 10:00 in the shop; two customers with cars; the tablet polls every second."""
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    settings.get()._cp.set("workshop", "board_refresh_seconds", "1")
    schedule.sync_bays()
    customers.create_customer("Иванов Пётр Сергеевич", [PhoneInput("+7 916 123-45-67")], staff["manager"],
                              vehicle_list=[VehicleInput("Chery", "Tiggo 4", 2019, plate="А123ВС77")])
    customers.create_customer("Смирнова Ольга", [PhoneInput("+7 926 555-44-33")], staff["manager"],
                              vehicle_list=[VehicleInput("Geely", "Coolray", 2021, plate="М777ОР99")])
    _, token = devices.create("display", "Планшет в цеху", staff["owner"])
    return token


def _click_slot(page, bay_position: int, minutes_from_opening: int):
    col = page.locator(".sg-col").nth(bay_position - 1)
    ppm = float(page.locator("#schedule-grid").get_attribute("data-ppm"))
    col.click(position={"x": 40, "y": minutes_from_opening * ppm + 5})


def _plan(page, bay_position: int, phone: str, complaint: str):
    _click_slot(page, bay_position, 120)  # 11:00
    dialog = page.locator("#ws-dialog")
    dialog.locator("input[name=phone]").wait_for()
    assert dialog.locator("input[name=start]").input_value() == "11:00"
    assert dialog.locator("input[name=end]").input_value() == "12:00"
    dialog.locator("input[name=phone]").fill(phone)
    dialog.locator("#customer-pick select[name=vehicle_id]").wait_for()
    dialog.locator("textarea[name=complaint]").fill(complaint)
    before = page.locator(".wo-block").count()
    dialog.locator("button.primary").click()
    page.wait_for_function(f"document.querySelectorAll('.wo-block').length > {before}")
    assert not dialog.is_visible()


def test_advisor_plans_two_bays_and_the_board_follows(page, browser, live_server, login_as, workshop, staff):
    login_as(page, "manager")
    page.goto(f"{live_server}/workshop")
    assert page.locator(".sg-head").inner_text().split() == ["Пост", "1", "Пост", "2", "Пост", "3", "Пост", "4"]

    _plan(page, 1, "8 916 123-45-67", "Замена колодок")
    _plan(page, 2, "+7 926 555-44-33", "ТО-30")
    first, second = page.locator(".sg-col").nth(0).locator(".wo-block"), page.locator(".sg-col").nth(1).locator(".wo-block")
    assert "Chery Tiggo 4" in first.inner_text() and "11:00–12:00" in first.inner_text()
    assert "Geely Coolray" in second.inner_text()
    assert [wo.complaint for wo in WorkOrder.select().order_by(WorkOrder.id)] == ["Замена колодок", "ТО-30"]
    screenshot(page, "workshop_schedule")

    # Drag the Coolray onto bay 1 at the same time: refused with the reason, the block goes back.
    box, target = second.bounding_box(), page.locator(".sg-col").nth(0).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 12)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 40, box["y"] + 14, steps=4)
    page.mouse.move(target["x"] + target["width"] / 2, box["y"] + 12, steps=8)
    page.mouse.up()
    message = page.locator("#schedule-msg .error")
    message.wait_for()
    assert re.search(r"Пост 1 занят с 11:00 до 12:00: ЗН-\d+, Chery Tiggo 4", message.inner_text())
    page.wait_for_function("document.querySelector('.sg-col:nth-child(3) .wo-block') !== null")
    assert "Geely Coolray" in page.locator(".sg-col").nth(1).inner_text()

    # The tablet on the wall: logged in by its link, 1280x800.
    tablet_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU", timezone_id="Europe/Moscow")
    tablet = tablet_ctx.new_page()
    tablet.set_default_timeout(10_000)
    tablet.goto(f"{live_server}/workshop/device/{workshop}")
    tablet.wait_for_url("**/workshop/board")
    cols = tablet.locator(".board-col")
    assert "Chery Tiggo 4" in cols.nth(0).inner_text() and "А123ВС77" in cols.nth(0).inner_text()
    assert "Geely Coolray" in cols.nth(1).inner_text()
    tablet.evaluate("window.__sameDocument = true")

    # The advisor starts the Tiggo: the tablet shows it without a reload.
    wo_id = int(first.get_attribute("data-wo"))
    page.goto(f"{live_server}/workshop/work-orders/{wo_id}")
    page.locator("button[name=status][value=arrived]").click()
    page.locator("#wo-status", has_text="приехал").wait_for()
    page.locator("button[name=status][value=in_work]").click()
    page.locator("#wo-status", has_text="в работе").wait_for()
    assert page.locator("#wo-status").inner_text() == "в работе"
    card = tablet.locator(f"#board-wo-{wo_id}")
    # (htmx settles the class a moment after the content: wait for both.)
    tablet.wait_for_function(f"document.querySelector('#board-wo-{wo_id}').dataset.status === 'in_work'"
                             f" && document.querySelector('#board-wo-{wo_id}').classList.contains('current')")
    assert "current" in card.get_attribute("class") and "в работе" in card.inner_text()
    assert tablet.evaluate("window.__sameDocument") is True

    # A mechanic taps the Coolray: the work order pops up; he marks "waiting for parts" after starting.
    other = tablet.locator(".board-col").nth(1).locator(".board-card").first
    other.click()
    popup = tablet.locator("#board-popup")
    popup.locator("text=ТО-30").wait_for()
    popup.locator("select[name=mechanic]").select_option(str(staff["mechanic"].id))
    popup.locator("button[value=in_work]").click()
    popup.locator("text=Отмечено: в работе").wait_for()
    popup.locator("select[name=mechanic]").select_option(str(staff["mechanic"].id))
    popup.locator("button[value=waiting_parts]").click()
    popup.locator("text=Отмечено: ждёт запчасти").wait_for()
    popup.locator("button.close").click()
    other_id = int(other.get_attribute("id").split("-")[-1])
    tablet.wait_for_function(f"document.querySelector('#board-wo-{other_id}').dataset.status === 'waiting_parts'")
    assert "ждём запчасти" in tablet.locator(f"#board-wo-{other_id}").inner_text()
    assert "Захаров Д." in tablet.locator(f"#board-wo-{other_id}").inner_text()  # he started it, so it is his
    last = work_orders.history(work_orders.get(other_id))[-1]
    assert (last.by_id, last.via) == (staff["mechanic"].id, "табло: Планшет в цеху")
    screenshot(tablet, "workshop_board")

    # The box goes away: the tablet keeps the schedule and says so.
    tablet.route("**/workshop/board/grid*", lambda route: route.abort())
    tablet.locator(".offline-banner").wait_for(state="visible")
    assert "Нет связи" in tablet.locator(".offline-banner").inner_text()
    assert "Chery Tiggo 4" in tablet.locator(".board-cols").inner_text()
    screenshot(tablet, "workshop_board_offline")
    tablet.unroute("**/workshop/board/grid*")
    tablet.locator(".offline-banner").wait_for(state="hidden")
    tablet_ctx.close()


def test_website_booking_dragged_onto_a_bay_and_resized(page, live_server, login_as, workshop, staff):
    import requests

    from db.models.notifications import Notification

    _, site_token = devices.create("website", "Сайт магазина", staff["owner"])
    response = requests.post(f"{live_server}/api/website/bookings", timeout=10,
                             headers={"Authorization": f"Bearer {site_token}"},
                             json={"name": "Орлов Максим", "phone": "+7 999 123-45-67", "car": "Haval Jolion",
                                   "complaint": "Скрип тормозов", "wish_at": "2026-11-23T13:00"})
    assert response.status_code == 201, response.text
    note = Notification.get(Notification.kind == "website_request")

    login_as(page, "manager")
    page.goto(f"{live_server}/notifications")
    page.locator(f"a[href='{note.url}']").first.click()
    item = page.locator(".booking-item.highlight")
    assert "Орлов Максим" in item.inner_text() and "Haval Jolion" in item.inner_text()

    # Drag the booking onto bay 3 at 13:00.
    ppm = float(page.locator("#schedule-grid").get_attribute("data-ppm"))
    col = page.locator(".sg-col").nth(2).bounding_box()
    src = item.bounding_box()
    page.mouse.move(src["x"] + 30, src["y"] + 30)
    page.mouse.down()
    page.mouse.move(src["x"] - 100, src["y"] + 40, steps=5)
    page.mouse.move(col["x"] + 50, col["y"] + 240 * ppm + 3, steps=10)
    page.mouse.up()
    dialog = page.locator("#ws-dialog")
    dialog.locator("button.primary").wait_for()
    assert dialog.locator("input[name=start]").input_value() == "13:00"
    assert dialog.locator("select[name=bay]").input_value() == str(schedule.active_bays()[2].id)
    assert "Скрип тормозов" in dialog.locator("textarea[name=complaint]").input_value()
    dialog.locator("button.primary").click()
    block = page.locator(".sg-col").nth(2).locator(".wo-block")
    block.wait_for()
    assert "13:00–14:00" in block.inner_text() and "Haval Jolion" in block.inner_text()
    assert "Орлов Максим" in block.inner_text()
    assert page.locator(".booking-item").count() == 0 or "Орлов" not in page.locator("#unplanned").inner_text()
    assert not Notification.get_by_id(note.id).is_open

    # Stretch it to 15:00 by its bottom edge.
    box = block.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] + 60 * ppm, steps=10)
    page.mouse.up()
    page.locator("#schedule-msg .flash", has_text="Перенесено").wait_for()
    assert "13:00–15:00" in page.locator(".sg-col").nth(2).locator(".wo-block").inner_text()
    wo = WorkOrder.get()
    assert wo.booking.customer.name == "Орлов Максим" and "Haval Jolion" in wo.complaint


def _tablet_at(browser, live_server, token):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU", timezone_id="Europe/Moscow")
    tablet = ctx.new_page()
    tablet.set_default_timeout(10_000)
    tablet.goto(f"{live_server}/workshop/device/{token}")
    tablet.wait_for_url("**/workshop/board")
    return ctx, tablet


def test_board_is_readable_from_three_metres(browser, live_server, workshop, staff):
    """Car, plate and status at least twice today's 16-28 px; every card fits its column; a car in work
    outside its slot shows its badge."""
    bays = schedule.active_bays()
    people = {c.name: c for c in Customer.select()}
    ivanov, smirnova = people["Иванов Пётр Сергеевич"], people["Смирнова Ольга"]
    plans = [(ivanov, bays[0], "09:30", "10:30", "arrived"), (smirnova, bays[0], "10:30", "12:00", "in_work"),
             (ivanov, bays[1], "10:00", "11:00", "waiting_parts"), (smirnova, bays[2], "11:00", "12:00", "planned"),
             (ivanov, bays[3], "12:00", "13:00", "planned"), (smirnova, bays[3], "13:00", "14:00", "planned"),
             (ivanov, bays[3], "14:00", "15:00", "planned")]
    ids = []
    for customer, bay, start, end, status in plans:
        wo = WorkOrder.create(kind="repair", customer=customer, vehicle=customer.vehicles.get(), bay=bay,
                              planned_start=utc(start), planned_end=utc(end), status=status,
                              complaint="ТО-30, скрип тормозов", created_at=utc("09:00"), updated_at=utc("09:00"))
        ids.append(wo.id)
    ctx, tablet = _tablet_at(browser, live_server, workshop)
    size = "(sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize)"
    assert tablet.evaluate(size, ".board-card .car") >= 44
    assert tablet.evaluate(size, ".board-card .plate") >= 40
    assert tablet.evaluate(size, ".board-card .flag") >= 30
    assert "в работе" in tablet.locator(f"#board-wo-{ids[1]}").inner_text()  # in work, though not the current one
    # nothing is cut off: every card shown lies inside its column and the screen
    boxes = tablet.evaluate("""() => [...document.querySelectorAll('.board-card')].map(c => {
        const r = c.getBoundingClientRect(), col = c.closest('.board-col').getBoundingClientRect();
        const flag = c.querySelector('.flag'), fr = flag ? flag.getBoundingClientRect() : r;
        return [c.id, r.bottom <= col.bottom + 0.5 && r.right <= col.right + 0.5 && r.bottom <= innerHeight,
                c.querySelector('.car').scrollWidth <= c.querySelector('.car').clientWidth + 1 && fr.right <= r.right];
    })""")
    assert len(boxes) == 6 and all(inside and fits for _, inside, fits in boxes), boxes
    assert "и ещё 1" in tablet.locator(".board-col").nth(3).inner_text()  # the third car of a bay is counted
    screenshot(tablet, "workshop_board_1280x800")
    ctx.close()


def test_slot_dialog_plans_a_repair_after_the_cars_inspection(page, live_server, login_as, workshop, staff):
    from db.models.workshop import Finding

    ivanov = Customer.get(Customer.name == "Иванов Пётр Сергеевич")
    start = utc("09:00") - dt.timedelta(days=3)
    inspection = WorkOrder.create(kind="inspection", customer=ivanov, vehicle=ivanov.vehicles.get(),
                                  bay=schedule.active_bays()[0], planned_start=start,
                                  planned_end=start + dt.timedelta(minutes=30), status="handed_over",
                                  created_at=start, updated_at=start)
    Finding.create(work_order=inspection, text="Люфт рулевой тяги", severity="soon")
    login_as(page, "manager")
    page.goto(f"{live_server}/workshop")
    _click_slot(page, 2, 120)
    dialog = page.locator("#ws-dialog")
    phone = dialog.locator("input[name=phone]")
    phone.wait_for()
    # the dialog settles first (a phone typed while htmx still swaps it in is lost, as a person's would be)
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    phone.fill("8 916 123-45-67")
    phone.press("Tab")  # as a person moves on to the next field: `change` asks for the cars too
    choice = dialog.locator("#customer-pick select[name=inspection_choice]")
    choice.wait_for()
    # the car's open inspection is proposed (waits out a second swap of the customer pick)
    page.wait_for_function("(id) => { const s = document.querySelector('#customer-pick select[name=inspection_choice]');"
                           " return s && s.value === id; }", arg=str(inspection.id), timeout=20_000)
    assert "ЗН-" in choice.inner_text() and "не по осмотру" in choice.inner_text()
    dialog.locator("textarea[name=complaint]").fill("Заменить рулевую тягу")
    screenshot(page, "workshop_slot_dialog_inspection")
    dialog.locator("button.primary").click()
    page.wait_for_function("document.querySelectorAll('.wo-block').length > 0", timeout=20_000)
    assert not dialog.is_visible()
    repair = WorkOrder.get(WorkOrder.kind == "repair")
    assert repair.inspection_id == inspection.id
