"""Bonus cards: the points ledger, the sales that earn points, 1C returns, cards issued.

Points are integer kopecks of a rouble (1 балл = 1 ₽ = 100 here): accrual percentages of
kopeck amounts stay exact, and no float is ever stored. The balance of a card is the sum of
its ledger rows; it is never stored on its own.
"""
from __future__ import annotations

import peewee

from db.models.base import BaseModel
from db.models.exchange import BonusCard, ImportLog
from db.models.sales import Sale, SaleLine
from db.models.staff import Staff

ENTRY_KINDS = {
    "accrual": "начисление",
    "redemption": "списание",
    "reversal": "сторно (возврат товара)",
    "refund": "возврат списанных баллов",
    "expiry": "сгорание",
    "correction": "корректировка",
}
RETURN_STATUSES = {
    "applied": "проведён",
    "no_sale": "нет продажи",
    "refused": "отклонён",
}


class CardIssue(BaseModel):
    """A card handed to a customer at the counter: who sold it and when (a payroll KPI)."""

    card = peewee.ForeignKeyField(BonusCard, unique=True, backref="issue", on_delete="CASCADE")
    manager = peewee.ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    issued_at = peewee.DateTimeField(index=True)


class LoyaltySale(BaseModel):
    """A sale made with a card: what was paid with points, whether it is paid, when credited."""

    sale = peewee.ForeignKeyField(Sale, unique=True, backref="loyalty", on_delete="CASCADE")
    card = peewee.ForeignKeyField(BonusCard, backref="loyalty_sales", on_delete="CASCADE")
    paid_kop = peewee.IntegerField(null=True)  # money paid so far; None: paid in full at the till
    redeemed_kop = peewee.IntegerField(default=0)  # points spent on this sale
    credited_at = peewee.DateTimeField(null=True, index=True)
    created_at = peewee.DateTimeField()


class SaleReturn(BaseModel):
    """A 1C «Возврат товара» document, applied, or kept for a person with the reason why not."""

    external_id = peewee.CharField(unique=True)
    number = peewee.CharField(default="")
    date = peewee.DateTimeField()
    base = peewee.CharField(default="")  # the sale it names, as written in the file
    sale = peewee.ForeignKeyField(Sale, null=True, backref="returns", on_delete="SET NULL")
    card = peewee.CharField(default="")
    total_kop = peewee.IntegerField(default=0)
    status = peewee.CharField(default="applied", index=True)
    reason = peewee.TextField(default="")
    content_hash = peewee.CharField(default="")
    import_log = peewee.ForeignKeyField(ImportLog, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField()

    @property
    def status_label(self) -> str:
        return RETURN_STATUSES.get(self.status, self.status)


class SaleReturnLine(BaseModel):
    sale_return = peewee.ForeignKeyField(SaleReturn, backref="lines", on_delete="CASCADE")
    sale_line = peewee.ForeignKeyField(SaleLine, null=True, backref="returned", on_delete="SET NULL")
    article = peewee.CharField(default="")
    brand = peewee.CharField(default="")
    name = peewee.CharField(default="")
    qty = peewee.DecimalField(max_digits=12, decimal_places=3, default=1)
    sum_kop = peewee.IntegerField(default=0)


class LoyaltyEntry(BaseModel):
    """One row of a card's points ledger; amount is signed (credit > 0, debit < 0).

    A credit is a lot that expires at ``expires_at``; a debit names the lot it takes from
    first (``lot``: the accrual a reversal cancels, the lot an expiry burns), then the
    oldest lots. ``shortfall_kop``: what a reversal could not take back (already spent).
    """

    card = peewee.ForeignKeyField(BonusCard, backref="ledger", on_delete="CASCADE")
    kind = peewee.CharField(index=True)
    amount_kop = peewee.IntegerField()
    sale = peewee.ForeignKeyField(Sale, null=True, backref="loyalty_entries", on_delete="SET NULL")
    sale_line = peewee.ForeignKeyField(SaleLine, null=True, on_delete="SET NULL")
    sale_return = peewee.ForeignKeyField(SaleReturn, null=True, backref="entries", on_delete="SET NULL")
    lot = peewee.ForeignKeyField("self", null=True, on_delete="SET NULL")
    expires_at = peewee.DateTimeField(null=True, index=True)
    shortfall_kop = peewee.IntegerField(default=0)
    reason = peewee.TextField(default="")
    staff = peewee.ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("card", "id"), False),)

    @property
    def kind_label(self) -> str:
        return ENTRY_KINDS.get(self.kind, self.kind)


MODELS = [CardIssue, LoyaltySale, SaleReturn, SaleReturnLine, LoyaltyEntry]
