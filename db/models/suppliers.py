"""Suppliers, their link status, analogs, the mandatory assortment, price history,
the living reorder list and supplier orders (the outbox of orders to place)."""

from __future__ import annotations

import peewee

from db.models.base import BaseModel
from db.models.staff import Staff


class SupplierAccount(BaseModel):
    """A supplier added in the settings UI (INI ``[supplier:<code>]`` sections need no row).

    The password is stored here, on the box, never in the repository.
    """

    code = peewee.CharField(unique=True)
    name = peewee.CharField(default="")
    kind = peewee.CharField(default="abcp")  # abcp | pricelist
    url = peewee.CharField(default="")
    login = peewee.CharField(default="")
    password = peewee.CharField(default="")
    markup = peewee.FloatField(default=0)
    lead_days = peewee.IntegerField(default=0)
    working_days = peewee.CharField(default="1-5")
    concurrency = peewee.IntegerField(default=4)
    rate_limit = peewee.FloatField(default=5)
    options = peewee.TextField(default="")  # "key = value" lines, kind-specific
    enabled = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField(null=True)


class SupplierLink(BaseModel):
    """Reachability of one supplier, shared by all processes ("нет связи с 02:13")."""

    code = peewee.CharField(unique=True)
    up = peewee.BooleanField(default=True)
    down_since = peewee.DateTimeField(null=True)
    last_ok = peewee.DateTimeField(null=True)
    last_error = peewee.TextField(default="")
    updated_at = peewee.DateTimeField()


class AnalogGroup(BaseModel):
    """Interchangeable parts: any member may stand in for any other."""

    name = peewee.CharField(default="")
    source = peewee.CharField(default="manual")  # manual | csv | supplier
    created_at = peewee.DateTimeField()


class AnalogMember(BaseModel):
    group = peewee.ForeignKeyField(AnalogGroup, backref="members", on_delete="CASCADE")
    article = peewee.CharField()
    brand = peewee.CharField(default="")
    article_key = peewee.CharField()
    brand_key = peewee.CharField(default="")

    class Meta:
        indexes = ((("article_key", "brand_key"), True),)


class MandatoryItem(BaseModel):
    """A position of the mandatory assortment (список обязательного наличия)."""

    article = peewee.CharField()
    brand = peewee.CharField(default="")
    article_key = peewee.CharField()
    brand_key = peewee.CharField(default="")
    name = peewee.CharField(default="")
    min_qty = peewee.IntegerField(default=1)
    target_qty = peewee.IntegerField(null=True)
    pack = peewee.IntegerField(default=1)
    active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("article_key", "brand_key"), True),)


class PriceQuote(BaseModel):
    """Every price a supplier quoted: the price history."""

    article_key = peewee.CharField()
    brand_key = peewee.CharField(default="")
    supplier = peewee.CharField()
    price_kop = peewee.IntegerField()
    qty = peewee.IntegerField(null=True)
    days_min = peewee.IntegerField(default=0)
    days_max = peewee.IntegerField(default=0)
    quoted_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("article_key", "brand_key", "quoted_at"), False),)


class StockWatchRun(BaseModel):
    started_at = peewee.DateTimeField()
    finished_at = peewee.DateTimeField(null=True)
    status = peewee.CharField(default="running")  # running | done | waiting_link
    positions = peewee.IntegerField(default=0)
    to_buy = peewee.IntegerField(default=0)
    waiting = peewee.IntegerField(default=0)
    summary = peewee.TextField(default="")
    kind = peewee.CharField(default="nightly")  # nightly | manual («Проверить сейчас»)
    started_by = peewee.ForeignKeyField(Staff, null=True, on_delete="SET NULL")


class SupplierOrder(BaseModel):
    """One order to one supplier; rows in ``queued`` are the outbox."""

    supplier = peewee.CharField(index=True)
    status = peewee.CharField(default="queued", index=True)  # queued | placed | failed | closed
    ref = peewee.CharField(default="")  # the supplier's order number(s)
    source = peewee.CharField(default="stock")  # stock | customer
    created_by = peewee.ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField()
    placed_at = peewee.DateTimeField(null=True)
    attempts = peewee.IntegerField(default=0)
    next_attempt_at = peewee.DateTimeField(null=True)
    last_error = peewee.TextField(default="")
    polled_at = peewee.DateTimeField(null=True)

    @property
    def client_ref(self) -> str:
        return f"PRV-{self.id}"


class ReorderLine(BaseModel):
    """The one living line of the reorder list for a mandatory position.

    ``state``: buy | high_price | waiting_link | no_offer | on_order | enough | analog (another
    member of its analog group holds the group's line).
    ``status``: open (on the list) | ordered (sent to a supplier order).
    """

    item = peewee.ForeignKeyField(MandatoryItem, backref="reorder_lines", unique=True, on_delete="CASCADE")
    state = peewee.CharField(default="buy", index=True)
    status = peewee.CharField(default="open", index=True)
    qty = peewee.IntegerField(default=0)
    supplier = peewee.CharField(default="")
    offer_article = peewee.CharField(default="")
    offer_brand = peewee.CharField(default="")
    offer_name = peewee.CharField(default="")
    offer_key = peewee.CharField(default="")
    price_kop = peewee.IntegerField(null=True)
    median_kop = peewee.IntegerField(null=True)
    days_min = peewee.IntegerField(null=True)
    days_max = peewee.IntegerField(null=True)
    pack = peewee.IntegerField(default=1)
    on_hand = peewee.IntegerField(default=0)
    analog_stock = peewee.IntegerField(default=0)
    on_order = peewee.IntegerField(default=0)
    reasoning = peewee.TextField(default="")
    ticked = peewee.BooleanField(default=False)
    order = peewee.ForeignKeyField(SupplierOrder, null=True, backref="reorder_lines", on_delete="SET NULL")
    priced_at = peewee.DateTimeField(null=True)
    quote_at = peewee.DateTimeField(null=True)  # priced from a down supplier's last quote of then
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()


class SupplierOrderLine(BaseModel):
    order = peewee.ForeignKeyField(SupplierOrder, backref="lines", on_delete="CASCADE")
    reorder_line = peewee.ForeignKeyField(ReorderLine, null=True, on_delete="SET NULL")
    article = peewee.CharField()
    brand = peewee.CharField(default="")
    article_key = peewee.CharField(index=True)
    brand_key = peewee.CharField(default="")
    name = peewee.CharField(default="")
    offer_key = peewee.CharField(default="")
    qty = peewee.IntegerField()
    price_kop = peewee.IntegerField(null=True)
    status = peewee.CharField(default="queued")  # queued | ordered | confirmed | shipped | refused | received
    reason = peewee.TextField(default="")
    line_ref = peewee.CharField(default="")
    updated_at = peewee.DateTimeField()


MODELS = [SupplierAccount, SupplierLink, AnalogGroup, AnalogMember, MandatoryItem, PriceQuote,
          StockWatchRun, SupplierOrder, ReorderLine, SupplierOrderLine]


class PriceCheckRun(BaseModel):
    """A price check the counter page polls: kept in the database, so any web process can answer the poll."""

    token = peewee.CharField(unique=True)
    article = peewee.CharField()
    brand = peewee.CharField(default="")
    suppliers = peewee.TextField(default="[]")  # JSON [[code, name], ...] asked
    created_at = peewee.DateTimeField(index=True)


class PriceCheckAnswer(BaseModel):
    run = peewee.ForeignKeyField(PriceCheckRun, backref="answers", on_delete="CASCADE")
    supplier = peewee.CharField()
    payload = peewee.TextField()  # JSON of appliance.purchasing.price_check.Answer
