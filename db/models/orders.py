"""Parts orders: an order of a customer, its lines (each with its own status), the
timeline of every change, arrivals (one per goods receipt or manual arrival) and the
receipt lines a person has to decide about (unknown article, ambiguous match)."""
from __future__ import annotations

import peewee

from db.models.base import BaseModel
from db.models.customers import Customer, Vehicle
from db.models.staff import Staff

# Line statuses in the order of the happy path; the last three close a line unhappily.
LINE_STATUSES = {
    "new": "новая",
    "ordered": "заказано",
    "confirmed": "подтверждено",
    "shipped": "отгружено",
    "arrived": "пришло",
    "issued": "выдано",
    "refused": "отказ поставщика",
    "cancelled": "отменено",
    "returned": "возврат",
}
STAGES = ("new", "ordered", "confirmed", "shipped", "arrived", "issued")
OPEN_STATUSES = ("new", "ordered", "confirmed", "shipped")  # still coming to the shop
CLOSED_BAD = ("refused", "cancelled", "returned")

ORDER_STATUSES = {
    "new": "новый",
    "ordered": "заказан",
    "confirmed": "подтверждён",
    "shipped": "в пути",
    "arrived": "на полке",
    "issued": "выдан",
    "refused": "отказ",
    "cancelled": "отменён",
    "returned": "возврат",
}


class Order(BaseModel):
    customer = peewee.ForeignKeyField(Customer, backref="parts_orders", on_delete="RESTRICT")
    vehicle = peewee.ForeignKeyField(Vehicle, null=True, backref="parts_orders", on_delete="SET NULL")
    manager = peewee.ForeignKeyField(Staff, null=True, backref="orders_managed", on_delete="SET NULL")
    created_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField(index=True)
    updated_at = peewee.DateTimeField()
    status = peewee.CharField(default="new", index=True)  # derived from the lines, kept for filters
    promised_date = peewee.DateField(null=True, index=True)  # shop-local date told to the customer
    prepayment_kop = peewee.IntegerField(default=0)
    paid_kop = peewee.IntegerField(default=0)  # taken at pickup, on top of the prepayment
    comment = peewee.TextField(default="")
    shelf_place = peewee.CharField(default="")
    copied_from = peewee.ForeignKeyField("self", null=True, backref="copies", on_delete="SET NULL")
    arrived_at = peewee.DateTimeField(null=True, index=True)  # when the last awaited line arrived
    issued_at = peewee.DateTimeField(null=True, index=True)
    arrival_sms_at = peewee.DateTimeField(null=True)  # the "your order arrived" SMS was queued
    arrival_sms_id = peewee.IntegerField(null=True)  # its outbox row (appliance.sms)
    reminder_sms_at = peewee.DateTimeField(null=True)
    reminder_sms_id = peewee.IntegerField(null=True)
    slip_job_id = peewee.IntegerField(null=True)  # the last print job with this order's slip
    version = peewee.IntegerField(default=1)
    deleted_at = peewee.DateTimeField(null=True)

    @property
    def number(self) -> str:
        return str(self.id)

    @property
    def barcode(self) -> str:
        """What the slip's Code 128 carries and the counter's scanner types back."""
        return f"ZK{self.id:06d}"

    @property
    def status_label(self) -> str:
        return ORDER_STATUSES.get(self.status, self.status)


class Arrival(BaseModel):
    """One batch of arrived lines: a goods receipt, a scan session or a manual mark."""

    source = peewee.CharField(default="receipt")  # receipt | manual | scan | decision
    receipt_id = peewee.IntegerField(null=True, index=True)  # db.models.exchange.GoodsReceipt
    title = peewee.CharField(default="")
    slips_job_id = peewee.IntegerField(null=True)  # the batch of slips printed for it
    created_at = peewee.DateTimeField(index=True)
    created_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")


class OrderLine(BaseModel):
    order = peewee.ForeignKeyField(Order, backref="lines", on_delete="CASCADE")
    position = peewee.IntegerField(default=0)
    article = peewee.CharField()
    brand = peewee.CharField(default="")
    article_key = peewee.CharField(index=True)
    brand_key = peewee.CharField(default="")
    name = peewee.CharField(default="")
    qty = peewee.IntegerField(default=1)
    price_kop = peewee.IntegerField(default=0)  # retail price of one piece
    supplier = peewee.CharField(default="", index=True)  # supplier code (appliance.suppliers)
    supplier_days = peewee.IntegerField(null=True)  # the supplier's quoted delivery, working days
    expected_date = peewee.DateField(null=True)  # computed from the supplier's days
    notify = peewee.BooleanField(default=True)  # the customer waits for this line (SMS when all such arrive)
    status = peewee.CharField(default="new", index=True)
    status_at = peewee.DateTimeField()
    supplier_ref = peewee.CharField(default="")  # the supplier's order number
    supplier_line_id = peewee.IntegerField(null=True, index=True)  # db.models.suppliers.SupplierOrderLine (API orders)
    reason = peewee.TextField(default="")  # refusal / cancellation reason
    created_at = peewee.DateTimeField()
    ordered_at = peewee.DateTimeField(null=True)
    arrived_at = peewee.DateTimeField(null=True, index=True)
    arrival = peewee.ForeignKeyField(Arrival, null=True, backref="lines", on_delete="SET NULL")
    issued_at = peewee.DateTimeField(null=True)

    @property
    def status_label(self) -> str:
        return LINE_STATUSES.get(self.status, self.status)

    @property
    def sum_kop(self) -> int:
        return self.price_kop * self.qty


class OrderEvent(BaseModel):
    """The order's timeline: every transition and edit, with who and when."""

    order = peewee.ForeignKeyField(Order, backref="events", on_delete="CASCADE")
    line = peewee.ForeignKeyField(OrderLine, null=True, backref="events", on_delete="SET NULL")
    at = peewee.DateTimeField(index=True)
    actor = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    action = peewee.CharField()  # create | status | edit | copy | sms | print | issue | match
    from_status = peewee.CharField(default="")
    to_status = peewee.CharField(default="")
    note = peewee.TextField(default="")


MATCH_KINDS = {
    "unmatched": "неизвестный артикул",
    "ambiguous": "неоднозначно",
}


class ReceiptMatch(BaseModel):
    """A receipt line the matcher would not decide alone: a person picks the order line."""

    kind = peewee.CharField(index=True)  # unmatched | ambiguous
    state = peewee.CharField(default="open", index=True)  # open | resolved | dismissed
    arrival = peewee.ForeignKeyField(Arrival, null=True, backref="matches", on_delete="SET NULL")
    receipt_id = peewee.IntegerField(null=True)
    receipt_line_id = peewee.IntegerField(null=True)
    article = peewee.CharField(default="")
    brand = peewee.CharField(default="")
    article_key = peewee.CharField(default="", index=True)
    brand_key = peewee.CharField(default="")
    name = peewee.CharField(default="")
    qty = peewee.IntegerField(default=0)
    candidates = peewee.TextField(default="")  # order line ids, comma-separated
    reason = peewee.TextField(default="")
    created_at = peewee.DateTimeField()
    resolved_at = peewee.DateTimeField(null=True)
    resolved_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    resolution = peewee.TextField(default="")

    @property
    def kind_label(self) -> str:
        return MATCH_KINDS.get(self.kind, self.kind)

    @property
    def candidate_ids(self) -> list[int]:
        return [int(x) for x in self.candidates.split(",") if x.strip()]


MODELS = [Order, Arrival, OrderLine, OrderEvent, ReceiptMatch]
