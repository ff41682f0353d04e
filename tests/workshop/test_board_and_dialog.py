"""The wall board's badges, the planning dialog (wished time, follow-up of an inspection), Russian
agreement in refusals and the repair average."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from appliance import settings
from appliance.errors import InputError
from appliance.workshop import bookings, devices, reports, schedule, work_orders
from db.models.workshop import Finding, WorkOrder
from tests.workshop.conftest import DAY, utc
from tests.workshop.test_schedule import plan

pytestmark = pytest.mark.clock


def _card(board: str, wo_id: int) -> str:
    return re.search(rf'<article class="board-card[^"]*" id="board-wo-{wo_id}".*?</article>', board, re.S).group(0)


def test_board_shows_the_status_of_a_car_in_work_outside_its_current_slot(now, client, staff, car, second_car, bays):
    first = plan(*car, bays[0], "09:30", "10:30")
    second = plan(*second_car, bays[0], "10:30", "12:00")
    WorkOrder.update(status="arrived").where(WorkOrder.id == first.id).execute()
    WorkOrder.update(status="in_work").where(WorkOrder.id == second.id).execute()  # started early
    _, token = devices.create("display", "Планшет в цеху", staff["owner"])
    client.get(f"/workshop/device/{token}")
    board = client.get("/workshop/board").get_data(as_text=True)
    assert 'class="flag now">приехал' in _card(board, first.id)
    assert "в работе" in _card(board, second.id)


def test_moving_into_the_past_says_perenos_nevozmozhen(now, car, bays):
    wo = plan(*car, bays[0], "12:00", "13:00")
    with pytest.raises(InputError) as err:
        work_orders.move(wo, bays[0].id, utc("10:00", DAY - dt.timedelta(days=1)),
                         utc("11:00", DAY - dt.timedelta(days=1)), None)
    assert "Перенос на прошедшее время" in err.value.message and err.value.message.endswith("невозможен.")
    with pytest.raises(InputError) as err:
        work_orders.create(work_orders.OrderInput(customer_id=car[0].id, vehicle_id=car[1].id, bay_id=bays[0].id,
                                   start=utc("10:00", DAY - dt.timedelta(days=1)),
                                   end=utc("11:00", DAY - dt.timedelta(days=1))), None)
    assert err.value.message.endswith("невозможна.")  # «Запись … невозможна»


def test_a_bay_with_a_neuter_name_is_not_called_zanyat(now, car, second_car, bays):
    cfg = settings.get()
    cfg._cp.set("workshop", "bay_names", "Пост 1, Пост 2, Развал-схождение, Шиномонтаж")
    bays = schedule.sync_bays()
    plan(*car, bays[2], "12:00", "13:00")
    with pytest.raises(InputError) as err:
        plan(*second_car, bays[2], "12:30", "13:30")
    assert "Пост «Развал-схождение» занят с 12:00 до 13:00" in err.value.message
    plan(*car, bays[0], "15:00", "16:00")
    with pytest.raises(InputError) as err:
        plan(*second_car, bays[0], "15:00", "16:00")
    assert "Пост 1 занят с 15:00 до 16:00" in err.value.message


def test_planning_a_booking_prefills_its_wished_time(now, login, car, bays, staff):
    booking = bookings.create_booking(bookings.BookingInput(
        phone="+7 916 123-45-67", customer_id=car[0].id, vehicle_id=car[1].id, complaint="Скрип тормозов",
        wish_at=utc("14:00", DAY + dt.timedelta(days=1))), staff["manager"])
    browser = login("manager")
    dialog = browser.get(f"/workshop/new?booking_id={booking.id}&date={DAY.isoformat()}").get_data(as_text=True)
    assert 'name="date" value="2026-11-24"' in dialog
    assert 'name="start" step="1800" value="14:00"' in dialog
    assert re.search(r'name="end" step="1800" value="1[4-9]:[03]0"', dialog)
    # dropped on the grid at another time, the drop wins
    dropped = browser.get(f"/workshop/new?booking_id={booking.id}&date={DAY.isoformat()}&bay={bays[0].id}&start=11:00")
    assert 'value="11:00"' in dropped.get_data(as_text=True)


def test_repair_average_does_not_count_free_inspections(now, car, second_car, bays):
    (c1, v1), (c2, v2) = car, second_car
    for customer, vehicle, bay, kind, total in ((c1, v1, bays[0], "repair", 450000), (c2, v2, bays[1], "repair", 150000),
                                                (c2, v2, bays[2], "inspection", 0)):
        start = utc("09:00")
        WorkOrder.create(kind=kind, customer=customer, vehicle=vehicle, bay=bay, planned_start=start,
                         planned_end=start + dt.timedelta(hours=1), status="handed_over", total_kop=total,
                         handed_over_at=start + dt.timedelta(hours=2), created_at=start, updated_at=start)
    visits = reports.repair_visits(utc("00:00"), utc("23:59"))
    assert (visits.count, visits.total_kop, visits.average_kop) == (2, 600000, 300000)


def _done_inspection(customer, vehicle, bay):
    start = utc("09:00", DAY - dt.timedelta(days=3))
    wo = WorkOrder.create(kind="inspection", customer=customer, vehicle=vehicle, bay=bay, planned_start=start,
                          planned_end=start + dt.timedelta(minutes=30), status="handed_over", created_at=start,
                          updated_at=start)
    return WorkOrder.get_by_id(wo.id)


def test_the_slot_dialog_links_a_repair_to_an_inspection(now, login, car, second_car, bays, staff):
    inspection = _done_inspection(*car, bays[0])
    Finding.create(work_order=inspection, text="Люфт рулевой тяги", severity="soon")
    browser = login("manager")
    # the advisor types the customer's phone in the dialog of an empty slot
    pick = browser.get(f"/workshop/customer-vehicles?phone=89161234567&bay={bays[1].id}").get_data(as_text=True)
    assert f'<option value="{inspection.id}" selected>{inspection.number} от 20.11.2026' in pick  # its open one
    # «не по осмотру» chosen: not linked, even to the car's open inspection
    none = {"customer_id": car[0].id, "vehicle_id": car[1].id, "bay": bays[1].id, "date": DAY.isoformat(),
            "start": "16:00", "end": "17:00", "kind": "repair", "inspection_choice": ""}
    assert browser.post("/workshop/work-orders", none, htmx=True).status_code == 200
    assert WorkOrder.get(WorkOrder.planned_start == utc("16:00")).inspection_id is None
    WorkOrder.delete().where(WorkOrder.planned_start == utc("16:00")).execute()
    form = {"customer_id": car[0].id, "vehicle_id": car[1].id, "bay": bays[1].id, "date": DAY.isoformat(),
            "start": "12:00", "end": "13:00", "kind": "repair", "inspection_choice": inspection.id, "complaint": "Заменить тягу"}
    response = browser.post("/workshop/work-orders", form, htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    repair = WorkOrder.get(WorkOrder.kind == "repair")
    assert repair.inspection_id == inspection.id
    # another customer's inspection is refused, nothing saved
    theirs = _done_inspection(*second_car, bays[2])
    other = dict(form, start="14:00", end="15:00", inspection_choice=theirs.id)
    response = browser.post("/workshop/work-orders", other, htmx=True)
    assert response.status_code == 422 and "осмотр другого клиента" in response.get_data(as_text=True)
    assert WorkOrder.select().where(WorkOrder.kind == "repair").count() == 1
