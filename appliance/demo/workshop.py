"""Demo workshop: 4 bays, today's jobs in every status, the rest of the week, an inspection
that led to a repair, a few unplanned bookings, and a tablet link /workshop/device/demo-tablet.

Rows are written directly (not through the planning rules) because a demo built at 23:00
still needs a full day "today" and a week with finished work behind it.
"""
from __future__ import annotations

import datetime as dt

from appliance import notifications
from appliance.clock import local_to_utc, to_local
from appliance.workshop import schedule
from appliance.workshop.devices import DEMO_TABLET_TOKEN, DEMO_WEBSITE_TOKEN, hash_token
from db.models.customers import Customer, Vehicle
from db.models.staff import Staff
from db.models.workshop import Booking, DeviceToken, Finding, PartLine, StatusChange, WorkLine, WorkOrder

JOBS = [  # (works with price in roubles and norm-hours, parts with price)
    ([("Замена масла ДВС и фильтра", 0.5, 900)], [("Масло моторное 5W-30 4 л", 1, 3400), ("Фильтр масляный", 1, 450)]),
    ([("Замена передних тормозных колодок", 1.0, 1800)], [("Колодки тормозные передние", 1, 3200)]),
    ([("Замена ремня ГРМ с роликами", 3.5, 7500)], [("Комплект ГРМ", 1, 9800), ("Помпа", 1, 3600)]),
    ([("Замена передних амортизаторов", 2.0, 4200)], [("Амортизатор передний", 2, 5400)]),
    ([("Диагностика подвески", 0.5, 800), ("Замена шаровой опоры", 1.0, 1600)], [("Опора шаровая", 1, 1900)]),
    ([("Замена свечей зажигания", 0.7, 1200)], [("Свеча зажигания", 4, 520)]),
    ([("Компьютерная диагностика", 1.0, 1500)], []),
    ([("Замена сайлентблоков рычага", 2.5, 4800)], [("Сайлентблок рычага", 2, 1150)]),
]
COMPLAINTS = ["ТО по регламенту", "Скрип при торможении", "Стук в подвеске спереди", "Горит Check Engine",
              "Плавают обороты на холостом ходу", "Замена ремня ГРМ по пробегу", "Течь масла", "Вибрация руля на 100 км/ч"]
FINDINGS = [("Люфт шаровой опоры слева", "urgent", 3500), ("Трещины сайлентблоков переднего рычага", "soon", 6000),
            ("Износ передних колодок 80%", "soon", 5000), ("Запотевание заднего амортизатора", "watch", 0)]

# Today, per bay: (start, end, status, kind). Every status appears at least once.
TODAY = [
    [("09:00", "10:30", "handed_over", "repair"), ("10:30", "12:30", "in_work", "repair"),
     ("13:00", "14:30", "planned", "repair"), ("15:00", "16:00", "planned", "repair")],
    [("09:00", "11:00", "ready", "repair"), ("11:00", "13:00", "waiting_parts", "repair"),
     ("14:00", "15:30", "planned", "repair"), ("16:30", "18:00", "planned", "repair")],
    [("09:00", "09:30", "no_show", "repair"), ("09:30", "10:30", "handed_over", "inspection"),
     ("11:00", "12:30", "arrived", "repair"), ("16:00", "17:30", "planned", "repair")],
    [("09:00", "12:00", "in_work", "repair"), ("12:00", "13:00", "cancelled", "repair"),
     ("13:00", "14:00", "planned", "inspection"), ("14:30", "17:00", "planned", "repair")],
]


def build(rng, now) -> None:
    bays = schedule.sync_bays()
    mechanics = list(Staff.select().where((Staff.role == "mechanic") & Staff.active).order_by(Staff.id))
    advisor = Staff.select().where(Staff.role == "manager").order_by(Staff.id).first()
    cars = list(Vehicle.select().join(Customer).where(Customer.deleted_at.is_null() & Customer.merged_into.is_null()
                                                      & Vehicle.deleted_at.is_null()).order_by(Vehicle.id))
    rng.shuffle(cars)
    pick = iter(cars * 3)
    today = to_local(now).date()

    def make(day, start, end, status, kind, bay, mechanic=None, inspection=None, vehicle=None):
        vehicle = vehicle or next(pick)
        s = local_to_utc(dt.datetime.combine(day, dt.time.fromisoformat(start)))
        e = local_to_utc(dt.datetime.combine(day, dt.time.fromisoformat(end)))
        created = s - dt.timedelta(days=rng.randint(1, 6))
        wo = WorkOrder.create(kind=kind, customer=vehicle.customer_id, vehicle=vehicle, bay=bay, mechanic=mechanic,
                              inspection=inspection, planned_start=s, planned_end=e, status="planned",
                              complaint="Осмотр ходовой" if kind == "inspection" else rng.choice(COMPLAINTS),
                              mileage=(vehicle.mileage or rng.randint(20, 150) * 1000),
                              created_by=advisor, created_at=created, updated_at=created)
        StatusChange.create(work_order=wo, from_status=None, to_status="planned", at=created, by=advisor)
        works, parts = ([("Осмотр ходовой части", 0.5, 0)], []) if kind == "inspection" else rng.choice(JOBS)
        total = 0
        for i, (name, hours, price) in enumerate(works):
            WorkLine.create(work_order=wo, name=name, norm_hours=hours, price_kop=price * 100, position=i)
            total += price * 100
        for i, (name, qty, price) in enumerate(parts):
            source = "order" if status == "waiting_parts" and i == 0 else "stock"
            PartLine.create(work_order=wo, name=name, qty=qty, price_kop=price * 100, source=source, position=i)
            total += qty * price * 100
        wo.total_kop = total
        path = {"arrived": ["arrived"], "in_work": ["arrived", "in_work"],
                "waiting_parts": ["arrived", "in_work", "waiting_parts"], "ready": ["arrived", "in_work", "ready"],
                "handed_over": ["arrived", "in_work", "ready", "handed_over"], "no_show": ["no_show"],
                "cancelled": ["cancelled"]}.get(status, [])
        at, old = s, "planned"
        for step in path:
            at = min(at + dt.timedelta(minutes=rng.randint(5, 40)), e) if step != "handed_over" else e
            StatusChange.create(work_order=wo, from_status=old, to_status=step, at=at,
                                by=mechanic if step in ("in_work", "waiting_parts", "ready") else advisor,
                                via="система" if step == "no_show" else "")
            old = step
            if step == "in_work":
                wo.started_at = at
            elif step == "ready":
                wo.finished_at = at
        wo.status = status
        if status == "handed_over":
            from appliance.workshop import work_orders

            work_orders._hand_over(wo, advisor, e)
        if kind == "inspection" and status in ("ready", "handed_over"):
            for text, severity, estimate in rng.sample(FINDINGS, 2):
                Finding.create(work_order=wo, text=text, severity=severity, estimate_kop=estimate * 100)
            wo.recommendations = "Рекомендуем устранить найденное в течение двух недель."
        wo.save()
        return wo

    # An inspection three days ago that led to today's repair (waiting for parts on bay 2).
    inspected = next(pick)
    past = today - dt.timedelta(days=3)
    inspection = make(past, "10:00", "10:30", "handed_over", "inspection", bays[2], mechanics[0] if mechanics else None,
                      vehicle=inspected)

    for b, jobs in enumerate(TODAY):
        bay = bays[b % len(bays)]
        mechanic = mechanics[b % len(mechanics)] if mechanics and b in (0, 3) else None
        for start, end, status, kind in jobs:
            link = vehicle = None
            if (b, start) == (1, "11:00"):
                link, vehicle = inspection, inspected
            make(today, start, end, status, kind, bay, mechanic, link, vehicle)

    # The rest of this week: finished work behind, planned work ahead.
    monday = today - dt.timedelta(days=today.weekday())
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        if day == today or day == past:
            continue
        for bay in bays:
            for start, end in rng.sample([("09:00", "10:30"), ("11:00", "12:00"), ("13:00", "15:00"), ("15:30", "17:00")], 2):
                if day < today:
                    status = rng.choice(["handed_over"] * 5 + ["no_show"])
                else:
                    status = "planned"
                make(day, start, end, status, rng.choice(["repair"] * 4 + ["inspection"]), bay)

    # Unplanned bookings: from the phone, the counter and the website.
    for source, complaint, hours_ahead in (("phone", "Замена масла и фильтров, ТО-45", 20),
                                           ("website", "Скрипят тормоза, хочу поменять колодки", 44),
                                           ("counter", "Купил амортизаторы у нас — нужна установка", None)):
        vehicle = next(pick)
        booking = Booking.create(customer=vehicle.customer_id, vehicle=vehicle, complaint=complaint, source=source,
                                 wish_at=now + dt.timedelta(hours=hours_ahead) if hours_ahead else None,
                                 created_by=None if source == "website" else advisor, created_at=now)
        if source == "website":
            notifications.raise_notification("website_request", f"booking:{booking.id}",
                                             f"Запись на ремонт с сайта: {vehicle.customer.name}",
                                             body=complaint, url=f"/workshop?booking={booking.id}")

    # The tablet and the website, with well-known demo tokens.
    from appliance import staff as staff_mod

    tablet = staff_mod.create_staff("display-workshop", "Планшет в мастерской", "display", "x")
    DeviceToken.create(kind="display", name="Планшет в мастерской", token_hash=hash_token(DEMO_TABLET_TOKEN),
                       staff=tablet, created_at=now)
    DeviceToken.create(kind="website", name="Сайт магазина (демо)", token_hash=hash_token(DEMO_WEBSITE_TOKEN),
                       created_at=now)
