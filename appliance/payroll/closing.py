"""Closing a month: the figures are stored once as an immutable snapshot (audited); what is
found wrong afterwards is a correction line with its reason, never an edit of the snapshot."""
from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

from appliance import audit, clock, forms, permissions
from appliance.errors import InputError
from appliance.payroll import kpi, plans
from appliance.payroll.plans import Month
from db import write_transaction
from db.models.payroll import ClosedMonth, PayCorrection

MAX_CORRECTION_KOP = 10_000_000_00


@dataclasses.dataclass
class Closed:
    row: ClosedMonth
    figures: dict  # the snapshot as stored
    corrections: list[PayCorrection]

    def rows_seen_by(self, actor) -> list[dict]:
        """The snapshot's rows `actor` may see: all with `payroll.view_all`, else their own."""
        if permissions.can(actor, "payroll.view_all"):
            return self.figures["rows"]
        permissions.require(actor, "payroll.own")
        return [r for r in self.figures["rows"] if r["staff_id"] == actor.id]

    def corrections_of(self, staff_id: int) -> list[PayCorrection]:
        return [c for c in self.corrections if c.staff_id == staff_id]

    def total_of(self, snapshot_row: dict) -> int | None:
        """Pay at closing plus this person's corrections (None when no plan was set and nothing corrected)."""
        extra = sum(c.amount_kop for c in self.corrections_of(snapshot_row["staff_id"]))
        if snapshot_row["pay_to_date_kop"] is None:
            return extra or None
        return snapshot_row["pay_to_date_kop"] + extra


def closed(month: Month) -> Closed | None:
    row = ClosedMonth.get_or_none(ClosedMonth.month == month.key)
    if row is None:
        return None
    lines = list(PayCorrection.select().where(PayCorrection.month == month.key).order_by(PayCorrection.id))
    return Closed(row, json.loads(row.snapshot), lines)


def close_month(month: Month, actor) -> ClosedMonth:
    """Store the month's figures as they are now; only after the month's last day, only once."""
    permissions.require(actor, "payroll.close")
    today = clock.local_today()
    if today <= month.last:
        raise InputError(f"Месяц {month.label} ещё не закончился: закрыть его можно с "
                         f"{month.shifted(1).first:%d.%m.%Y}.")
    with write_transaction():
        if plans.is_closed(month):
            raise InputError(f"Месяц {month.label} уже закрыт.")
        figures = kpi.month_figures(month, today)
        data = figures.as_json()
        row = ClosedMonth.create(month=month.key, closed_at=clock.utcnow(), closed_by=actor,
                                 snapshot=json.dumps(data, ensure_ascii=False))
        total = sum(r["pay_to_date_kop"] or 0 for r in data["rows"])
        audit.record(actor, "payroll.close", row, {"pay_total_kop": (None, total)}, note=month.key)
        return row


def parse_correction(form) -> tuple[int | None, int, str]:
    staff_id = forms.ref(form.get("staff"), "staff", "Сотрудник")
    if staff_id is None:
        raise InputError("Сотрудник: выберите из списка.", "staff")
    amount = forms.number(form.get("amount"), "amount", "Сумма, ₽", -Decimal(MAX_CORRECTION_KOP) / 100,
                          Decimal(MAX_CORRECTION_KOP) / 100, required=True)
    amount_kop = int((amount * 100).to_integral_value())
    if not amount_kop:
        raise InputError("Сумма: не ноль (минус — удержание).", "amount")
    reason = forms.text(form.get("reason"), "reason", "Причина", forms.NAME_LEN, required=True)
    return staff_id, amount_kop, reason


def add_correction(month: Month, staff_id: int, amount_kop: int, reason: str, actor) -> PayCorrection:
    """A new correction line to a closed month's pay (audited)."""
    permissions.require(actor, "payroll.close")
    with write_transaction():
        if not plans.is_closed(month):
            raise InputError(f"Месяц {month.label} не закрыт: пока он открыт, поправьте план или дождитесь "
                             "закрытия.")
        person = plans.payable_staff(staff_id)
        line = PayCorrection.create(month=month.key, staff=person, amount_kop=amount_kop, reason=reason,
                                    created_at=clock.utcnow(), created_by=actor)
        audit.record(actor, "payroll.correction", line, {"amount_kop": (None, amount_kop), "reason": (None, reason)},
                     note=f"{month.key} {person.full_name}")
        return line
