"""Demo: order slips printed over the last days, so the printer page has previews to look at.

Runs after the orders step: each slip is the real slip of a demo order that arrived (its
barcode opens that order when scanned), and the order and its arrival point at the job.
"""
from __future__ import annotations

import datetime as dt

from appliance import printing
from appliance.orders import slips
from db.models.orders import Arrival, Order, OrderLine
from db.models.printing import PrinterStatus, PrintJob
from db.models.staff import Staff


def build(rng, now: dt.datetime) -> None:
    managers = list(Staff.select().where(Staff.role.in_(["manager", "owner"])).order_by(Staff.id))
    if not managers:
        return
    arrived = list(Order.select().where(Order.arrived_at.is_null(False) & Order.deleted_at.is_null()
                                        & (Order.arrived_at < now - dt.timedelta(hours=2)))
                   .order_by(Order.arrived_at.desc()).limit(6))
    width, height, dpi = slips.configured_label_size()
    last_at = None
    for order in reversed(arrived):
        manager = order.manager or rng.choice(managers)
        at = order.arrived_at + dt.timedelta(minutes=rng.randint(3, 40))
        job = printing.queue_labels(slips.slip_label(order, width, height, dpi), f"Бланк заказа №{order.id}",
                                    requested_by=manager)
        PrintJob.update(status="printed", attempts=1, created_at=at, updated_at=at,
                        printed_at=at + dt.timedelta(seconds=2)).where(PrintJob.id == job.id).execute()
        Order.update(slip_job_id=job.id).where(Order.id == order.id).execute()
        arrival_ids = OrderLine.select(OrderLine.arrival).where((OrderLine.order == order.id)
                                                                & OrderLine.arrival.is_null(False))
        Arrival.update(slips_job_id=job.id).where(Arrival.id.in_(arrival_ids) & Arrival.slips_job_id.is_null()).execute()
        last_at = at if last_at is None or at > last_at else last_at
    test = printing.queue_labels(printing.test_label(now - dt.timedelta(days=6)), "Тестовая этикетка",
                                 requested_by=managers[0])
    PrintJob.update(status="printed", attempts=1, created_at=now - dt.timedelta(days=6),
                    updated_at=now - dt.timedelta(days=6),
                    printed_at=now - dt.timedelta(days=6)).where(PrintJob.id == test.id).execute()
    last_at = last_at or now - dt.timedelta(days=6)
    PrinterStatus.insert(name="default", state="ok", checked_at=last_at, last_ok_at=last_at).on_conflict_replace().execute()
