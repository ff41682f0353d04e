"""Inspection -> repair conversion and repair visits on a known dataset."""
from __future__ import annotations

import datetime as dt

import pytest

from appliance.workshop import reports
from db.models.workshop import WorkOrder
from tests.workshop.conftest import DAY, utc

pytestmark = pytest.mark.clock  # rules that count days and hours: run at four instants


def _wo(customer, vehicle, bay, day_offset, hhmm, kind="repair", status="planned", inspection=None, total=0,
        handed=False):
    day = DAY + dt.timedelta(days=day_offset)
    start = utc(hhmm, day)
    return WorkOrder.create(kind=kind, customer=customer, vehicle=vehicle, bay=bay, planned_start=start,
                            planned_end=start + dt.timedelta(hours=1), status=status, inspection=inspection,
                            total_kop=total, handed_over_at=start + dt.timedelta(hours=2) if handed else None,
                            created_at=start, updated_at=start)


def test_inspection_to_repair_conversion(now, car, second_car, bays):
    (c1, v1), (c2, v2) = car, second_car
    b = bays[0]
    i1 = _wo(c1, v1, b, 0, "09:00", "inspection", "ready")
    _wo(c1, v1, b, 1, "10:00", "repair", "handed_over", inspection=i1)
    i2 = _wo(c2, v2, b, 0, "10:00", "inspection", "handed_over")
    _wo(c2, v2, b, 2, "10:00", "repair", "planned", inspection=i2)
    _wo(c2, v2, b, 3, "10:00", "repair", "in_work", inspection=i2)  # two repairs, one converted inspection
    i3 = _wo(c1, v1, b, 1, "12:00", "inspection", "handed_over")
    _wo(c1, v1, b, 2, "12:00", "repair", "cancelled", inspection=i3)  # cancelled: not a conversion
    _wo(c2, v2, b, 1, "14:00", "inspection", "ready")  # no repair
    _wo(c1, v1, b, 2, "15:00", "inspection", "no_show")  # never done: not counted
    _wo(c2, v2, b, 3, "15:00", "inspection", "planned")  # not done yet: not counted
    old = _wo(c1, v1, b, -7, "09:00", "inspection", "handed_over")  # last week: outside the period
    _wo(c1, v1, b, 0, "16:00", "repair", "planned", inspection=old)

    start, end = utc("00:00"), utc("00:00", DAY + dt.timedelta(days=7))
    result = reports.inspection_conversion(start, end)
    assert (result.inspections, result.converted, result.percent) == (4, 2, 50)


def test_repair_visits_and_average_check(now, car, second_car, bays):
    (c1, v1), (c2, v2) = car, second_car
    _wo(c1, v1, bays[0], 0, "09:00", status="handed_over", total=450000, handed=True)
    _wo(c2, v2, bays[1], 0, "09:00", status="handed_over", total=150000, handed=True)
    _wo(c2, v2, bays[1], 0, "12:00", status="ready", total=990000)  # not handed over yet
    visits = reports.repair_visits(utc("00:00"), utc("23:59"))
    assert (visits.count, visits.total_kop, visits.average_kop) == (2, 600000, 300000)
    assert reports.repair_visits(utc("00:00"), utc("23:59"), c1.id).count == 1
