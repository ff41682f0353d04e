"""Workshop fixtures: a fixed shop clock (Monday 23.11.2026, 10:00 Moscow) and a customer with a car."""
from __future__ import annotations

import datetime as dt

import pytest

from appliance import clock

# 07:00 UTC = 10:00 in Moscow, a Monday; the workshop opens 09:00 and closes 20:00.
NOW = dt.datetime(2026, 11, 23, 7, 0)
DAY = NOW.date()


def utc(hhmm: str, day: dt.date = DAY) -> dt.datetime:
    """Shop time on the test day -> naive UTC."""
    hh, mm = hhmm.split(":")
    return clock.local_to_utc(dt.datetime.combine(day, dt.time(int(hh), int(mm))))


@pytest.fixture
def now(monkeypatch):
    state = {"now": NOW}
    monkeypatch.setattr(clock, "utcnow", lambda: state["now"])
    return state



@pytest.fixture
def second_car(db, staff):
    from appliance import customers
    from appliance.customers import PhoneInput, VehicleInput

    customer = customers.create_customer("Смирнова Ольга", [PhoneInput("+7 926 555-44-33")], staff["manager"],
                                         vehicle_list=[VehicleInput("Geely", "Coolray", 2021, plate="М777ОР99")])
    return customer, customer.vehicles.get()


@pytest.fixture
def bays(db):
    from appliance.workshop import schedule

    return schedule.sync_bays()
