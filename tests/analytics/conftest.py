"""A small shop whose figures are computed by hand in the tests (see test_figures.py).

The clock stands at Tuesday 24.11.2026 12:00 Moscow; the period is November 2026 (the whole
month, kind "last_month" so it compares with all of October and November 2025).

Customers (created_at, who added, source, car):
  A Ковалёв   10.06.2025  manager  avito        Chery Tiggo 4
  B Белов     05.11.2026  manager  yandex_maps  Haval Jolion
  C Смирнова  12.11.2026  petrov   avito        —
  D Дронов    10.01.2024  petrov   walk_in      Geely Coolray
  E (deleted) 03.11.2026  manager  avito
Receipts (shop date, customer, kind, ₽, seller):
  03.11.2026 A parts 3 000 manager   20.11.2026 A parts 1 000 manager
  06.11.2026 B parts 2 000 petrov    10.11.2026 B repair 10 000 manager (work order on the Haval)
  15.11.2026 C parts 500 petrov      16.11.2026 C parts −500 petrov (a correction: no check)
  18.11.2026 — parts 1 500 (no customer, no seller)
  10.10.2026 A parts 2 000 manager   10.11.2025 A parts 1 000 manager   01.03.2025 D parts 4 000 petrov
Workshop: B's inspection 08.11 (1 h, handed over) → B's repair 10.11 (3 h, handed over, the
10 000 receipt); A's inspection 20.11 (1 h, ready, no repair).
"""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from appliance import clock, customers
from appliance import staff as staff_mod
from appliance.analytics.period import Period
from appliance.customers import PhoneInput, VehicleInput
from appliance.workshop import schedule
from db import write_transaction
from db.models.customers import Customer
from db.models.sales import Sale
from db.models.workshop import WorkOrder

NOON = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30), "last_month")


def at(day: str, hhmm: str = "12:00") -> dt.datetime:
    """Shop time «dd.mm.yyyy» → naive UTC as stored."""
    return clock.local_to_utc(dt.datetime.strptime(f"{day} {hhmm}", "%d.%m.%Y %H:%M"))


@pytest.fixture
def shop_clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(db, staff, shop_clock):
    petrov = staff_mod.create_staff("petrov", "Петров Илья Андреевич", "manager", "demo")
    manager = staff["manager"]

    def person(name, phone, who, source, created, car=None):
        cars = [VehicleInput(*car)] if car else []
        c = customers.create_customer(name, [PhoneInput(phone)], who, source=source, vehicle_list=cars)
        with write_transaction():
            Customer.update(created_at=at(created)).where(Customer.id == c.id).execute()
        return Customer.get_by_id(c.id)

    a = person("Ковалёв Андрей", "+7 916 100-00-01", manager, "avito", "10.06.2025", ("Chery", "Tiggo 4", 2019))
    b = person("Белов Сергей", "+7 916 100-00-02", manager, "yandex_maps", "05.11.2026", ("Haval", "Jolion", 2022))
    c = person("Смирнова Ольга", "+7 916 100-00-03", petrov, "avito", "12.11.2026")
    d = person("Дронов Иван", "+7 916 100-00-04", petrov, "walk_in", "10.01.2024", ("Geely", "Coolray", 2021))
    e = person("Удалённый Клиент", "+7 916 100-00-05", manager, "avito", "03.11.2026")
    with write_transaction():
        Customer.update(deleted_at=at("20.11.2026")).where(Customer.id == e.id).execute()

    def sale(number, day, customer, kind, rub, seller):
        return Sale.create(number=number, date=at(day), customer=customer, manager=seller, kind=kind,
                           total_kop=rub * 100, source="1c", created_at=at(day))

    with write_transaction():
        sale("1", "03.11.2026", a, "parts", 3000, manager)
        sale("2", "20.11.2026", a, "parts", 1000, manager)
        sale("3", "06.11.2026", b, "parts", 2000, petrov)
        repair_sale = sale("4", "10.11.2026", b, "repair", 10000, manager)
        sale("5", "15.11.2026", c, "parts", 500, petrov)
        sale("6", "16.11.2026", c, "parts", -500, petrov)
        sale("7", "18.11.2026", None, "parts", 1500, None)
        sale("8", "10.10.2026", a, "parts", 2000, manager)
        sale("9", "10.11.2025", a, "parts", 1000, manager)
        sale("10", "01.03.2025", d, "parts", 4000, petrov)
    bay = schedule.sync_bays()[0]

    def work_order(kind, customer, day, hours, status, **kw):
        start = at(day, "10:00")
        return WorkOrder.create(kind=kind, customer=customer, vehicle=customer.vehicles.first(), bay=bay,
                                planned_start=start, planned_end=start + dt.timedelta(hours=hours), status=status,
                                created_at=start, updated_at=start, **kw)

    with write_transaction():
        insp = work_order("inspection", b, "08.11.2026", 1, "handed_over", handed_over_at=at("08.11.2026", "11:00"))
        work_order("repair", b, "10.11.2026", 3, "handed_over", inspection=insp, sale=repair_sale,
                   total_kop=1_000_000, handed_over_at=at("10.11.2026", "13:00"))
        work_order("inspection", a, "20.11.2026", 1, "ready")
    return {"a": a, "b": b, "c": c, "d": d, "manager": manager, "petrov": petrov}
