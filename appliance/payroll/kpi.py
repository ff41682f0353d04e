"""Facts, plan to date, KPIs, coefficients and pay of a month, per manager.

Facts:
- parts sales: `Sale` rows of kind "parts" (1C receipts), by the sale's manager; a sale's amount is
  the sum of its lines (a return is a negative line, or a receipt with a negative sum), else its total;
- repairs: work orders handed over in the month, by the advisor who opened them (`created_by`);
  the "repair" `Sale` a hand-over creates (or 1C brings) is the same money and is not counted again;
- shop sales: all of both, also sales with no manager;
- average check: personal sales ÷ receipts with a positive sum (parts receipts + repairs);
- bonus cards sold: quantity on sale lines whose article is in `[payroll] bonus_card_articles` or
  whose product's 1C group is in `bonus_card_groups`.

Plan to date = monthly plan × working days elapsed (today included) ÷ working days in the month;
shop days for the shop plan, the manager's days (`plans.manager_days`) for personal ones. An
average check is not summed over days, so its plan to date is the monthly plan itself.
KPI = fact ÷ plan to date. Coefficient = Σ weight × scale(KPI) ÷ Σ weight over the KPIs that have
a plan (none: 1). Pay = base (to date: per elapsed day of the month's days, or per shift) +
(% of personal parts + % of personal repairs) × coefficient. Forecast: the same with the facts
extrapolated to all the month's days at today's pace.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import peewee

from appliance import clock, parts, permissions, settings
from appliance.payroll import plans
from appliance.payroll.plans import KPIS, Month
from db.models.catalog import Product
from db.models.payroll import ManagerPlan
from db.models.sales import Sale, SaleLine
from db.models.staff import Staff
from db.models.workshop import WorkOrder

HUNDRED = Decimal(100)
NO_PLAN = "план не задан"


def kop(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclasses.dataclass
class Facts:
    parts_kop: int = 0
    repairs_kop: int = 0
    checks: int = 0
    cards: int = 0

    @property
    def personal_kop(self) -> int:
        return self.parts_kop + self.repairs_kop

    @property
    def average_check_kop(self) -> int | None:
        return kop(Decimal(self.personal_kop) / self.checks) if self.checks else None


@dataclasses.dataclass
class Kpi:
    key: str
    plan: int  # the month's plan (kopecks, or pieces for cards); 0: not set
    plan_to_date: Decimal | None
    fact: int | None
    ratio: Decimal | None  # None: no plan, or nothing planned yet
    coefficient: Decimal | None
    weight: Decimal

    @property
    def label(self) -> str:
        return KPIS[self.key]

    @property
    def left(self) -> int | None:
        """What is still missing to the month's plan (0 when reached)."""
        if not self.plan or self.fact is None:
            return None
        return max(0, self.plan - self.fact)

    def as_json(self) -> dict:
        return {"plan": self.plan, "plan_to_date": None if self.plan_to_date is None else str(self.plan_to_date),
                "fact": self.fact, "kpi": None if self.ratio is None else str(self.ratio),
                "coefficient": None if self.coefficient is None else str(self.coefficient),
                "weight": str(self.weight)}


@dataclasses.dataclass
class Row:
    staff: Staff
    plan: ManagerPlan | None
    facts: Facts
    days_total: int
    days_elapsed: int
    kpis: list[Kpi]
    coefficient: Decimal | None
    base_to_date_kop: int | None
    percent_to_date_kop: int | None  # before the coefficient
    pay_to_date_kop: int | None
    pay_forecast_kop: int | None
    note: str = ""

    @property
    def left(self) -> bool:
        return self.plan is not None and self.plan.left_on is not None

    @property
    def status(self) -> str:
        return NO_PLAN if self.plan is None else self.note

    def kpi(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)

    def as_json(self) -> dict:
        f = self.facts
        return {"staff_id": self.staff.id, "name": self.staff.full_name, "plan_set": self.plan is not None,
                "status": self.status, "left_on": self.plan.left_on.isoformat() if self.left else None,
                "days_total": self.days_total, "days_elapsed": self.days_elapsed,
                "facts": {"parts_kop": f.parts_kop, "repairs_kop": f.repairs_kop, "personal_kop": f.personal_kop,
                          "checks": f.checks, "average_check_kop": f.average_check_kop, "cards": f.cards},
                "kpis": {k.key: k.as_json() for k in self.kpis},
                "coefficient": None if self.coefficient is None else str(self.coefficient),
                "base_to_date_kop": self.base_to_date_kop, "percent_to_date_kop": self.percent_to_date_kop,
                "pay_to_date_kop": self.pay_to_date_kop, "pay_forecast_kop": self.pay_forecast_kop}


@dataclasses.dataclass
class MonthFigures:
    month: Month
    today: dt.date
    shop_days_total: int
    shop_days_elapsed: int
    shop_kop: int
    unassigned_kop: int  # sales with no manager (counted in the shop's sales only)
    rows: list[Row]
    scale: plans.Scale

    @property
    def not_started(self) -> bool:
        return self.shop_days_elapsed == 0

    def row_of(self, staff_id: int) -> Row | None:
        return next((r for r in self.rows if r.staff.id == staff_id), None)

    def as_json(self) -> dict:
        return {"month": self.month.key, "today": self.today.isoformat(), "shop_days_total": self.shop_days_total,
                "shop_days_elapsed": self.shop_days_elapsed, "shop_kop": self.shop_kop,
                "unassigned_kop": self.unassigned_kop, "scale": self.scale.as_json(),
                "rows": [r.as_json() for r in self.rows]}


# --- facts -------------------------------------------------------------------------------

def _card_rules() -> tuple[set[str], set[str]]:
    cfg = settings.get()
    articles = {parts.article_key(a) for a in (cfg.get("payroll", "bonus_card_articles") or "").split(",")}
    groups = {g.strip().casefold() for g in (cfg.get("payroll", "bonus_card_groups") or "").split(",")}
    return articles - {""}, groups - {""}


def collect_facts(month: Month, until: dt.date) -> tuple[dict[int | None, Facts], int]:
    """Facts per manager id (None: sales with no manager) from the 1st to `until`, and the shop's total."""
    start, end = clock.days_span(month.first, min(until, month.last))
    facts: dict[int | None, Facts] = {}
    articles, groups = _card_rules()
    amounts: dict[int, int] = {}
    sales = (Sale.select(Sale.id, Sale.manager, Sale.total_kop)
             .where(Sale.kind == "parts", Sale.date >= start, Sale.date < end).tuples())
    managers = {}
    for sale_id, manager_id, total in sales:
        managers[sale_id] = manager_id
        amounts[sale_id] = total
    with_lines: set[int] = set()
    lines = (SaleLine.select(SaleLine.sale, SaleLine.sum_kop, SaleLine.qty, SaleLine.article, Product.group)
             .join(Sale).switch(SaleLine).join(Product, peewee.JOIN.LEFT_OUTER)
             .where(Sale.kind == "parts", Sale.date >= start, Sale.date < end).tuples())
    for sale_id, sum_kop, qty, article, group in lines:
        if sale_id not in with_lines:
            with_lines.add(sale_id)
            amounts[sale_id] = 0
        amounts[sale_id] += sum_kop
        if parts.article_key(article) in articles or (group or "").strip().casefold() in groups:
            facts.setdefault(managers[sale_id], Facts()).cards += int(qty)
    for sale_id, amount in amounts.items():
        f = facts.setdefault(managers[sale_id], Facts())
        f.parts_kop += amount
        f.checks += amount > 0
    repairs = (WorkOrder.select(WorkOrder.created_by, WorkOrder.total_kop)
               .where(WorkOrder.handed_over_at >= start, WorkOrder.handed_over_at < end).tuples())
    for advisor_id, total in repairs:
        f = facts.setdefault(advisor_id, Facts())
        f.repairs_kop += total
        f.checks += total > 0
    shop = sum(f.personal_kop for f in facts.values())
    return facts, shop


# --- figures -----------------------------------------------------------------------------

def _elapsed(days: list[dt.date], today: dt.date) -> int:
    return sum(1 for d in days if d <= today)


def _to_date(plan: int, elapsed: int, total: int) -> Decimal | None:
    return None if not total else Decimal(plan) * elapsed / total


def _kpi(key: str, plan: int, to_date: Decimal | None, fact: int | None, scale: plans.Scale) -> Kpi:
    weight = scale.weights.get(key, Decimal(0))
    if not plan or fact is None or not to_date:
        return Kpi(key, plan, to_date, fact, None, None, weight)
    ratio = (Decimal(fact) / to_date).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return Kpi(key, plan, to_date, fact, ratio, scale.coefficient(ratio), weight)


def _coefficient(kpis: list[Kpi]) -> Decimal:
    weighted = [k for k in kpis if k.coefficient is not None and k.weight > 0]
    total = sum((k.weight for k in weighted), Decimal(0))
    if not total:
        return Decimal(1)
    value = sum((k.weight * k.coefficient for k in weighted), Decimal(0)) / total
    return value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def _row(person: Staff, plan: ManagerPlan | None, facts: Facts, month: Month, today: dt.date, shop_kop: int,
         shop_total: int, shop_elapsed: int, scale: plans.Scale) -> Row:
    days = plans.manager_days(plan, month)
    total, elapsed = len(days), _elapsed(days, today)
    if plan is None:
        kpis = [_kpi(k, 0, None, None, scale) for k in KPIS]
        return Row(person, None, facts, total, elapsed, kpis, None, None, None, None, None)
    # plans and a monthly base are spread over all the month's days: leaving does not make them due sooner
    month_days = len(plans.manager_days(_staying(plan), month))
    kpis = [
        _kpi("shop", plan.plan_shop_kop, _to_date(plan.plan_shop_kop, shop_elapsed, shop_total), shop_kop, scale),
        _kpi("personal", plan.plan_personal_kop, _to_date(plan.plan_personal_kop, elapsed, month_days),
             facts.personal_kop, scale),
        _kpi("check", plan.plan_check_kop, Decimal(plan.plan_check_kop) if elapsed else None,
             facts.average_check_kop, scale),
        _kpi("cards", plan.plan_cards, _to_date(plan.plan_cards, elapsed, month_days), facts.cards, scale),
    ]
    coef = _coefficient(kpis)
    percent = max(Decimal(0), (Decimal(facts.parts_kop) * plan.parts_percent
                               + Decimal(facts.repairs_kop) * plan.repairs_percent) / HUNDRED)
    if plan.base_kind == "shift":
        base_to_date, base_full = plan.base_kop * elapsed, plan.base_kop * total
    else:
        base_full = kop(Decimal(plan.base_kop) * total / month_days) if month_days else 0
        base_to_date = kop(Decimal(plan.base_kop) * elapsed / month_days) if month_days else 0
    pay = base_to_date + kop(percent * coef)
    if elapsed == 0:
        forecast, note = base_full, "месяц ещё не начался" if today < month.first else "нет рабочих дней"
    else:
        forecast, note = base_full + kop(percent * total / elapsed * coef), ""
    if plan.left_on is not None and plan.left_on < today:
        note = f"работал(а) по {plan.left_on:%d.%m.%Y}"
    return Row(person, plan, facts, total, elapsed, kpis, coef, base_to_date, kop(percent), pay, forecast, note)


def _staying(plan: ManagerPlan) -> ManagerPlan:
    """The same plan without the leaving day: the month's days a monthly base is spread over."""
    return ManagerPlan(shifts=plan.shifts, left_on=None)


def month_figures(month: Month, today: dt.date | None = None) -> MonthFigures:
    """Everything the payroll page, the tile and the CLI show for a month, as of `today` (shop time)."""
    today = today or clock.local_today()
    scale = plans.scale_of(month)
    facts, shop_kop = collect_facts(month, today)
    shop = plans.shop_days(month)
    shop_total, shop_elapsed = len(shop), _elapsed(shop, today)
    month_plans = plans.plans_of(month)
    ids = set(month_plans) | {i for i in facts if i is not None}
    people = (Staff.select().where((Staff.id.in_(list(ids))) | ((Staff.role == "manager") & Staff.active))
              .order_by(Staff.full_name))
    rows = [_row(p, month_plans.get(p.id), facts.get(p.id, Facts()), month, today, shop_kop, shop_total,
                 shop_elapsed, scale) for p in people]
    unassigned = facts.get(None, Facts()).personal_kop
    return MonthFigures(month, today, shop_total, shop_elapsed, shop_kop, unassigned, rows, scale)


def seen_by(month: Month, actor, today: dt.date | None = None) -> MonthFigures:
    """The month as `actor` may see it: every manager with `payroll.view_all`, else only their own row."""
    if permissions.can(actor, "payroll.view_all"):
        return month_figures(month, today)
    permissions.require(actor, "payroll.own")
    figures = month_figures(month, today)
    mine = figures.row_of(actor.id)
    figures.rows = [mine] if mine else []
    return figures


def everyone(month: Month, actor, today: dt.date | None = None) -> MonthFigures:
    """Every manager's figures: the owner's table and the CLI (no actor: the shop itself)."""
    permissions.require(actor, "payroll.view_all")
    return month_figures(month, today)


def my_today(person) -> Row | None:
    """The start page tile «Мой план сегодня»: this person's row of the current month, if they have a plan."""
    today = clock.local_today()
    month = Month(today.year, today.month)
    if plans.plan_of(month, person.id) is None:
        return None
    return month_figures(month, today).row_of(person.id)
