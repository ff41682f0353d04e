"""Demo parts orders: every status, a few late and refused lines, orders on the shelf for
days, a receipt line to decide about, and the open notifications the tracking check
raises about them — so `make run` shows the whole loop at work.

Orders are made through the appliance (validation, timeline, SMS outbox) with the clock
set back to when each step would have happened.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import random

from appliance import clock, notifications
from appliance.orders import arrival, orders, tracking
from appliance.orders.arrival import Incoming
from appliance.orders.orders import LineInput
from db.models.customers import Customer, Phone
from db.models.orders import Arrival, Order, OrderLine
from db.models.sms import SmsMessage
from db.models.staff import Staff

PARTS = [
    ("473H-1012010", "CHERY", "Фильтр масляный Chery Tiggo", 590),
    ("T11-3502080", "CHERY", "Колодки тормозные задние Chery Tiggo", 1650),
    ("A11-3707110CA", "CHERY", "Свеча зажигания Chery", 450),
    ("SMD360935", "GREAT WALL", "Фильтр масляный Great Wall Hover H5", 620),
    ("3501110XKZ16A", "GREAT WALL", "Колодки тормозные передние Hover H5", 2900),
    ("1017100XEG01", "HAVAL", "Фильтр масляный Haval Jolion 1.5T", 780),
    ("3501115XGW02A", "HAVAL", "Колодки передние Haval Jolion", 3400),
    ("2904100XGW01A", "HAVAL", "Амортизатор передний левый Haval Jolion", 7800),
    ("1016054386", "GEELY", "Фильтр масляный Geely Coolray", 850),
    ("4050013300", "GEELY", "Колодки передние Geely Coolray", 3900),
    ("LFB479Q-1012100A", "LIFAN", "Фильтр масляный Lifan X60", 420),
    ("S1701410", "LIFAN", "Ремень ГРМ Lifan X60", 2300),
    ("T21-1109111", "CHERY", "Фильтр воздушный Chery Tiggo 5", 720),
    ("8105010-J08", "GREAT WALL", "Радиатор печки Hover", 6400),
]
SUPPLIERS = ("sim1", "sim2")


@contextlib.contextmanager
def _clock_at(moment: dt.datetime):
    """Make the appliance believe it is `moment` (UTC) while one step of the story happens."""
    real = clock.utcnow
    clock.utcnow = lambda: moment
    try:
        yield
    finally:
        clock.utcnow = real


def _lines(rng: random.Random, n: int) -> list:
    picked = rng.sample(PARTS, n)
    return [LineInput(article, brand, name, rng.choice([1, 1, 1, 2, 4]), str(price), rng.choice(SUPPLIERS),
                      rng.choice([1, 2, 2, 3, 5])) for article, brand, name, price in picked]


# (story, days ago the order was taken, number of lines)
STORIES = [
    ("new", 0.02, 1), ("new", 0.03, 2),
    ("forgot", 0.2, 1), ("forgot", 1.1, 2),
    ("ordered", 1, 1), ("ordered", 2, 2), ("ordered_late", 9, 1),
    ("confirmed", 2, 1), ("confirmed_soon", 3, 2),
    ("shipped", 3, 1), ("shipped", 4, 2),
    ("refused", 3, 1), ("partly_refused", 4, 2),
    ("arrived", 1, 1), ("arrived", 2, 2), ("arrived_sms_waiting", 0.1, 1),
    ("arrived_reminder", 6, 1), ("arrived_decide", 22, 1),
    ("issued", 5, 1), ("issued", 12, 2), ("issued", 20, 1), ("issued_late", 30, 1), ("issued", 40, 2),
    ("issued_prepaid", 15, 1), ("issued_prepaid", 25, 2),
    ("cancelled", 8, 1), ("returned", 35, 1),
]


def build(rng: random.Random, now: dt.datetime) -> None:
    managers = list(Staff.select().where(Staff.role.in_(("manager", "owner")) & Staff.active).order_by(Staff.id))
    people = list(Customer.select().where(Customer.deleted_at.is_null() & Customer.merged_into.is_null()
                                          & Customer.id.in_(Phone.select(Phone.customer)))
                  .order_by(Customer.id).limit(60))
    if not managers or len(people) < 5:
        return
    rng.shuffle(people)
    hour = dt.timedelta(hours=1)
    for i, (story, days_ago, n_lines) in enumerate(STORIES):
        customer = people[i % len(people)]
        manager = managers[i % len(managers)]
        taken = now - dt.timedelta(days=days_ago)
        prepay = str(rng.choice([500, 1000, 2000])) if story.endswith("prepaid") or rng.random() < 0.25 else ""
        with _clock_at(taken):
            order = orders.create_order(customer, _lines(rng, n_lines), manager, manager=manager, prepayment=prepay,
                                        comment=rng.choice(["", "", "Клиент просит позвонить, как придёт",
                                                            "Для ТО на следующей неделе"]))
        if story in ("new", "forgot"):
            continue
        if story == "cancelled":
            with _clock_at(taken + hour):
                orders.transition_order(order, "cancelled", manager, reason="клиент передумал")
            continue
        with _clock_at(taken + 0.5 * hour):
            orders.mark_ordered([order], manager, f"{rng.choice(['АО', 'ЗЭ'])}-{rng.randint(10000, 99999)}")
        lines = orders.lines_of(order)
        if story == "ordered_late":
            Order.update(promised_date=(taken + dt.timedelta(days=4)).date()).where(Order.id == order.id).execute()
            continue
        if story in ("refused", "partly_refused"):
            with _clock_at(taken + dt.timedelta(days=1)):
                orders.transition(lines[-1], "refused", None, reason="нет в наличии, снято с производства")
            continue
        if story.startswith("ordered"):
            continue
        with _clock_at(taken + 3 * hour):
            for line in lines:
                orders.transition(line, "confirmed", None, note="статус от поставщика")
        if story == "confirmed_soon":
            Order.update(promised_date=now.date()).where(Order.id == order.id).execute()
            continue
        if story == "confirmed":
            continue
        with _clock_at(taken + dt.timedelta(days=1)):
            for line in orders.lines_of(order):
                orders.transition(line, "shipped", None, note="статус от поставщика")
        if story == "shipped":
            continue
        late = story.endswith("late")
        arrive_at = taken + dt.timedelta(days=min(days_ago, 2 if not late else 7), hours=0)
        if story.startswith("arrived") and story != "arrived_sms_waiting":
            arrive_at = now - dt.timedelta(days={"arrived_reminder": 4, "arrived_decide": 16}.get(story, 0.3))
        if story == "arrived_sms_waiting":
            arrive_at = now - dt.timedelta(minutes=20)
        if late:
            Order.update(promised_date=(taken + dt.timedelta(days=3)).date()).where(Order.id == order.id).execute()
        with _clock_at(arrive_at):
            arrival.arrive_lines(orders.lines_of(order), manager, source="receipt",
                                 title=f"Поступление №ПТ-{rng.randint(1000, 1999)} от "
                                       f"{arrive_at:%d.%m.%Y}, {rng.choice(['ООО «АвтоОпт»', 'ООО «ЗапчастьЭкспресс»'])}")
        if story.startswith("arrived"):
            continue
        with _clock_at(arrive_at + dt.timedelta(days=rng.choice([0.1, 0.5, 1, 2]))):
            fresh = orders.get(order.id)
            if story == "returned":
                orders.issue(fresh, manager, "0")
                for line in orders.lines_of(fresh):
                    orders.transition(line, "returned", manager, reason="не подошла по размеру")
            else:
                orders.issue(fresh, manager, str(orders.due_kop(fresh) // 100))
    # The SMS of orders long gone are long sent; the freshest one is still in the modem's queue.
    _mark_old_sms_sent(now)
    # A receipt with a part two customers wait for, promised the same day, and a stranger.
    twins = []
    for customer in people[-2:]:
        with _clock_at(now - dt.timedelta(days=2)):
            twins.append(orders.create_order(customer, [orders.LineInput("2905100XKZ16A", "GREAT WALL",
                                                                         "Амортизатор задний Hover H5",
                                                                         1, "5200", "sim1", 3)], managers[0]))
    day = max(t.promised_date for t in twins)
    Order.update(promised_date=day).where(Order.id.in_([t.id for t in twins])).execute()
    for t in twins:
        OrderLine.update(status="ordered", supplier_ref="АО-55120").where(OrderLine.order == t.id).execute()
        orders.recompute(t)
    arrival.process([Incoming("2905100XKZ16A", "GREAT WALL", 1, "Амортизатор задний Hover H5"),
                     Incoming("GW-99-NEW", "ZHONGCE", 2, "Шланг радиатора", known=False)],
                    source="receipt", title=f"Поступление №ПТ-{rng.randint(2000, 2999)} от {now:%d.%m.%Y}, ООО «АвтоОпт»")

    for old in Arrival.select().where(Arrival.created_at < now - dt.timedelta(days=1)):
        notifications.resolve("reminder", f"arrival:{old.id}:slips", comment="бланки напечатаны")
    tracking.run(now=now, poll=False)


def _mark_old_sms_sent(now: dt.datetime) -> None:
    ids = [o.arrival_sms_id for o in Order.select(Order.arrival_sms_id).where(
        Order.arrival_sms_id.is_null(False) & (Order.arrival_sms_at < now - dt.timedelta(hours=1)))]
    if ids:
        SmsMessage.update(status="delivered", sent_at=now - dt.timedelta(days=1), delivered_at=now - dt.timedelta(days=1)
                          ).where(SmsMessage.id.in_(ids)).execute()
