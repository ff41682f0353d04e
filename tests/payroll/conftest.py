"""Payroll fixtures: a November 2026 shop with a hand-computed dataset, the clock pinned on
Tuesday 10.11.2026 12:00 Moscow time (8 of November's 25 working days Mon-Sat elapsed)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from appliance import clock
from appliance import staff as staff_mod
from appliance.payroll import plans
from appliance.payroll.plans import Month
from db import write_transaction
from db.models.catalog import Product
from db.models.customers import Customer
from db.models.sales import Sale, SaleLine
from db.models.workshop import Bay, WorkOrder

NOVEMBER = Month(2026, 11)
NOON_10TH = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)


def msk(day: int, hhmm: str = "12:00", month: int = 11) -> dt.datetime:
    """A Moscow shop-time moment of 2026 as stored (naive UTC)."""
    hh, mm = map(int, hhmm.split(":"))
    return clock.local_to_utc(dt.datetime(2026, month, day, hh, mm))


def sale(manager, when: dt.datetime, *lines, kind: str = "parts"):
    """A 1C receipt; each line is (sum in roubles[, qty, product])."""
    s = Sale.create(number=f"Ч{Sale.select().count() + 1}", date=when, manager=manager, kind=kind,
                    total_kop=sum(line[0] for line in lines) * 100, source="1c", created_at=when)
    for line in lines:
        rub, qty, product = (*line, 1, None)[:3]
        SaleLine.create(sale=s, sum_kop=rub * 100, price_kop=rub * 100, qty=Decimal(qty), product=product,
                        article=product.article if product else "")
    return s


def repair(advisor, when: dt.datetime, rub: int):
    customer = Customer.select().first()
    bay = Bay.select().first() or Bay.create(position=1, name="Пост 1")
    return WorkOrder.create(customer=customer, bay=bay, planned_start=when, planned_end=when, status="handed_over",
                            handed_over_at=when, total_kop=rub * 100, created_by=advisor, created_at=when,
                            updated_at=when)


def plan_form(**values) -> dict:
    return {k: str(v) for k, v in values.items()}


@pytest.fixture
def shop_clock():
    with time_machine.travel(NOON_10TH, tick=False) as traveller:
        yield traveller


@pytest.fixture
def november(db, staff, shop_clock):
    """The dataset (roubles):
    Соколова (plan): 03.11 receipt 40 000 + 20 000; 09.11 receipt 24 000 + 2 bonus cards for 1 000;
      10.11 a return −5 000; 05.11 a repair she opened, handed over, 15 000.
      parts 80 000, repairs 15 000, personal 95 000, 3 receipts, average check 31 666,67, cards 2.
    Петров (no plan): 31.10 23:30 Moscow 7 000 (October: not counted), 04.11 10 000.
    Кузьмина (plan, left on 06.11, disabled): 05.11 12 000.
    No manager: 01.11 00:30 Moscow 5 000 (already November in Moscow).
    Shop sales: 95 000 + 10 000 + 12 000 + 5 000 = 122 000.
    """
    anna, owner = staff["manager"], staff["owner"]
    petrov = staff_mod.create_staff("petrov", "Петров Илья Андреевич", "manager", "demo")
    kuzmina = staff_mod.create_staff("kuzmina", "Кузьмина Ольга Игоревна", "manager", "demo")
    with write_transaction():
        Customer.create(name="Иванов Пётр", created_at=msk(1), updated_at=msk(1))
        card = Product.create(article="BK-500", article_key="BK500", name="Бонусная карта", group="Бонусные карты")
        sale(anna, msk(3), (40_000,), (20_000,))
        sale(anna, msk(9), (24_000,), (1_000, 2, card))
        sale(anna, msk(10, "10:00"), (-5_000,))
        repair(anna, msk(5), 15_000)
        sale(petrov, msk(31, "23:30", month=10), (7_000,))
        sale(petrov, msk(4), (10_000,))
        sale(kuzmina, msk(5), (12_000,))
        sale(None, msk(1, "00:30"), (5_000,))
        kuzmina.active = False
        kuzmina.save()
    plans.save_plan(NOVEMBER, anna.id, plans.parse_plan(plan_form(
        base_kind="month", base="30 000", parts_percent="5", repairs_percent="3", plan_shop="1 000 000",
        plan_personal="250 000", plan_check="30 000", plan_cards="25"), NOVEMBER), owner)
    plans.save_plan(NOVEMBER, kuzmina.id, plans.parse_plan(plan_form(
        base_kind="month", base="20 000", parts_percent="5", plan_personal="100 000", left_on="06.11.2026"),
        NOVEMBER), owner)
    return {"anna": anna, "petrov": petrov, "kuzmina": kuzmina, "owner": owner}
