"""The demo shop's workshop and the token commands."""
from __future__ import annotations

import datetime as dt

import pytest

from appliance import cli, clock
from appliance.workshop import devices, reports, schedule
from db.models.workshop import Booking, WorkOrder


def test_demo_has_a_busy_workshop(demo_db):
    assert [b.name for b in schedule.active_bays()] == ["Пост 1", "Пост 2", "Пост 3", "Пост 4"]
    today = clock.local_today()
    start, end = schedule.local_day_range(today)
    statuses = {wo.status for wo in WorkOrder.select().where((WorkOrder.planned_start >= start) & (WorkOrder.planned_start < end))}
    assert statuses == {"planned", "arrived", "in_work", "waiting_parts", "ready", "handed_over", "no_show", "cancelled"}
    assert Booking.select().where(Booking.status == "new").count() == 3
    repair = WorkOrder.get(WorkOrder.inspection.is_null(False))
    assert repair.inspection.kind == "inspection" and repair.vehicle_id == repair.inspection.vehicle_id
    week = reports.inspection_conversion(start - dt.timedelta(days=7), end)
    assert week.converted >= 1
    assert devices.find("demo-tablet", "display").staff.role == "display"


def test_token_commands(db, capsys):
    assert cli.main(["display-token", "Планшет у поста 1"]) == 0
    out = capsys.readouterr().out
    token = out.strip().rsplit("/", 1)[1]
    assert devices.find(token, "display").name == "Планшет у поста 1"
    assert cli.main(["website-token", "Сайт"]) == 0
    assert "Authorization: Bearer" in capsys.readouterr().out
    assert cli.main(["tokens"]) == 0
    assert "Планшет у поста 1" in capsys.readouterr().out
    row = devices.listing()[0]
    assert cli.main(["revoke-token", str(row.id)]) == 0
    assert cli.main(["revoke-token", "999"]) == 1


@pytest.mark.parametrize("status", ["planned"])
def test_key_label_goes_to_the_printer_queue(now, car, bays, staff, status):
    printing = pytest.importorskip("appliance.printing")
    from appliance.workshop import work_orders
    from tests.workshop.test_schedule import plan

    wo = plan(*car, bays[0], "10:00", "11:00")
    work_orders.print_key_label(wo, staff["manager"])
    job = printing.PrintJob.select().order_by(printing.PrintJob.id.desc()).first()
    assert job.batch_name == f"Ключи {wo.number}"
