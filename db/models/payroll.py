"""Payroll: the owner's monthly settings per manager, the KPI scale of a month, closed months
(immutable snapshots) and the correction lines added after closing."""
from __future__ import annotations

import peewee

from db.models.base import BaseModel
from db.models.staff import Staff

BASE_KINDS = {"month": "в месяц", "shift": "за смену"}


class ManagerPlan(BaseModel):
    """What one manager earns and must reach in one month (месяц as "2026-11")."""

    month = peewee.CharField(index=True)
    staff = peewee.ForeignKeyField(Staff, backref="payroll_plans", on_delete="CASCADE")
    base_kind = peewee.CharField(default="month")  # month | shift
    base_kop = peewee.IntegerField(default=0)  # per month or per shift
    parts_percent = peewee.DecimalField(max_digits=6, decimal_places=2, default=0)
    repairs_percent = peewee.DecimalField(max_digits=6, decimal_places=2, default=0)
    plan_shop_kop = peewee.IntegerField(default=0)  # 0: no plan for this KPI
    plan_personal_kop = peewee.IntegerField(default=0)
    plan_check_kop = peewee.IntegerField(default=0)
    plan_cards = peewee.IntegerField(default=0)
    shifts = peewee.CharField(default="")  # days of the month "1-3,7"; empty: the shop's working days
    left_on = peewee.DateField(null=True)  # the last day worked, for a manager who left mid-month
    updated_at = peewee.DateTimeField()
    updated_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("month", "staff"), True),)


class KpiScale(BaseModel):
    """The owner's KPI → coefficient table and KPI weights for one month (JSON text); no row: the defaults."""

    month = peewee.CharField(unique=True)
    coefficients = peewee.TextField()  # [["0.5", "0.6"], ...]: from this KPI up, this coefficient
    weights = peewee.TextField()  # {"shop": "1", "personal": "2", ...}
    updated_at = peewee.DateTimeField()
    updated_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")


class ClosedMonth(BaseModel):
    """A closed month: the figures as they were at closing, never changed afterwards."""

    month = peewee.CharField(unique=True)
    closed_at = peewee.DateTimeField()
    closed_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    snapshot = peewee.TextField()  # JSON: the rows as `prilavok payroll --json` prints them

    def save(self, *args, **kwargs):
        if self.id is not None and not kwargs.get("force_insert"):
            raise PermissionError("a closed month's snapshot is never changed; add a correction line")
        return super().save(*args, **kwargs)


class PayCorrection(BaseModel):
    """A correction to a closed month's pay: a new line with its reason, never an edit."""

    month = peewee.CharField(index=True)
    staff = peewee.ForeignKeyField(Staff, backref="pay_corrections", on_delete="CASCADE")
    amount_kop = peewee.IntegerField()  # + added, - withheld
    reason = peewee.CharField()
    created_at = peewee.DateTimeField()
    created_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")


MODELS = [ManagerPlan, KpiScale, ClosedMonth, PayCorrection]
