"""The workshop pages as staff, the tablet and the website see them."""
from __future__ import annotations

import re

import pytest

from appliance.workshop import devices, work_orders
from db.models.notifications import Notification
from db.models.workshop import Booking, StatusChange, WorkOrder
from tests.workshop.conftest import utc
from tests.workshop.test_schedule import plan

pytestmark = pytest.mark.clock  # rules that count days and hours: run at four instants


def test_schedule_page_shows_bays_and_orders(now, login, car, bays):
    wo = plan(*car, bays[1], "11:00", "12:30")
    browser = login("manager")
    page = browser.get("/workshop").get_data(as_text=True)
    assert "Мастерская · понедельник, 23.11.2026" in page
    for name in ("Пост 1", "Пост 2", "Пост 3", "Пост 4"):
        assert name in page
    block = re.search(rf'<div class="wo-block[^"]*" id="wo-{wo.id}".*?</div>\s*</div>', page, re.S).group(0)
    assert "11:00–12:30" in block and "Chery Tiggo 4" in block and "А123ВС77" in block
    assert 'href="/workshop"' in page  # the nav link to the area


def test_advisor_plans_from_a_phone_and_a_clash_is_refused(now, login, car, bays, staff):
    browser = login("manager")  # a new phone adds a customer: the desk's right, not a mechanic's
    form = {"phone": "8 (903) 111-22-33", "name": "Кузнецов Андрей", "make": "Haval", "model": "Jolion",
            "plate": "к555кк 750", "bay": bays[0].id, "date": "2026-11-23", "start": "12:00", "end": "13:00",
            "kind": "repair", "mechanic": staff["mechanic"].id, "complaint": "Стук спереди справа"}
    response = browser.post("/workshop/work-orders", form, htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#schedule-grid"
    assert "Haval Jolion" in response.get_data(as_text=True)
    wo = WorkOrder.get()
    assert (wo.customer.name, wo.vehicle.plate, wo.mechanic_id) == ("Кузнецов Андрей", "К555КК750", staff["mechanic"].id)

    clash = dict(form, phone="+7 916 123-45-67", start="12:30", end="13:30")
    response = browser.post("/workshop/work-orders", clash, htmx=True)
    assert response.status_code == 422
    assert "Пост 1 занят с 12:00 до 13:00" in response.get_data(as_text=True)
    assert WorkOrder.select().count() == 1

    other = plan(*car, bays[1], "12:00", "13:00")
    response = browser.post(f"/workshop/work-orders/{other.id}/move",
                            {"date": "2026-11-23", "bay": bays[0].id, "start": "12:30", "end": "13:30"}, htmx=True)
    assert response.status_code == 409
    assert "Пост 1 занят с 12:00 до 13:00" in response.get_json()["error"]
    response = browser.post(f"/workshop/work-orders/{other.id}/move",
                            {"date": "2026-11-23", "bay": bays[0].id, "start": "13:00", "end": "14:30"}, htmx=True)
    assert response.status_code == 200
    assert work_orders.get(other.id).planned_end == utc("14:30")


def test_work_order_page_lines_statuses_and_print(now, login, car, bays):
    wo = plan(*car, bays[0], "10:00", "11:00")
    browser = login("manager")
    assert browser.post(f"/workshop/work-orders/{wo.id}/lines",
                        {"line": "work", "work_name": "Замена масла", "norm_hours": "0.5", "work_price": "800"}).status_code == 302
    response = browser.post(f"/workshop/work-orders/{wo.id}/lines",
                            {"line": "part", "part_name": "Фильтр", "qty": "один", "part_price": "500"})
    assert response.status_code == 422 and "не число" in response.get_data(as_text=True)
    browser.post(f"/workshop/work-orders/{wo.id}/status", {"status": "in_work"})
    page = browser.get(f"/workshop/work-orders/{wo.id}").get_data(as_text=True)
    assert "в работе" in page and "Замена масла" in page and "800" in page
    assert "Соколова Анна Сергеевна" in page  # who moved it
    printed = browser.get(f"/workshop/work-orders/{wo.id}/print").get_data(as_text=True)
    assert f"Заказ-наряд {wo.number}" in printed and "@page" not in printed  # print CSS lives in the stylesheet
    assert "Заказчик: с объёмом работ согласен" in printed


def test_customer_card_lists_work_orders(now, login, car, bays):
    wo = plan(*car, bays[0], "10:00", "11:00")
    page = login("manager").get(f"/customers/{car[0].id}").get_data(as_text=True)
    section = page[page.index('id="customer-work-orders"'):]
    assert wo.number in section and "запланирован" in section


def test_display_token_logs_in_to_the_board_only(now, client, staff, car, bays):
    row, token = devices.create("display", "Планшет в цеху", staff["owner"])
    wo = plan(*car, bays[0], "10:00", "11:00", mechanic=staff["mechanic"])
    assert client.get("/workshop/device/not-a-token").status_code == 401
    response = client.get(f"/workshop/device/{token}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/workshop/board")
    board = client.get("/workshop/board").get_data(as_text=True)
    assert "Chery Tiggo 4" in board and "А123ВС77" in board and "Пост 1" in board
    for url in ("/workshop", "/customers", f"/workshop/work-orders/{wo.id}", "/workshop/devices", "/notifications"):
        assert client.get(url).status_code == 403, url
    # A mechanic's tap from the tablet, then the poll shows it.
    version = re.search(r'data-version="([^"]+)"', board).group(1)
    assert client.get(f"/workshop/board/grid?v={version}").status_code == 204
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', board).group(1)
    response = client.post(f"/workshop/board/wo/{wo.id}/status", data={"status": "waiting_parts", "mechanic": staff["mechanic"].id},
                           headers={"X-CSRFToken": csrf, "HX-Request": "true"})
    assert response.status_code == 422  # planned -> waiting for parts is not a step
    response = client.post(f"/workshop/board/wo/{wo.id}/status", data={"status": "in_work", "mechanic": staff["mechanic"].id},
                           headers={"X-CSRFToken": csrf, "HX-Request": "true"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "board-refresh"
    assert StatusChange.select().order_by(StatusChange.id.desc()).first().by_id == staff["mechanic"].id
    fresh = client.get(f"/workshop/board/grid?v={version}")
    assert fresh.status_code == 200 and "в работе" in fresh.get_data(as_text=True)
    # Revoked: the tablet is out at its next request.
    devices.revoke(row, staff["owner"])
    assert client.get("/workshop/board").status_code == 302
    assert client.get(f"/workshop/device/{token}").status_code == 401


def test_owner_issues_and_revokes_tokens(login, staff):
    browser = login("owner")
    page = browser.post("/workshop/devices", {"kind": "display", "name": "Планшет у поста 2"}).get_data(as_text=True)
    url = re.search(r"(http://[^<\s]+/workshop/device/[\w-]+)", page).group(1)
    assert "показывается один раз" in page
    row = devices.listing()[0]
    assert browser.post(f"/workshop/devices/{row.id}/revoke").status_code == 302
    assert "отозван" in browser.get("/workshop/devices").get_data(as_text=True)
    assert login("manager").get("/workshop/devices").status_code == 403
    assert url


def test_website_booking_becomes_notification_then_work_order(now, client, login, staff, bays):
    _, token = devices.create("website", "kitay-service.ru", staff["owner"])
    booking = {"name": "Орлов Максим", "phone": "+7 (999) 123-45-67", "car": "Geely Atlas Pro",
               "complaint": "ТО-30, скрип тормозов", "wish_at": "2026-11-24T11:00", "id": "site-77"}
    assert client.post("/api/website/bookings", json=booking).status_code == 401
    bad = client.post("/api/website/bookings", json=booking, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.get_json()["error"]
    auth = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/website/bookings", json=dict(booking, phone="12345"), headers=auth)
    assert response.status_code == 422 and response.get_json()["field"] == "phone"
    assert "«12345» набран с ошибкой" in response.get_json()["error"]
    response = client.post("/api/website/bookings", json=dict(booking, wish_at="2026-11-20T10:00"), headers=auth)
    assert response.status_code == 422 and "прошло" in response.get_json()["error"]
    response = client.post("/api/website/bookings", json=dict(booking, wish_at="завтра"), headers=auth)
    assert response.status_code == 422
    assert Booking.select().count() == 0

    response = client.post("/api/website/bookings", json=booking, headers=auth)
    assert response.status_code == 201
    again = client.post("/api/website/bookings", json=booking, headers=auth)
    assert again.status_code == 200 and again.get_json()["id"] == response.get_json()["id"]
    note = Notification.get(Notification.kind == "website_request")
    assert note.is_open and "Орлов Максим" in note.title and "24.11 11:00" in note.title
    assert Booking.get().customer.source == "website"

    browser = login("manager")
    page = browser.get(note.url).get_data(as_text=True)
    assert "Орлов Максим" in page and "booking-item highlight" in page
    created = browser.post("/workshop/work-orders", {"booking_id": response.get_json()["id"], "bay": bays[2].id,
                                                     "date": "2026-11-24", "start": "11:00", "end": "12:30"}, htmx=True)
    assert created.status_code == 200, created.get_data(as_text=True)
    wo = WorkOrder.get()
    assert wo.complaint.startswith("ТО-30") and "Geely Atlas Pro" in wo.complaint
    assert Booking.get().status == "planned"
    assert not Notification.get_by_id(note.id).is_open


def test_new_customer_is_not_half_saved_when_the_slot_is_taken(now, login, car, bays):
    from db.models.customers import Customer

    plan(*car, bays[0], "12:00", "13:00")
    browser = login("manager")
    dialog = browser.get(f"/workshop/new?bay={bays[0].id}&date=2026-11-23&start=12:30&booking_id=junk").get_data(as_text=True)
    assert 'value="13:30"' in dialog  # an hour by default
    before = Customer.select().count()
    response = browser.post("/workshop/work-orders", {"phone": "+7 905 000-11-22", "name": "Новый Клиент", "make": "Lifan",
                                                      "bay": bays[0].id, "date": "2026-11-23", "start": "12:30", "end": "13:30"},
                            htmx=True)
    assert response.status_code == 422 and "Пост 1 занят" in response.get_data(as_text=True)
    assert Customer.select().count() == before


def test_phone_booking_from_the_card_lands_in_the_unplanned_list(now, login, car, bays):
    customer, vehicle = car
    browser = login("manager")
    card = browser.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert f"/workshop/bookings/new?customer_id={customer.id}" in card
    refused = browser.post(f"/workshop/bookings/new?customer_id={customer.id}",
                           {"customer_id": customer.id, "wish_date": "2026-11-20", "wish_time": "10:00", "complaint": "ТО"})
    assert refused.status_code == 422 and "уже прошло" in refused.get_data(as_text=True)
    response = browser.post(f"/workshop/bookings/new?customer_id={customer.id}",
                            {"customer_id": customer.id, "vehicle_id": vehicle.id, "wish_date": "2026-11-25",
                             "wish_time": "14:00", "complaint": "Замена ремня ГРМ", "source": "phone"})
    assert response.status_code == 302 and "date=2026-11-25" in response.headers["Location"]
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    unplanned = page[page.index('id="unplanned"'):]
    assert "Замена ремня ГРМ" in unplanned and "хочет 25.11.2026 14:00" in unplanned


def test_week_and_report_pages(now, login, car, second_car, bays):
    a = plan(*car, bays[0], "10:00", "11:00", kind="inspection")
    work_orders.add_finding(a, "Износ колодок", "soon", "")
    work_orders.set_status(a, "in_work")
    work_orders.set_status(a, "ready")
    browser = login("owner")
    week = browser.get("/workshop/week?date=2026-11-25").get_data(as_text=True)
    assert "Неделя 23.11.2026 — 29.11.2026" in week and "10:00 Chery Tiggo 4" in week
    report = browser.get("/workshop/reports?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert re.search(r'id="inspections">1<', report) and re.search(r'id="converted">0<', report)
    assert login("mechanic").get("/workshop/reports").status_code == 403


def test_owner_switches_board_marks_off(now, client, login, staff, car, bays):
    wo = plan(*car, bays[0], "10:00", "11:00")
    owner = login("owner")
    assert owner.get("/workshop/board").status_code == 200  # "display" among the roles: the owner is listed by name
    page = owner.get("/workshop/devices").get_data(as_text=True)
    assert "разрешены" in page
    owner.post("/workshop/devices/permission", {"allowed": "no"})
    assert "выключены" in owner.get("/workshop/devices").get_data(as_text=True)
    assert not work_orders.mechanics_may_change_status()

    _, token = devices.create("display", "Планшет", staff["owner"])
    client.get(f"/workshop/device/{token}")
    popup = client.get(f"/workshop/board/wo/{wo.id}").get_data(as_text=True)
    assert "Начал работу" not in popup and "Закрыть" in popup
    board = client.get("/workshop/board").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', board).group(1)
    response = client.post(f"/workshop/board/wo/{wo.id}/status", data={"status": "in_work", "mechanic": staff["mechanic"].id},
                           headers={"X-CSRFToken": csrf, "HX-Request": "true"})
    assert response.status_code == 422 and "не разрешил" in response.get_data(as_text=True)
    assert work_orders.get(wo.id).status == "planned"


def test_reschedule_to_another_day_from_the_work_order(now, login, car, bays):
    wo = plan(*car, bays[0], "10:00", "11:00")
    browser = login("manager")
    page = browser.get(f"/workshop/work-orders/{wo.id}").get_data(as_text=True)
    assert 'id="reschedule"' in page and 'value="10:00"' in page
    response = browser.post(f"/workshop/work-orders/{wo.id}/move", {"bay": bays[1].id, "date": "2026-11-26",
                                                                   "start": "15:00", "end": "16:30"})
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{wo.number} перенесён: Пост 2, 26.11 15:00–16:30." in page
    response = browser.post(f"/workshop/work-orders/{wo.id}/move", {"bay": bays[1].id, "date": "2026-11-26",
                                                                   "start": "19:30", "end": "21:00"})
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "работает с 09:00 до 20:00" in page


def test_small_partials(now, login, car, bays):
    customer, vehicle = car
    browser = login("manager")
    form = browser.get(f"/workshop/bookings/new?customer_id={customer.id}").get_data(as_text=True)
    assert "Chery Tiggo 4, 2019 А123ВС77" in form
    assert 'name="phone"' in browser.get("/workshop/bookings/new").get_data(as_text=True)
    pick = browser.get("/workshop/customer-vehicles?phone=89161234567").get_data(as_text=True)
    assert "Иванов Пётр Сергеевич" in pick and f'value="{vehicle.id}"' in pick
    unknown = browser.get("/workshop/customer-vehicles?phone=8916").get_data(as_text=True)
    assert 'name="name"' in unknown and 'name="make"' in unknown
    grid = browser.get("/workshop/grid?date=2026-11-24", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert grid.lstrip().startswith('<div id="schedule-grid"')
    assert 'data-day="2026-11-24"' in grid


def test_planning_another_day_from_the_dialog_opens_that_day(now, login, car, bays):
    browser = login("manager")
    response = browser.post("/workshop/work-orders", {"phone": "+7 916 123-45-67", "bay": bays[0].id, "shown": "2026-11-23",
                                                      "date": "2026-11-27", "start": "10:00", "end": "11:00"}, htmx=True)
    assert response.headers["HX-Redirect"] == "/workshop?date=2026-11-27"
    from appliance.clock import to_local

    assert to_local(WorkOrder.get().planned_start).strftime("%d.%m %H:%M") == "27.11 10:00"
