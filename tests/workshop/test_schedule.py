"""The schedule's rules: hours, one car per bay, one place per mechanic."""
from __future__ import annotations

import pytest

from appliance import settings
from appliance.errors import InputError
from appliance.workshop import schedule, work_orders
from appliance.workshop.work_orders import OrderInput
from db.models.workshop import Bay
from tests.workshop.conftest import DAY, utc

pytestmark = pytest.mark.clock  # rules that count days and hours: run at four instants


def plan(customer, vehicle, bay, start, end, mechanic=None, actor=None, kind="repair"):
    return work_orders.create(OrderInput(customer_id=customer.id, vehicle_id=vehicle.id if vehicle else None,
                                         bay_id=bay.id, start=utc(start), end=utc(end),
                                         mechanic_id=mechanic.id if mechanic else None, kind=kind), actor)


def test_bays_follow_settings(db):
    names = [b.name for b in schedule.sync_bays()]
    assert names == ["Пост 1", "Пост 2", "Пост 3", "Пост 4"]
    cfg = settings.get()
    cfg._cp.set("workshop", "bays", "2")
    cfg._cp.set("workshop", "bay_names", "Подъёмник, Развал-схождение")
    assert [b.name for b in schedule.sync_bays()] == ["Подъёмник", "Развал-схождение"]
    assert Bay.select().where(~Bay.active).count() == 2  # old bays kept for history, hidden


def test_bay_holds_one_car(now, car, second_car, bays, staff):
    plan(*car, bays[0], "10:00", "11:30", actor=staff["manager"])
    with pytest.raises(InputError) as err:
        plan(*second_car, bays[0], "11:00", "12:00")
    assert "Пост 1 занят с 10:00 до 11:30" in err.value.message
    assert "Chery Tiggo 4" in err.value.message
    # Back to back is fine, and another bay at the same time is fine.
    plan(*second_car, bays[0], "11:30", "12:30")
    plan(*second_car, bays[1], "10:00", "11:00")


def test_mechanic_cannot_be_in_two_places(now, car, second_car, bays, staff):
    plan(*car, bays[0], "10:00", "12:00", mechanic=staff["mechanic"])
    with pytest.raises(InputError) as err:
        plan(*second_car, bays[1], "11:00", "13:00", mechanic=staff["mechanic"])
    assert err.value.field == "mechanic"
    assert "Захаров Д." in err.value.message and "Пост 1" in err.value.message


def test_hours_and_past_are_refused(now, car, bays):
    with pytest.raises(InputError, match="работает с 09:00 до 20:00"):
        plan(*car, bays[0], "19:00", "20:30")
    with pytest.raises(InputError, match="работает с 09:00 до 20:00"):
        plan(*car, bays[0], "08:00", "09:30")
    with pytest.raises(InputError, match="прошедшее время"):
        plan(*car, bays[0], "09:00", "09:30")  # it is 10:00 now
    with pytest.raises(InputError, match="позже начала"):
        plan(*car, bays[0], "12:00", "11:00")


def test_cancelled_and_no_show_free_the_bay(now, car, second_car, bays):
    wo = plan(*car, bays[0], "12:00", "13:00")
    work_orders.set_status(wo, "cancelled")
    plan(*second_car, bays[0], "12:00", "13:00")


def test_move_refused_on_conflict_and_nothing_changes(now, car, second_car, bays, staff):
    first = plan(*car, bays[0], "10:00", "11:00")
    second = plan(*second_car, bays[1], "10:00", "11:00")
    with pytest.raises(InputError, match="Пост 1 занят"):
        work_orders.move(second, bays[0].id, utc("10:30"), utc("11:30"), staff["manager"])
    second = work_orders.get(second.id)
    assert (second.bay_id, second.planned_start) == (bays[1].id, utc("10:00"))
    moved = work_orders.move(second, bays[0].id, utc("11:00"), utc("12:30"), staff["manager"])
    assert (moved.bay_id, moved.planned_end) == (bays[0].id, utc("12:30"))
    assert first.id != moved.id


def test_day_grid_marks_current_and_next(now, car, second_car, bays):
    a = plan(*car, bays[0], "10:00", "11:00")
    b = plan(*second_car, bays[0], "11:00", "12:00")
    work_orders.set_status(a, "in_work")
    grid = schedule.day_grid(DAY)
    blocks = {blk.wo.id: blk for blk in grid["blocks"][bays[0].id]}
    assert blocks[a.id].is_current and not blocks[a.id].is_next
    assert blocks[b.id].is_next
    assert blocks[a.id].top == 60 and blocks[a.id].height == 60  # minutes from 09:00
    assert grid["rows"][0]["label"] == "09:00" and grid["rows"][-1]["label"] == "19:30"
