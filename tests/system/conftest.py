"""Fixtures of the role walks: a pinned Monday, the five kinds of account, a small shop."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from appliance import clock, customers, notifications
from appliance.customers import PhoneInput, VehicleInput
from appliance.orders import orders as orders_mod
from appliance.workshop import devices, schedule, work_orders
from tests.conftest import Browser

# 07:00 UTC = 10:00 in Moscow, Monday 23.11.2026; the workshop is open 09:00-20:00.
NOW = dt.datetime(2026, 11, 23, 7, 0)

def shop_time(day: dt.date, hhmm: str) -> dt.datetime:
    hh, mm = hhmm.split(":")
    return clock.local_to_utc(dt.datetime.combine(day, dt.time(int(hh), int(mm))))


@pytest.fixture
def pinned():
    with time_machine.travel(dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def fast_passwords(monkeypatch):
    """Cheap hashes for the five test accounts of each walk (scrypt costs 0.2 s a password)."""
    from werkzeug.security import generate_password_hash

    from appliance import staff as staff_mod

    monkeypatch.setattr(staff_mod, "generate_password_hash",
                        lambda password: generate_password_hash(password, "pbkdf2:sha256:1000"))


@pytest.fixture
def people(fast_passwords, staff):
    from appliance import staff as staff_mod

    row, token = devices.create("display", "Планшет в цеху", None)
    second = staff_mod.create_staff("manager2", "Орлова Вера Петровна", "manager", "demo")
    return {**staff, "display": row.staff, "display_token": token, "manager2": second}


def sign_in(client, people, role: str) -> Browser:
    browser = Browser(client)
    if role == "display":
        assert client.get(f"/workshop/device/{people['display_token']}").status_code == 302
        browser.get("/workshop/board")
    else:
        browser.get("/login")
        assert browser.post("/login", {"username": role, "password": "demo"}).status_code == 302
    return browser


@pytest.fixture
def world(pinned, people, db):
    """A customer with a car, a second one, an order, today's work orders and a website booking."""
    from appliance.workshop import website

    schedule.sync_bays()
    bays = schedule.active_bays()
    c = customers.create_customer("Иванов Пётр Сергеевич", [PhoneInput("+7 916 123-45-67")], None,
                                  vehicle_list=[VehicleInput("Chery", "Tiggo 4", 2019, plate="А123ВС77")])
    c2 = customers.create_customer("Иванов П. С.", [PhoneInput("+7 916 123-45-68")], None)
    order = orders_mod.create_order(c, [orders_mod.LineInput("T11-3501080", "Chery", "Колодки", 1, "3200")], None,
                                    manager=people["manager"])

    def plan(start: str, end: str, actor=None, day: dt.date = NOW.date()):
        return work_orders.create(work_orders.OrderInput(
            customer_id=c.id, vehicle_id=c.vehicles.get().id, bay_id=bays[0].id,
            start=shop_time(day, start), end=shop_time(day, end)), actor)

    wo = plan("10:00", "11:00")
    ready = plan("12:00", "13:00")
    for status in ("in_work", "ready"):
        ready = work_orders.set_status(ready, status)
    work_orders.add_work(ready, "Замена колодок", "1", "2500")
    line = work_orders.add_work(wo, "Диагностика подвески", "1", "")
    token, _ = devices.create("website", "сайт", None)
    booking, _ = website.submit(token, {"name": "Орлов Максим", "phone": "+7 999 123-45-67", "id": "site-1"})
    note = notifications.raise_notification("website_request", "walk", "Запись с сайта")
    taken = notifications.raise_notification("website_request", "walk-taken", "Запись с сайта, взята")
    notifications.take(taken, people["manager2"])
    return {"c": c, "c2": c2, "order": order, "wo": wo, "ready": ready, "line": line, "booking": booking,
            "note": note, "taken": taken, "people": people, "bays": bays, "plan": plan}
