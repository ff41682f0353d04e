"""The owner's dashboard (/analytics) and a manager's «Мои показатели»: which figures sit on which
tile, each computed for the period, the previous one and a year ago; the lists behind them.

The figures themselves live in their group's module (customers, sales, orders, workshop,
ratings, calls); this module only lays them out.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

from appliance.analytics import calls, charts, customers, orders, ratings, sales, workshop
from appliance.analytics.base import NO_CAR, Table
from appliance.analytics.period import Period
from appliance.analytics.tile import Figure, Tile
from appliance.errors import InputError
from appliance.ratings.report import trend_svg

# A figure: (label, value key, format, list key[, False = a figure of today, not compared]).
Spec = tuple


@dataclasses.dataclass(frozen=True)
class TileSpec:
    key: str
    title: str
    summary: Callable[[Period, int | None], dict]
    figures: tuple[Spec, ...]
    details: tuple[tuple[str, str], ...] = ()
    mine: bool = True  # shown on a manager's «Мои показатели» (with the manager's own numbers)
    note: str = ""


TILES: tuple[TileSpec, ...] = (
    TileSpec("customers", "Клиенты", customers.summary, (
        ("Всего клиентов", "total", "int", "customers_total"),
        ("Активных", "active", "int", "customers_active"),
        ("Новых за период", "new", "int", "customers_new")),
        (("new_by_manager", "новые по менеджерам"), ("by_source", "по источникам"))),
    TileSpec("sales", "Покупки и ремонты", sales.summary, (
        ("Выручка", "total_kop", "money", "receipts"),
        ("Запчасти", "parts_kop", "money", "receipts_parts"),
        ("Ремонты", "repair_kop", "money", "receipts_repair")),
        (("top_customers", "по клиентам"), ("models", "по маркам и моделям"))),
    TileSpec("frequency", "Частота покупок", sales.summary, (
        ("Покупок запчастей на покупателя", "parts_frequency", "num", "top_customers"),
        ("Покупателей запчастей", "parts_buyers", "int", "top_customers"),
        ("Чеков запчастей", "parts_checks", "int", "receipts_parts")),
        (("models", "по маркам и моделям"),)),
    TileSpec("check", "Средний чек", sales.summary, (
        ("Запчасти", "parts_avg_kop", "money", "managers_check"),
        ("Ремонт", "repair_avg_kop", "money", "managers_check"),
        ("Чеков ремонта", "repair_checks", "int", "receipts_repair")),
        (("managers_check", "по менеджерам"), ("models", "по маркам и моделям"))),
    TileSpec("workshop_customers", "Магазин и мастерская", customers.workshop_summary, (
        ("Покупатели запчастей, которые ремонтировались у нас", "workshop_share_pct", "pct", None),
        ("Покупают, но ни разу не ремонтировались", "parts_only", "int", "parts_only"),
        ("Новый клиент за первый год", "first_year_avg_kop", "money", "first_year")),
        (("parts_only", "кому предложить пробный ремонт"), ("first_year", "первый год новых клиентов"))),
    TileSpec("orders", "Заказы запчастей", orders.summary, (
        ("Выкуп", "buyout_pct", "pct", "orders_managers"),
        ("Выкуп с предоплатой", "buyout_prepaid_pct", "pct", None),
        ("Выкуп без предоплаты", "buyout_no_prepay_pct", "pct", None),
        ("Средний срок заказа, дней", "avg_days", "days", None),
        ("Пришли в срок", "on_time_pct", "pct", "orders_managers"),
        ("Пришли и не забраны (сейчас)", "shelf_orders", "int", "orders_managers", False)),
        (("orders_managers", "по менеджерам"),)),
    TileSpec("workshop", "Мастерская", workshop.summary, (
        ("Осмотр → ремонт", "conversion_pct", "pct", "inspections"),
        ("Осмотров", "inspections", "int", "inspections"),
        ("Загрузка постов", "bay_load_pct", "pct", "bays")),
        (("inspections", "осмотры"), ("bays", "по постам")), mine=False),
    TileSpec("ratings", "Оценки", ratings.summary, (
        ("Средняя оценка", "average", "score", "ratings"),
        ("NPS", "nps", "int", "ratings"),
        ("Ответов", "answers", "int", "ratings")),
        (("ratings", "по отделам и сотрудникам"),)),
    TileSpec("calls", "Звонки", calls.summary, (
        ("Принято звонков", "received", "int", "calls"),
        ("Пропущено", "missed", "int", "calls"),
        ("Пропущено и не перезвонили", "never_called_back", "int", "calls"),
        ("Среднее ожидание, с", "avg_wait_s", "int", "calls"),
        ("Средний разговор, с", "avg_talk_s", "int", "calls"),
        ("Конверсия в покупку, заказ или ремонт", "conversion_pct", "pct", "calls")),
        (("calls", "по отделам и сотрудникам"),)),
)

# The list behind a figure: key -> function(period, manager_id) -> Table.
DETAILS: dict[str, Callable[[Period, int | None], Table]] = {
    "customers_total": customers.total_table,
    "customers_active": customers.active_table,
    "customers_new": customers.new_table,
    "new_by_manager": customers.new_by_manager_table,
    "by_source": customers.by_source_table,
    "receipts": sales.receipts_table,
    "receipts_parts": lambda p, m: sales.receipts_table(p, m, "parts"),
    "receipts_repair": lambda p, m: sales.receipts_table(p, m, "repair"),
    "top_customers": sales.customers_table,
    "models": sales.models_table,
    "managers_check": sales.managers_table,
    "parts_only": customers.parts_only_table,
    "first_year": customers.first_year_table,
    "orders_managers": orders.managers_table,
    "inspections": workshop.inspections_table,
    "bays": workshop.bays_table,
    "ratings": ratings.table,
    "calls": calls.table,
}
OWNER_ONLY_DETAILS = {"new_by_manager", "inspections", "bays"}


@dataclasses.dataclass
class Dashboard:
    period: Period
    previous: Period
    year_ago: Period
    tiles: list[Tile]
    charts: dict[str, str]
    manager_id: int | None = None

    def as_json(self) -> dict:
        return {"from": self.period.first.isoformat(), "to": self.period.last.isoformat(),
                "previous": [self.previous.first.isoformat(), self.previous.last.isoformat()],
                "year_ago": [self.year_ago.first.isoformat(), self.year_ago.last.isoformat()],
                "tiles": [t.as_json() for t in self.tiles]}


def _tile(spec: TileSpec, values: list[dict], manager_id: int | None) -> Tile:
    cur, prev, ago = values
    figures = []
    for label, key, fmt, detail, *rest in spec.figures:
        if key not in cur:
            continue
        if manager_id is not None and detail in OWNER_ONLY_DETAILS:
            detail = None
        figures.append(Figure(label, fmt, cur.get(key), prev.get(key), ago.get(key), detail,
                              compare=not rest or rest[0]))
    details = [(k, t) for k, t in spec.details if manager_id is None or k not in OWNER_ONLY_DETAILS]
    return Tile(spec.key, spec.title, figures, details, note=spec.note)


def build(period: Period, manager_id: int | None = None, with_charts: bool = True) -> Dashboard:
    """Every tile for the period (a manager's own figures when ``manager_id`` is given)."""
    periods = (period, period.previous(), period.year_ago())
    cache: dict = {}
    tiles = []
    for spec in TILES:
        if manager_id is not None and not spec.mine:
            continue
        values = []
        for p in periods:
            key = (spec.summary, p)
            if key not in cache:
                cache[key] = spec.summary(p, manager_id)
            values.append(cache[key])
        tiles.append(_tile(spec, values, manager_id))
        if spec.key == "sales":
            tiles[-1].table = _top_models(period, manager_id)
    tiles.append(calls.campaigns_tile(period, manager_id))
    out = {}
    if with_charts:
        out["revenue"] = charts.revenue_weeks_svg(sales.by_week(period, manager_id))
        if manager_id is None:
            out["active"] = charts.active_months_svg(customers.active_by_month(period.last))
        out["check"] = charts.managers_check_svg(
            [(r["name"], r["parts_avg_kop"], r["repair_avg_kop"]) for r in sales.by_manager(period)
             if manager_id is None or r["manager_id"] == manager_id])
        out["ratings"] = trend_svg(cache[(ratings.summary, period)]["report"].weeks)
    return Dashboard(period, periods[1], periods[2], tiles, out, manager_id)


def _top_models(period: Period, manager_id: int | None, n: int = 5) -> Table:
    rows = [r for r in sales.by_model(period, manager_id) if r["car"] != NO_CAR][:n]
    return Table("Модели, которые приносят больше всего", ["Марка и модель", "Выручка", "Маржа"],
                 ["text", "money", "money"], [[r["car"], r["total_kop"], r["margin_kop"]] for r in rows], [],
                 sales.MARGIN_NOTE)


def detail(key: str, period: Period, manager_id: int | None = None) -> Table:
    """The customers or documents behind a figure; an unknown key is a Russian refusal."""
    fn = DETAILS.get(key)
    if fn is None or (manager_id is not None and key in OWNER_ONLY_DETAILS):
        raise InputError(f"Такого списка нет: «{key[:30]}».", "list")
    return fn(period, manager_id)
