"""The owner's settings per manager and month, the month's KPI scale, and the shop days of a month.

A month is written "2026-11". The shop's working days are the `[orders] working_days` weekdays
(the one setting that says when the shop is open); a manager's own shifts, when the owner enters
them, replace those days for that manager's plan and base pay.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import json
import re
from decimal import Decimal

from appliance import audit, clock, forms, permissions, settings
from appliance.errors import InputError
from appliance.orders.orders import shop_weekdays
from db import write_transaction
from db.models.payroll import BASE_KINDS, ClosedMonth, KpiScale, ManagerPlan
from db.models.staff import Staff

KPIS = {"shop": "продажи магазина", "personal": "личные продажи", "check": "средний чек", "cards": "бонусные карты"}
MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
             "ноябрь", "декабрь")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
MAX_KOP = 100_000_000_00  # a hundred million roubles a month is a typo
SCALE_ROWS = 8  # rows the owner's scale form offers


@dataclasses.dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def label(self) -> str:
        return f"{MONTHS_RU[self.month - 1]} {self.year}"

    def shifted(self, n: int) -> Month:
        index = self.year * 12 + self.month - 1 + n
        return Month(index // 12, index % 12 + 1)

    def __str__(self) -> str:
        return self.key


def parse_month(value, field: str = "month") -> Month:
    """'2026-11' -> Month; empty -> this month (shop time); anything else is refused in Russian."""
    raw = str(value or "").strip()
    if not raw:
        today = clock.local_today()
        return Month(today.year, today.month)
    match = _MONTH.fullmatch(raw)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise InputError(f"Месяц: «{raw[:20]}» — укажите в виде ГГГГ-ММ, например 2026-11.", field)
    return Month(int(match.group(1)), int(match.group(2)))


def shop_days(month: Month) -> list[dt.date]:
    """The days of the month the shop is open."""
    weekdays = shop_weekdays()
    return [d for d in _days(month) if d.isoweekday() in weekdays]


def _days(month: Month) -> list[dt.date]:
    return [month.first + dt.timedelta(days=i) for i in range(month.last.day)]


def parse_shifts(value, month: Month) -> list[int]:
    """'1-3, 7' -> [1, 2, 3, 7]; empty -> [] (the shop's working days count)."""
    raw = str(value or "").replace(" ", "")
    days: set[int] = set()
    for part in filter(None, raw.split(",")):
        match = re.fullmatch(r"(\d{1,2})(?:-(\d{1,2}))?", part)
        a, b = (int(match.group(1)), int(match.group(2) or match.group(1))) if match else (0, 0)
        if not match or not 1 <= a <= b <= month.last.day:
            raise InputError(f"Смены: «{part[:20]}» — числа месяца от 1 до {month.last.day} через запятую, "
                             "например 1-3, 7, 9.", "shifts")
        days.update(range(a, b + 1))
    return sorted(days)


def manager_days(plan: ManagerPlan | None, month: Month) -> list[dt.date]:
    """The days this manager's plan and base pay count: their shifts, else the shop's days; none after leaving."""
    shifts = parse_shifts(plan.shifts, month) if plan is not None and plan.shifts else []
    days = [month.first.replace(day=d) for d in shifts] if shifts else shop_days(month)
    if plan is not None and plan.left_on is not None:
        days = [d for d in days if d <= plan.left_on]
    return days


# --- the KPI scale -------------------------------------------------------------------------

@dataclasses.dataclass
class Scale:
    steps: list[tuple[Decimal, Decimal]]  # (from KPI, coefficient), ascending
    weights: dict[str, Decimal]

    def coefficient(self, kpi: Decimal) -> Decimal:
        """The coefficient of the highest step at or below `kpi` (below the first step: the first's)."""
        result = self.steps[0][1]
        for start, coef in self.steps:
            if kpi >= start:
                result = coef
        return result

    def as_json(self) -> dict:
        return {"coefficients": [[str(a), str(b)] for a, b in self.steps],
                "weights": {k: str(v) for k, v in self.weights.items()}}


def _pairs(text: str) -> list[tuple[str, str]]:
    return [tuple(p.strip() for p in item.split(":", 1)) for item in text.split(";") if ":" in item]


def default_scale() -> Scale:
    cfg = settings.get()
    steps = sorted((Decimal(a), Decimal(b)) for a, b in _pairs(cfg.get("payroll", "coefficients")))
    weights = {k: Decimal("0") for k in KPIS}
    weights.update({k: Decimal(v) for k, v in _pairs(cfg.get("payroll", "weights")) if k in KPIS})
    return Scale(steps, weights)


def scale_of(month: Month) -> Scale:
    row = KpiScale.get_or_none(KpiScale.month == month.key)
    if row is None:
        return default_scale()
    weights = {k: Decimal(v) for k, v in json.loads(row.weights).items()}
    return Scale([(Decimal(a), Decimal(b)) for a, b in json.loads(row.coefficients)], weights)


def parse_scale(form) -> Scale:
    """The scale form: rows kpi_from-N / coef-N (an empty row is skipped) and weight-<kpi>."""
    steps: dict[Decimal, Decimal] = {}
    for i in range(SCALE_ROWS):
        start = forms.number(form.get(f"kpi_from-{i}"), f"kpi_from-{i}", "KPI от", 0, 10)
        coef = forms.number(form.get(f"coef-{i}"), f"coef-{i}", "Коэффициент", 0, 10)
        if start is None and coef is None:
            continue
        if start is None or coef is None:
            raise InputError("Шкала: в каждой строке нужны и KPI, и коэффициент.", f"kpi_from-{i}")
        steps[start] = coef
    if not steps:
        raise InputError("Шкала: нужна хотя бы одна строка «KPI от — коэффициент».", "kpi_from-0")
    weights = {k: forms.number(form.get(f"weight-{k}"), f"weight-{k}", f"Вес «{label}»", 0, 100, default=Decimal(0))
               for k, label in KPIS.items()}
    if not any(weights.values()):
        raise InputError("Веса: хотя бы у одного показателя вес больше нуля.", "weight-personal")
    return Scale(sorted(steps.items()), weights)


def save_scale(month: Month, scale: Scale, actor) -> None:
    permissions.require(actor, "payroll.edit")
    with write_transaction():
        refuse_closed(month)
        row = KpiScale.get_or_none(KpiScale.month == month.key)
        old = scale_of(month).as_json()
        new = scale.as_json()
        values = {"coefficients": json.dumps(new["coefficients"]), "weights": json.dumps(new["weights"]),
                  "updated_at": clock.utcnow(), "updated_by": actor}
        if row is None:
            row = KpiScale.create(month=month.key, **values)
        else:
            KpiScale.update(**values).where(KpiScale.id == row.id).execute()
        audit.record(actor, "payroll.scale", row, {"scale": (old, new)}, note=month.key)


# --- plans ---------------------------------------------------------------------------------

PLAN_FIELDS = ("base_kind", "base_kop", "parts_percent", "repairs_percent", "plan_shop_kop", "plan_personal_kop",
               "plan_check_kop", "plan_cards", "shifts", "left_on")


def _roubles(form, name: str, label: str) -> int:
    value = forms.number(form.get(name), name, label, 0, Decimal(MAX_KOP) / 100, default=Decimal(0))
    return int((value * 100).to_integral_value())


def parse_plan(form, month: Month) -> dict:
    """The plan form (roubles, percents, days) as ManagerPlan values; bad input -> InputError in Russian."""
    left = str(form.get("left_on") or "").strip()
    left_on = None
    if left:
        try:
            left_on = dt.datetime.strptime(left, "%d.%m.%Y").date() if "." in left else dt.date.fromisoformat(left)
        except ValueError:
            raise InputError(f"Последний рабочий день: «{left[:20]}» — дата вида 15.11.2026.", "left_on") from None
        if not month.first <= left_on <= month.last:
            raise InputError(f"Последний рабочий день: дата внутри месяца ({month.label}).", "left_on")
    shifts = str(form.get("shifts") or "").strip()
    parse_shifts(shifts, month)
    return {
        "base_kind": forms.choice(form.get("base_kind"), "base_kind", "Оклад", BASE_KINDS, default="month"),
        "base_kop": _roubles(form, "base", "Оклад, ₽"),
        "parts_percent": forms.number(form.get("parts_percent"), "parts_percent", "% с запчастей", 0, 100,
                                      default=Decimal(0)),
        "repairs_percent": forms.number(form.get("repairs_percent"), "repairs_percent", "% с ремонтов", 0, 100,
                                        default=Decimal(0)),
        "plan_shop_kop": _roubles(form, "plan_shop", "План продаж магазина, ₽"),
        "plan_personal_kop": _roubles(form, "plan_personal", "План личных продаж, ₽"),
        "plan_check_kop": _roubles(form, "plan_check", "План среднего чека, ₽"),
        "plan_cards": forms.whole(form.get("plan_cards"), "plan_cards", "План бонусных карт, шт.", 0, 100_000,
                                  default=0),
        "shifts": shifts,
        "left_on": left_on,
    }


def plan_of(month: Month, staff_id: int) -> ManagerPlan | None:
    return ManagerPlan.get_or_none(ManagerPlan.month == month.key, ManagerPlan.staff == staff_id)


def plans_of(month: Month) -> dict[int, ManagerPlan]:
    return {p.staff_id: p for p in ManagerPlan.select().where(ManagerPlan.month == month.key)}


def is_closed(month: Month) -> bool:
    return ClosedMonth.select().where(ClosedMonth.month == month.key).exists()


def refuse_closed(month: Month) -> None:
    if is_closed(month):
        raise InputError(f"Месяц {month.label} закрыт: настройки не меняются, добавьте корректировку.")


def payable_staff(staff_id: int) -> Staff:
    person = Staff.get_or_none(Staff.id == staff_id)
    if person is None or person.role not in ("manager", "owner"):
        raise InputError("Сотрудник: выберите менеджера из списка.", "staff")
    return person


def save_plan(month: Month, staff_id: int, values: dict, actor) -> ManagerPlan:
    """Create or change one manager's settings for the month (audited; a closed month is refused)."""
    permissions.require(actor, "payroll.edit")
    with write_transaction():
        refuse_closed(month)
        person = payable_staff(staff_id)
        plan = plan_of(month, person.id)
        now = clock.utcnow()
        if plan is None:
            plan = ManagerPlan.create(month=month.key, staff=person, updated_at=now, updated_by=actor, **values)
            audit.record(actor, "payroll.plan_create", plan, {k: (None, v) for k, v in values.items()},
                         note=f"{month.key} {person.full_name}")
            return plan
        changes = {k: (getattr(plan, k), v) for k, v in values.items() if getattr(plan, k) != v}
        if changes:
            ManagerPlan.update(updated_at=now, updated_by=actor, **values).where(ManagerPlan.id == plan.id).execute()
            audit.record(actor, "payroll.plan_edit", plan, changes, note=f"{month.key} {person.full_name}")
        return ManagerPlan.get_by_id(plan.id)
