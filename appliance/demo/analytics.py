"""Demo rows for the dashboard: last year's receipts (the base demo sells only within the last
365 days, so "a year ago" would be empty) at a smaller volume — the owner sees growth — and a
few customers added this month by different managers from different sources, with first
purchases."""
from __future__ import annotations

import datetime as dt

from appliance import customers
from appliance.customers import PhoneInput, VehicleInput
from appliance.demo import fake
from db.models.customers import Customer, Phone
from db.models.sales import Sale
from db.models.staff import Staff


def _sale(rng, customer, when, manager, kind, total_kop) -> None:
    Sale.create(number=f"ЧК-{rng.randint(100000, 999999)}", date=when, customer=customer, manager=manager, kind=kind,
                total_kop=total_kop, source="demo", created_at=when)


def build(rng, now) -> None:
    managers = list(Staff.select().where(Staff.role == "manager").order_by(Staff.id))
    for customer in Customer.select().where(Customer.deleted_at.is_null()).order_by(Customer.id):
        if rng.random() < 0.6:
            for _ in range(rng.randint(1, 4)):
                when = now - dt.timedelta(days=rng.randint(366, 700), hours=rng.randint(0, 8))
                kind = "repair" if rng.random() < 0.2 else "parts"
                total = rng.randint(800, 9000) * 100 if kind == "parts" else rng.randint(3000, 15000) * 100
                _sale(rng, customer, when, rng.choice(managers), kind, total)
    used = {p.e164 for p in Phone.select(Phone.e164)}
    for i in range(8):
        who = managers[i % len(managers)]
        added = now - dt.timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 6))
        c = customers.create_customer(fake.person_name(rng), [PhoneInput(fake.mobile(rng, used))], who,
                                      source=rng.choice(fake.SOURCES_WEIGHTED),
                                      vehicle_list=[VehicleInput(**fake.vehicle(rng, now.year))])
        Customer.update(created_at=added, updated_at=added).where(Customer.id == c.id).execute()
        for _ in range(rng.randint(0, 3)):
            when = min(now, added + dt.timedelta(hours=rng.randint(1, 72)))
            _sale(rng, c, when, who, "parts", rng.randint(500, 12000) * 100)
