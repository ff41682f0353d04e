from __future__ import annotations

import peewee

from db.models.base import BaseModel
from db.models.catalog import Product
from db.models.customers import Customer
from db.models.staff import Staff

SALE_KINDS = {"parts": "запчасти", "repair": "ремонт"}


class Sale(BaseModel):
    """A receipt (чек) as it came from the accounting system, or a repair paid for."""

    number = peewee.CharField()
    date = peewee.DateTimeField(index=True)
    customer = peewee.ForeignKeyField(Customer, null=True, backref="sales", on_delete="SET NULL")
    manager = peewee.ForeignKeyField(Staff, null=True, backref="sales", on_delete="SET NULL")
    kind = peewee.CharField(default="parts")
    total_kop = peewee.IntegerField(default=0)
    external_id = peewee.CharField(null=True, unique=True)  # 1C Ид, for idempotent re-imports
    source = peewee.CharField(default="manual")  # manual | 1c | demo
    created_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("customer", "date"), False), (("number", "date"), False))

    @property
    def kind_label(self) -> str:
        return SALE_KINDS.get(self.kind, self.kind)


class SaleLine(BaseModel):
    sale = peewee.ForeignKeyField(Sale, backref="lines", on_delete="CASCADE")
    product = peewee.ForeignKeyField(Product, null=True, backref="sale_lines", on_delete="SET NULL")
    article = peewee.CharField(default="")
    brand = peewee.CharField(default="")
    name = peewee.CharField(default="")
    qty = peewee.DecimalField(max_digits=12, decimal_places=3, default=1)
    price_kop = peewee.IntegerField(default=0)
    sum_kop = peewee.IntegerField(default=0)
