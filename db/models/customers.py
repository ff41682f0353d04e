from __future__ import annotations

import peewee

from db.models.base import BaseModel
from db.models.staff import Staff

SOURCES = {
    "walk_in": "пришёл сам / вывеска",
    "avito": "Авито",
    "yandex_maps": "Яндекс Карты",
    "2gis": "2ГИС",
    "referral": "по рекомендации",
    "website": "сайт",
    "drom": "Дром",
    "phone": "звонок",
    "other": "другое",
}


class Customer(BaseModel):
    name = peewee.CharField()
    kind = peewee.CharField(default="person")  # person | company
    source = peewee.CharField(default="walk_in")
    notes = peewee.TextField(default="")
    created_by = peewee.ForeignKeyField(Staff, null=True, backref="customers_added", on_delete="SET NULL")
    created_at = peewee.DateTimeField(index=True)
    updated_at = peewee.DateTimeField()
    version = peewee.IntegerField(default=1)  # optimistic lock for concurrent edits
    last_visit_at = peewee.DateTimeField(null=True, index=True)
    deleted_at = peewee.DateTimeField(null=True)
    merged_into = peewee.ForeignKeyField("self", null=True, backref="merged_from", on_delete="SET NULL")

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, self.source)

    @property
    def is_live(self) -> bool:
        return self.deleted_at is None and self.merged_into_id is None

    def live_vehicles(self) -> peewee.ModelSelect:
        """The customer's cars that are not removed, oldest first (the card's order)."""
        return self.vehicles.where(Vehicle.deleted_at.is_null()).order_by(Vehicle.id)

    def __str__(self) -> str:
        return self.name


class Phone(BaseModel):
    """A phone identifies one customer: e164 is unique across the base."""

    customer = peewee.ForeignKeyField(Customer, backref="phones", on_delete="CASCADE")
    e164 = peewee.CharField(unique=True)
    digits = peewee.CharField(index=True)  # national digits, for "last 4 digits" search
    kind = peewee.CharField(default="mobile")  # mobile | work | home | other
    comment = peewee.CharField(default="")
    is_primary = peewee.BooleanField(default=False)


class Vehicle(BaseModel):
    customer = peewee.ForeignKeyField(Customer, backref="vehicles", on_delete="CASCADE")
    make = peewee.CharField()
    model = peewee.CharField(default="")
    year = peewee.IntegerField(null=True)
    vin = peewee.CharField(default="", index=True)
    plate = peewee.CharField(default="", index=True)
    engine = peewee.CharField(default="")
    mileage = peewee.IntegerField(null=True)
    comment = peewee.CharField(default="")
    created_at = peewee.DateTimeField()
    deleted_at = peewee.DateTimeField(null=True)

    @property
    def title(self) -> str:
        text = f"{self.make} {self.model}".strip()
        return f"{text}, {self.year}" if self.year else text
