"""What arrives from the accounting system (1C): the import log, goods receipts, stock
snapshots, where imported sales came from, bonus cards and consumable groups.

Imported sales themselves live in ``db.models.sales.Sale``/``SaleLine`` (source "1c");
``ImportedSale`` keeps what the file said about the buyer so an unmatched sale can be
attached later.
"""
from __future__ import annotations

import peewee

from db.models.base import BaseModel
from db.models.catalog import Product
from db.models.customers import Customer
from db.models.sales import Sale
from db.models.staff import Staff

IMPORT_SOURCES = {
    "upload": "загрузка вручную",
    "folder": "папка обмена",
    "http": "обмен 1С по HTTP",
    "cli": "командная строка",
}

IMPORT_KINDS = {
    "sales": "продажи",
    "receipts": "поступления",
    "stock": "остатки",
    "catalog": "каталог",
    "returns": "возвраты",
    "orders": "заказы покупателей",
    "offers": "цены и остатки",
    "documents": "документы",
}

IMPORT_STATUSES = {
    "running": "загружается",
    "done": "загружен",
    "failed": "отклонён",
    "duplicate": "уже был загружен",
}


class ImportLog(BaseModel):
    """One file taken in: where from, what it did, how long, and the original kept."""

    source = peewee.CharField()
    kind = peewee.CharField(default="")
    filename = peewee.CharField()
    stored_path = peewee.CharField(default="")  # relative to <var>/exchange/files
    size = peewee.BigIntegerField(default=0)
    sha256 = peewee.CharField(default="", index=True)
    status = peewee.CharField(default="running", index=True)
    started_at = peewee.DateTimeField(index=True)
    finished_at = peewee.DateTimeField(null=True)
    duration_ms = peewee.IntegerField(null=True)
    rows = peewee.IntegerField(default=0)
    created = peewee.IntegerField(default=0)
    updated = peewee.IntegerField(default=0)
    skipped = peewee.IntegerField(default=0)
    unmatched = peewee.IntegerField(default=0)
    progress_bytes = peewee.BigIntegerField(default=0)
    error = peewee.TextField(default="")
    notes = peewee.TextField(default="")
    staff = peewee.ForeignKeyField(Staff, null=True, on_delete="SET NULL")

    @property
    def source_label(self) -> str:
        return IMPORT_SOURCES.get(self.source, self.source)

    @property
    def kind_label(self) -> str:
        return IMPORT_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return IMPORT_STATUSES.get(self.status, self.status)

    @property
    def percent(self) -> int:
        if not self.size:
            return 0
        return min(100, int(self.progress_bytes * 100 / self.size))


class GoodsReceipt(BaseModel):
    """An incoming-goods document (поступление) from 1C."""

    external_id = peewee.CharField(unique=True)  # 1C Ид, or "<number>@<yyyy-mm-dd>"
    number = peewee.CharField(default="")
    date = peewee.DateTimeField(index=True)
    supplier = peewee.CharField(default="")
    warehouse = peewee.CharField(default="")
    total_kop = peewee.IntegerField(default=0)
    content_hash = peewee.CharField(default="")
    import_log = peewee.ForeignKeyField(ImportLog, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()


class GoodsReceiptLine(BaseModel):
    receipt = peewee.ForeignKeyField(GoodsReceipt, backref="lines", on_delete="CASCADE")
    product = peewee.ForeignKeyField(Product, null=True, on_delete="SET NULL")
    article = peewee.CharField(default="")
    brand = peewee.CharField(default="")
    article_key = peewee.CharField(default="", index=True)
    brand_key = peewee.CharField(default="")
    name = peewee.CharField(default="")
    qty = peewee.DecimalField(max_digits=14, decimal_places=3, default=0)
    price_kop = peewee.IntegerField(default=0)
    sum_kop = peewee.IntegerField(default=0)


class StockSnapshot(BaseModel):
    """The latest stock balance of one warehouse, and when 1C took it."""

    warehouse = peewee.CharField(unique=True)
    taken_at = peewee.DateTimeField()  # the time the data is about (UTC)
    received_at = peewee.DateTimeField(index=True)
    lines = peewee.IntegerField(default=0)
    import_log = peewee.ForeignKeyField(ImportLog, null=True, on_delete="SET NULL")


class StockLevel(BaseModel):
    snapshot = peewee.ForeignKeyField(StockSnapshot, backref="levels", on_delete="CASCADE")
    product = peewee.ForeignKeyField(Product, null=True, on_delete="SET NULL")
    article = peewee.CharField(default="")
    brand = peewee.CharField(default="")
    article_key = peewee.CharField(index=True)
    brand_key = peewee.CharField(default="")
    name = peewee.CharField(default="")
    qty = peewee.DecimalField(max_digits=14, decimal_places=3, default=0)
    price_kop = peewee.IntegerField(null=True)


MATCH_STATUSES = {
    "matched": "по карте или телефону",
    "unmatched": "не найден",
    "anonymous": "без покупателя",
    "attached": "привязан вручную",
}


class ImportedSale(BaseModel):
    """Where an imported Sale came from and what it said about the buyer."""

    sale = peewee.ForeignKeyField(Sale, unique=True, backref="origin", on_delete="CASCADE")
    content_hash = peewee.CharField(default="")
    card = peewee.CharField(default="", index=True)
    phone = peewee.CharField(default="")  # as written in the file
    phone_e164 = peewee.CharField(default="", index=True)
    customer_name = peewee.CharField(default="")
    manager_name = peewee.CharField(default="")
    status = peewee.CharField(default="anonymous", index=True)
    import_log = peewee.ForeignKeyField(ImportLog, null=True, on_delete="SET NULL")

    @property
    def status_label(self) -> str:
        return MATCH_STATUSES.get(self.status, self.status)


class BonusCard(BaseModel):
    """A loyalty card number printed on the card and typed at 1C's till."""

    number = peewee.CharField(unique=True)
    customer = peewee.ForeignKeyField(Customer, backref="bonus_cards", on_delete="CASCADE")
    created_at = peewee.DateTimeField()


class ConsumableGroup(BaseModel):
    """Goods bought again on a schedule (spark plugs, filters, timing belt, oil).

    A sale line belongs to the group when its product's 1C group is one of
    ``product_groups`` or its name contains one of ``keywords`` (both ``|``-separated).
    """

    name = peewee.CharField(unique=True)
    product_groups = peewee.TextField(default="")
    keywords = peewee.TextField(default="")
    interval_days = peewee.IntegerField(default=365)
    position = peewee.IntegerField(default=0)
    active = peewee.BooleanField(default=True)

    @property
    def group_list(self) -> list[str]:
        return [g.strip() for g in self.product_groups.split("|") if g.strip()]

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split("|") if k.strip()]


class ExchangeSession(BaseModel):
    """A 1C site-exchange session (checkauth cookie) and its upload folder."""

    cookie = peewee.CharField(unique=True)
    exchange_type = peewee.CharField(default="catalog")
    created_at = peewee.DateTimeField()
    last_seen_at = peewee.DateTimeField()
    remote_addr = peewee.CharField(default="")


class ExchangeState(BaseModel):
    """Per-file state inside a session: the import started for it and its log."""

    session = peewee.ForeignKeyField(ExchangeSession, backref="files", on_delete="CASCADE")
    filename = peewee.CharField()
    import_log = peewee.ForeignKeyField(ImportLog, null=True, on_delete="SET NULL")
    started_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("session", "filename"), True),)


MODELS = [ImportLog, GoodsReceipt, GoodsReceiptLine, StockSnapshot, StockLevel, ImportedSale, BonusCard,
          ConsumableGroup, ExchangeSession, ExchangeState]


ORDER_STATUSES = {
    "open": "в работе",
    "closed": "закрыт",
    "cancelled": "отменён",
}


class BuyerOrder(BaseModel):
    """A 1C «Заказ покупателя» (customer order): what was ordered, by whom, with the
    prepayment taken; the sales that fulfil it are in ``BuyerOrderSale``."""

    external_id = peewee.CharField(unique=True)  # 1C Ид, or "<number>@<yyyy-mm-dd>"
    number = peewee.CharField(default="", index=True)
    date = peewee.DateTimeField(index=True)
    customer = peewee.ForeignKeyField(Customer, null=True, backref="buyer_orders", on_delete="SET NULL")
    customer_name = peewee.CharField(default="")
    phone_e164 = peewee.CharField(default="")
    card = peewee.CharField(default="", index=True)
    manager_name = peewee.CharField(default="")
    total_kop = peewee.IntegerField(default=0)
    prepayment_kop = peewee.IntegerField(default=0)
    status = peewee.CharField(default="open", index=True)
    status_text = peewee.CharField(default="")  # as 1C wrote it («К выполнению», «Закрыт»)
    content_hash = peewee.CharField(default="")
    import_log = peewee.ForeignKeyField(ImportLog, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()

    @property
    def status_label(self) -> str:
        return self.status_text or ORDER_STATUSES.get(self.status, self.status)


class BuyerOrderLine(BaseModel):
    order = peewee.ForeignKeyField(BuyerOrder, backref="lines", on_delete="CASCADE")
    product = peewee.ForeignKeyField(Product, null=True, on_delete="SET NULL")
    article = peewee.CharField(default="")
    brand = peewee.CharField(default="")
    name = peewee.CharField(default="")
    qty = peewee.DecimalField(max_digits=14, decimal_places=3, default=0)
    price_kop = peewee.IntegerField(default=0)
    sum_kop = peewee.IntegerField(default=0)


class BuyerOrderSale(BaseModel):
    """A sale that names the order it fulfils (as 1C wrote it in ``ref``); ``order`` is
    empty until that order has arrived (1C may send the sale first)."""

    sale = peewee.ForeignKeyField(Sale, unique=True, backref="fulfils", on_delete="CASCADE")
    ref = peewee.CharField(default="")
    order = peewee.ForeignKeyField(BuyerOrder, null=True, backref="sales", on_delete="SET NULL")


ORDER_MODELS = [BuyerOrder, BuyerOrderLine, BuyerOrderSale]  # created by migration 0024
