"""Demo: order slips printed over the last days, so the printer page has previews to look at."""
from __future__ import annotations

import datetime as dt

from appliance import phones, printing
from appliance.clock import to_local
from db.models.catalog import Product
from db.models.customers import Customer, Phone
from db.models.printing import PrinterStatus, PrintJob
from db.models.staff import Staff


def build(rng, now: dt.datetime) -> None:
    managers = list(Staff.select().where(Staff.role.in_(["manager", "owner"])).order_by(Staff.id))
    people = list(Customer.select().where(Customer.deleted_at.is_null()).order_by(Customer.id).limit(40))
    products = list(Product.select().where(Product.name != "").order_by(Product.id).limit(200))
    if not people or not products or not managers:
        return
    last_at = None
    for i in range(6):
        customer = rng.choice(people)
        phone = Phone.select().where(Phone.customer == customer).order_by(Phone.is_primary.desc()).first()
        product = rng.choice(products)
        manager = rng.choice(managers)
        number = 1040 + 3 * i + rng.randint(0, 2)
        at = now - dt.timedelta(days=5 - i, hours=rng.randint(0, 6), minutes=rng.randint(0, 59))
        when = to_local(at)
        part = f"{product.name} {product.brand} {product.article}".strip()
        label = printing.order_slip(
            str(number), customer.name, phones.display(phone.e164) if phone else "", part, f"Z{number}-1",
            f"http://prilavok.local/orders/{number}",
            footer=f"Полка {rng.randint(1, 6)} · {when:%d.%m.%Y} · {manager.full_name.split()[0]}")
        job = printing.queue_labels(label, f"Бланк заказа № {number}", requested_by=manager)
        PrintJob.update(status="printed", attempts=1, created_at=at, updated_at=at,
                        printed_at=at + dt.timedelta(seconds=2)).where(PrintJob.id == job.id).execute()
        last_at = at
    test = printing.queue_labels(printing.test_label(now - dt.timedelta(days=6)), "Тестовая этикетка",
                                 requested_by=managers[0])
    PrintJob.update(status="printed", attempts=1, created_at=now - dt.timedelta(days=6),
                    updated_at=now - dt.timedelta(days=6),
                    printed_at=now - dt.timedelta(days=6)).where(PrintJob.id == test.id).execute()
    PrinterStatus.insert(name="default", state="ok", checked_at=last_at, last_ok_at=last_at).on_conflict_replace().execute()
