"""Ratings fixtures: a shop clock pinned by time-machine, the modem up, sales as 1C brings them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from appliance import clock, customers, status
from appliance import staff as staff_mod
from appliance.customers import PhoneInput
from appliance.exchange.importer import import_file
from db import write_transaction
from db.models.ratings import RatedStaff, RatingCallback, RatingItem, RatingRequest
from db.models.sms import ModemStatus

# Tuesday 24.11.2026 12:00 in Moscow (09:00 UTC): inside the 11:00-20:00 window.
NOON = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
HEADER = ("Номер чека;Дата;Артикул;Производитель;Номенклатура;Количество;Цена;Сумма;Дисконтная карта;Телефон;"
          "Покупатель;Продавец;Склад\n")


def msk(day: dt.date, hhmm: str) -> dt.datetime:
    """Shop time -> an aware instant for time-machine."""
    hh, mm = map(int, hhmm.split(":"))
    return clock.local_to_utc(dt.datetime.combine(day, dt.time(hh, mm))).replace(tzinfo=dt.UTC)


def move(traveller, day: dt.date, hhmm: str) -> None:
    """The shop clock to `day` `hhmm`; the devices process (alive in these tests) beats there too."""
    traveller.move_to(msk(day, hhmm))
    status.beat("devices")


@pytest.fixture
def shop_clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def modem_up(db):
    with write_transaction():
        ModemStatus.insert(id=1, up=True).on_conflict_replace().execute()
    status.beat("devices")


@pytest.fixture
def buyer(db, staff):
    return customers.create_customer("Ковалёв Андрей Петрович", [PhoneInput("+7 916 123-45-67")], staff["manager"])


@pytest.fixture
def managers(staff):
    """Two more managers, for the round-robin of call-backs."""
    return [staff["manager"], staff_mod.create_staff("petrov", "Петров Илья Андреевич", "manager", "demo"),
            staff_mod.create_staff("kuzmina", "Кузьмина Ольга Игоревна", "manager", "demo")]


@pytest.fixture
def import_sales(tmp_path):
    """Sales through the 1C importer: rows (number, 'DD.MM.YYYY HH:MM', phone, buyer, seller, sum)."""
    counter = {"n": 0}

    def run(rows) -> object:
        counter["n"] += 1
        text = HEADER + "".join(
            f"{number};{when};T11-3502080;CHERY;Колодки тормозные;1;{total};{total};;{phone};{name};{seller};Основной склад\n"
            for number, when, phone, name, seller, total in rows)
        path = Path(tmp_path) / f"sales-{counter['n']}.csv"
        path.write_text(text, encoding="utf-8")
        return import_file(path, source="cli", kind="sales")
    return run


MON = dt.date(2026, 11, 16)  # a Monday: weeks start here


def rated(customer, day, score, who, department="parts", status="answered", reason=""):
    with write_transaction():
        req = RatingRequest.create(customer=customer, phone="+79161234567", visit_date=day, status=status,
                                   score=score, created_at=dt.datetime(2026, 11, 24, 9))
        RatingItem.create(request=req, department=department, source_number=f"ЧК-{req.id}")
        for staff, role in who:
            RatedStaff.create(request=req, staff=staff, department=department, role=role)
        if reason:
            RatingCallback.create(request=req, status="done", reason=reason, created_at=dt.datetime(2026, 11, 24, 9))
    return req


@pytest.fixture
def period(shop_clock, buyer, staff):
    m, mech = staff["manager"], staff["mechanic"]
    for day, score in [(MON, 10), (MON, 10), (MON, 9), (MON + dt.timedelta(days=2), 8)]:
        rated(buyer, day, Decimal(score), [(m, "manager")])
    rated(buyer, MON + dt.timedelta(days=7), Decimal(7), [(m, "advisor"), (mech, "mechanic")], "workshop",
          reason="срок заказа")
    rated(buyer, MON + dt.timedelta(days=7), Decimal(6), [(m, "manager")], reason="цена")
    rated(buyer, MON + dt.timedelta(days=8), Decimal(3), [(mech, "mechanic")], "workshop", reason="срок заказа")
    rated(buyer, MON + dt.timedelta(days=8), None, [(m, "manager")], status="queued")  # no answer
    rated(buyer, MON + dt.timedelta(days=8), None, [], status="skipped")


