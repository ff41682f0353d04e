"""Order slips (бланки) for the orders shelf: a 58 x 40 mm label per order.

Layout, top to bottom: the order's Code 128 (what the counter's scanner reads back) with
the shelf place big on the right; the customer's name; the masked phone and the order
number; up to three articles with quantities; the manager and the arrival date. Sizes
are in millimetres so a 300 dpi printer prints the same slip.
"""
from __future__ import annotations

import logging

from appliance import clock, customers, notifications, permissions, phones, printing
from appliance.clock import to_local
from appliance.errors import InputError
from appliance.orders.lines import add_event, lines_of
from db import write_transaction
from db.models.orders import CLOSED_BAD, Arrival, Order
from db.models.printing import PrintJob
from hardware.printer.labels import Barcode, Box, Label, TextBlock

log = logging.getLogger(__name__)

MAX_ARTICLES = 3


def _phone_of(order: Order) -> str:
    row = customers.main_phone(order.customer)
    return phones.masked(row.e164) if row else ""


def slip_label(order: Order, width_mm: float = 58.0, height_mm: float = 40.0, dpi: int = 203) -> Label:
    label = Label(width_mm=width_mm, height_mm=height_mm, dpi=dpi)
    w = width_mm
    place = order.shelf_place or "—"
    place_w = 14.0
    label.barcodes.append(Barcode(order.barcode, 2.0, 1.5, height_mm=7.5, module_mm=0.25, text_size_mm=2.4))
    label.boxes.append(Box(w - place_w - 1.5, 1.2, place_w, 10.5, thickness_mm=0.4))
    label.texts.append(TextBlock("место", w - place_w - 1.5, 1.6, 2.0, width_mm=place_w, align="center"))
    label.texts.append(TextBlock(place, w - place_w - 1.5, 4.0, 6.5, bold=True, width_mm=place_w, align="center"))
    y = 12.8
    label.texts.append(TextBlock(order.customer.name, 2.0, y, 3.4, bold=True, width_mm=w - 4))
    y += 4.2
    label.texts.append(TextBlock(f"{_phone_of(order)}   заказ №{order.id}", 2.0, y, 2.8, width_mm=w - 4))
    y += 3.6
    label.boxes.append(Box(2.0, y, w - 4, 0.25))
    y += 0.8
    lines = [ln for ln in lines_of(order) if ln.status not in CLOSED_BAD]
    for ln in lines[:MAX_ARTICLES]:
        text = f"{ln.article} {ln.brand}".strip()
        label.texts.append(TextBlock(text, 2.0, y, 2.8, bold=True, width_mm=w - 16))
        label.texts.append(TextBlock(f"{ln.qty} шт.", w - 14, y, 2.8, width_mm=12, align="right"))
        y += 3.3
    if len(lines) > MAX_ARTICLES:
        label.texts.append(TextBlock(f"+ ещё {len(lines) - MAX_ARTICLES} поз.", 2.0, y, 2.4, width_mm=w - 4))
    manager = order.manager.short_name if order.manager else ""
    arrived = to_local(order.arrived_at or clock.utcnow()).strftime("%d.%m.%Y")
    label.texts.append(TextBlock(f"{manager} · пришёл {arrived}", 2.0, height_mm - 3.8, 2.4, width_mm=w - 4))
    return label


def configured_label_size() -> tuple[float, float, int]:
    try:
        conf = printing.config()
    except InputError:
        return 58.0, 40.0, 203
    return conf["width_mm"], conf["height_mm"], conf["dpi"]


def print_slips(orders: list[Order], actor=None, batch_name: str = "", arrival: Arrival | None = None):
    """Queue one print job with a slip per order; the devices process prints it.

    With the printer off the job waits in the queue and the order page says so.
    """
    permissions.require(actor, "order.receive")
    orders = [o for o in orders if o is not None]
    if not orders:
        raise InputError("Не выбрано ни одного заказа для печати бланков.")
    width, height, dpi = configured_label_size()
    labels = [slip_label(o, width, height, dpi) for o in orders]
    name = batch_name or (f"Бланки заказов: {len(orders)}" if len(orders) > 1 else f"Бланк заказа №{orders[0].id}")
    with write_transaction():
        job = printing.queue_labels(labels, name, requested_by=actor if getattr(actor, "id", None) else None)
        for order in orders:
            Order.update(slip_job_id=job.id).where(Order.id == order.id).execute()
            order.slip_job_id = job.id
            add_event(order, "print", actor, note=f"бланк отправлен на печать (задание {job.id})")
        if arrival is not None:
            Arrival.update(slips_job_id=job.id).where(Arrival.id == arrival.id).execute()
            notifications.resolve("reminder", f"arrival:{arrival.id}:slips", by=actor if getattr(actor, "id", None) else None,
                                  comment="бланки отправлены на печать")
    log.info("slips for orders %s queued as print job %s", [o.id for o in orders], job.id)
    return job


def print_job(job_id: int | None):
    if not job_id:
        return None
    return PrintJob.get_or_none(PrintJob.id == job_id)


def printer_down() -> str:
    """A plain sentence when the label printer is not printing, else ''."""
    row = printing.printer_status()
    if row.down_since is not None:
        return (f"Принтер этикеток не печатает с {to_local(row.down_since):%H:%M}: {row.reason or row.state}. "
                f"Бланки ждут в очереди и напечатаются сами, когда принтер заработает.")
    return ""
