from __future__ import annotations

import peewee

from db.models.base import BaseModel


class Product(BaseModel):
    """A part as the accounting system knows it: article + brand identify it."""

    article = peewee.CharField()
    brand = peewee.CharField(default="")
    article_key = peewee.CharField(index=True)  # normalized: upper case, no spaces/dashes/dots
    brand_key = peewee.CharField(default="")
    name = peewee.CharField(default="")
    group = peewee.CharField(default="", index=True)
    external_id = peewee.CharField(null=True, unique=True)  # 1C Ид
    unit = peewee.CharField(default="шт")
    price_kop = peewee.IntegerField(null=True)  # retail price, if known
    updated_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("article_key", "brand_key"), True),)
