"""The workshop: bays, bookings, work orders with works and parts, status history,
inspection findings, and the tokens of the wall tablet and the shop's website."""

from __future__ import annotations

import peewee

from db.models.base import BaseModel
from db.models.customers import Customer, Vehicle
from db.models.sales import Sale
from db.models.staff import Staff

STATUSES = {
    "planned": "запланирован",
    "arrived": "приехал",
    "in_work": "в работе",
    "waiting_parts": "ждёт запчасти",
    "ready": "готов",
    "handed_over": "выдан",
    "no_show": "не приехал",
    "cancelled": "отменён",
}
KINDS = {"repair": "ремонт", "inspection": "осмотр / диагностика"}
BOOKING_SOURCES = {"phone": "звонок", "counter": "на кассе", "website": "сайт"}
BOOKING_STATUSES = {"new": "новая", "planned": "запланирована", "cancelled": "отменена"}
SEVERITIES = {"urgent": "срочно", "soon": "в ближайшее время", "watch": "наблюдать"}


class Bay(BaseModel):
    """A service bay (пост). Rows follow [workshop] bays/bay_names; a removed bay is inactive."""

    position = peewee.IntegerField(unique=True)
    name = peewee.CharField()
    active = peewee.BooleanField(default=True)


class DeviceToken(BaseModel):
    """A secret for a machine: the wall tablet (kind display, logs in as `staff`) or a website.

    Only the SHA-256 of the token is kept; the token itself is shown once when created.
    """

    kind = peewee.CharField()  # display | website
    name = peewee.CharField()
    token_hash = peewee.CharField(unique=True)
    staff = peewee.ForeignKeyField(Staff, null=True, backref="device_tokens", on_delete="CASCADE")
    created_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField()
    last_used_at = peewee.DateTimeField(null=True)
    revoked_at = peewee.DateTimeField(null=True)

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class Booking(BaseModel):
    """A wish for a repair slot; the advisor plans it onto a bay as a work order."""

    customer = peewee.ForeignKeyField(Customer, backref="bookings", on_delete="CASCADE")
    vehicle = peewee.ForeignKeyField(Vehicle, null=True, backref="bookings", on_delete="SET NULL")
    vehicle_text = peewee.CharField(default="")  # what the customer typed when the car is unknown
    complaint = peewee.TextField(default="")
    wish_at = peewee.DateTimeField(null=True)  # UTC
    source = peewee.CharField(default="phone")
    status = peewee.CharField(default="new", index=True)
    external_id = peewee.CharField(null=True)  # the website's id of the request, for idempotent retries
    token = peewee.ForeignKeyField(DeviceToken, null=True, backref="bookings", on_delete="SET NULL")
    created_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("token", "external_id"), True),)

    @property
    def source_label(self) -> str:
        return BOOKING_SOURCES.get(self.source, self.source)


class WorkOrder(BaseModel):
    """A repair job (заказ-наряд) on a bay and a time slot."""

    kind = peewee.CharField(default="repair")
    customer = peewee.ForeignKeyField(Customer, backref="work_orders", on_delete="CASCADE")
    vehicle = peewee.ForeignKeyField(Vehicle, null=True, backref="work_orders", on_delete="SET NULL")
    booking = peewee.ForeignKeyField(Booking, null=True, backref="work_orders", on_delete="SET NULL")
    inspection = peewee.ForeignKeyField("self", null=True, backref="repairs", on_delete="SET NULL")
    bay = peewee.ForeignKeyField(Bay, backref="work_orders")
    mechanic = peewee.ForeignKeyField(Staff, null=True, backref="work_orders", on_delete="SET NULL")
    planned_start = peewee.DateTimeField(index=True)  # UTC
    planned_end = peewee.DateTimeField(index=True)
    status = peewee.CharField(default="planned", index=True)
    complaint = peewee.TextField(default="")
    recommendations = peewee.TextField(default="")
    mileage = peewee.IntegerField(null=True)
    started_at = peewee.DateTimeField(null=True)
    finished_at = peewee.DateTimeField(null=True)
    handed_over_at = peewee.DateTimeField(null=True, index=True)
    total_kop = peewee.IntegerField(default=0)  # works + parts, kept in step with the lines
    sale = peewee.ForeignKeyField(Sale, null=True, backref="+", on_delete="SET NULL")
    created_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()
    version = peewee.IntegerField(default=1)

    @property
    def number(self) -> str:
        return f"ЗН-{self.id:06d}"

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def car_text(self) -> str:
        """Make and model as the workshop says it; the booking's words when the car is not in the base."""
        if self.vehicle_id:
            return f"{self.vehicle.make} {self.vehicle.model}".strip()
        if self.booking_id and self.booking.vehicle_text:
            return self.booking.vehicle_text
        return ""


class WorkLine(BaseModel):
    work_order = peewee.ForeignKeyField(WorkOrder, backref="works", on_delete="CASCADE")
    name = peewee.CharField()
    norm_hours = peewee.DecimalField(max_digits=6, decimal_places=2, default=1)
    price_kop = peewee.IntegerField(default=0)  # the line's sum, not per hour
    position = peewee.IntegerField(default=0)


class PartLine(BaseModel):
    work_order = peewee.ForeignKeyField(WorkOrder, backref="parts", on_delete="CASCADE")
    article = peewee.CharField(default="")
    brand = peewee.CharField(default="")
    name = peewee.CharField()
    qty = peewee.DecimalField(max_digits=10, decimal_places=3, default=1)
    price_kop = peewee.IntegerField(default=0)  # per unit
    source = peewee.CharField(default="stock")  # stock | order
    order_line_id = peewee.IntegerField(null=True)  # a parts-order line, when the parts-orders area has it
    position = peewee.IntegerField(default=0)

    @property
    def sum_kop(self) -> int:
        return int(round(self.price_kop * self.qty))


class StatusChange(BaseModel):
    """Who moved a work order to which status, when, and from where (staff UI or tablet)."""

    work_order = peewee.ForeignKeyField(WorkOrder, backref="status_changes", on_delete="CASCADE")
    from_status = peewee.CharField(null=True)
    to_status = peewee.CharField()
    at = peewee.DateTimeField(index=True)
    by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    via = peewee.CharField(default="")  # "" staff UI | "board: <device>" | "system"
    note = peewee.CharField(default="")


class Finding(BaseModel):
    """What an inspection found: the seed of a later repair."""

    work_order = peewee.ForeignKeyField(WorkOrder, backref="findings", on_delete="CASCADE")
    text = peewee.CharField()
    severity = peewee.CharField(default="soon")
    estimate_kop = peewee.IntegerField(default=0)

    @property
    def severity_label(self) -> str:
        return SEVERITIES.get(self.severity, self.severity)


MODELS = [Bay, DeviceToken, Booking, WorkOrder, WorkLine, PartLine, StatusChange, Finding]
