"""Figures 2-5: sums of purchases and repairs, purchase frequency, average check, the car models
that bring the money.

Receipts are `Sale` rows (parts from 1C; repairs from 1C or from a handed-over work order).
- a receipt with a total of zero or less (a correction, a return as a negative receipt) counts
  in the sums but is not a check: the average check is sum of checks / number of checks;
- frequency: checks of known customers per buyer in the period (an anonymous receipt has
  no buyer: it counts in the sums and the average check, not in the frequency);
- a receipt belongs to a car: a repair to the work order's car; a parts receipt to the
  customer's first car on the card (the shop cannot know which of two cars a filter was
  for); no car → «автомобиль не указан»;
- margin: 1C sends no cost price in the exchange the shop uses, so margin is shown «—».
A manager's own figures count the receipts where that manager is the seller.
"""
from __future__ import annotations

import datetime as dt

from peewee import JOIN, Case, fn

from appliance import settings
from appliance.analytics.base import NO_CAR, NO_MANAGER, Table, bucket, manager_names, ratio
from appliance.analytics.period import Period
from appliance.clock import day_start, shop_date
from db.models.customers import Customer, Vehicle
from db.models.sales import SALE_KINDS, Sale
from db.models.workshop import WorkOrder

KINDS = ("parts", "repair")
MARGIN_NOTE = "Маржа: 1С не присылает себестоимость — посчитать нельзя."


def _top() -> int:
    return settings.get().getint("analytics", "top")


def _in(p: Period, manager_id: int | None = None, q=None):
    start, end = p.bounds
    q = (q if q is not None else Sale.select()).where((Sale.date >= start) & (Sale.date < end))
    if manager_id is not None:
        q = q.where(Sale.manager == manager_id)
    return q


def _checks():
    return fn.SUM(Case(None, [(Sale.total_kop > 0, 1)], 0))


def summary(p: Period, manager_id: int | None = None) -> dict:
    """Sums, checks, average check and frequency for parts and repairs (one grouped query)."""
    positive = Sale.total_kop > 0
    q = _in(p, manager_id, Sale.select(
        Sale.kind, fn.SUM(Sale.total_kop), _checks(), fn.SUM(Case(None, [(positive, Sale.total_kop)], 0)),
        fn.SUM(Case(None, [(positive & Sale.customer.is_null(False), 1)], 0)),
        fn.COUNT(fn.DISTINCT(Sale.customer)))).group_by(Sale.kind)
    rows = {kind: [int(v or 0) for v in rest] for kind, *rest in q.tuples()}
    out: dict = {}
    for kind in KINDS:
        total, checks, pos_sum, known_checks, buyers = rows.get(kind, (0, 0, 0, 0, 0))
        out[f"{kind}_kop"] = total
        out[f"{kind}_checks"] = checks
        out[f"{kind}_avg_kop"] = pos_sum // checks if checks else None
        out[f"{kind}_buyers"] = buyers
        # receipts of known customers per buyer: an anonymous receipt has no buyer to count
        out[f"{kind}_frequency"] = ratio(known_checks, buyers)
    out["total_kop"] = out["parts_kop"] + out["repair_kop"]
    return out


# --- the car behind a receipt -------------------------------------------------------------

def _car_query(p: Period, manager_id: int | None, *columns):
    first_car = (Vehicle.select(Vehicle.customer.alias("cid"), fn.MIN(Vehicle.id).alias("vid"))
                 .where(Vehicle.deleted_at.is_null()).group_by(Vehicle.customer).alias("first_car"))
    car = Vehicle  # the receipt's car (not an alias: an alias's `.model` is peewee's own attribute)
    q = (Sale.select(car.make, car.model, *columns)
         .join(WorkOrder, JOIN.LEFT_OUTER, on=(WorkOrder.sale == Sale.id))
         .join_from(Sale, first_car, JOIN.LEFT_OUTER, on=(first_car.c.cid == Sale.customer))
         .join_from(Sale, car, JOIN.LEFT_OUTER, on=(car.id == fn.COALESCE(WorkOrder.vehicle, first_car.c.vid))))
    return _in(p, manager_id, q).group_by(car.make, car.model)


def _car_name(make, model) -> str:
    return f"{make or ''} {model or ''}".strip() or NO_CAR


def by_model(p: Period, manager_id: int | None = None) -> list[dict]:
    """Per make and model: revenue of parts and repairs, checks, buyers, average check, frequency."""
    cols = [fn.SUM(Case(None, [(Sale.kind == k, Sale.total_kop)], 0)) for k in KINDS]
    cols += [fn.SUM(Case(None, [((Sale.kind == k) & (Sale.total_kop > 0), 1)], 0)) for k in KINDS]
    cols += [fn.SUM(Case(None, [((Sale.kind == k) & (Sale.total_kop > 0), Sale.total_kop)], 0)) for k in KINDS]
    cols += [fn.SUM(Case(None, [((Sale.kind == "parts") & (Sale.total_kop > 0) & Sale.customer.is_null(False), 1)], 0)),
             fn.COUNT(fn.DISTINCT(Case(None, [(Sale.kind == "parts", Sale.customer)], None)))]
    out: dict[str, dict] = {}
    for make, model, pk, rk, pc, rc, ppos, rpos, known, buyers in _car_query(p, manager_id, *cols).tuples():
        name = _car_name(make, model)
        row = out.setdefault(name, {"car": name, "parts_kop": 0, "repair_kop": 0, "parts_checks": 0, "repair_checks": 0,
                                    "parts_pos": 0, "repair_pos": 0, "known": 0, "buyers": 0})
        for key, v in (("parts_kop", pk), ("repair_kop", rk), ("parts_checks", pc), ("repair_checks", rc),
                       ("parts_pos", ppos), ("repair_pos", rpos), ("known", known), ("buyers", buyers)):
            row[key] += int(v or 0)
    for row in out.values():
        row["total_kop"] = row["parts_kop"] + row["repair_kop"]
        row["parts_avg_kop"] = row["parts_pos"] // row["parts_checks"] if row["parts_checks"] else None
        row["repair_avg_kop"] = row["repair_pos"] // row["repair_checks"] if row["repair_checks"] else None
        row["frequency"] = ratio(row["known"], row["buyers"])
        row["margin_kop"] = None
    return sorted(out.values(), key=lambda r: (-r["total_kop"], r["car"]))


def by_customer(p: Period, manager_id: int | None = None, limit: int | None = None) -> list[dict]:
    """Per customer: parts and repair sums, receipts; the top first."""
    q = _in(p, manager_id, Sale.select(
        Sale.customer, fn.SUM(Case(None, [(Sale.kind == "parts", Sale.total_kop)], 0)),
        fn.SUM(Case(None, [(Sale.kind == "repair", Sale.total_kop)], 0)),
        fn.SUM(Case(None, [((Sale.kind == "parts") & (Sale.total_kop > 0), 1)], 0)),
        fn.SUM(Case(None, [((Sale.kind == "repair") & (Sale.total_kop > 0), 1)], 0)))
    ).where(Sale.customer.is_null(False)).group_by(Sale.customer).order_by(fn.SUM(Sale.total_kop).desc(), Sale.customer)
    if limit:
        q = q.limit(limit)
    rows = list(q.tuples())
    names = {c.id: c.name for c in Customer.select(Customer.id, Customer.name).where(Customer.id.in_([r[0] for r in rows]))}
    return [{"customer_id": cid, "name": names.get(cid, "?"), "parts_kop": int(pk or 0), "repair_kop": int(rk or 0),
             "total_kop": int(pk or 0) + int(rk or 0), "parts_checks": int(pc or 0), "repair_checks": int(rc or 0)}
            for cid, pk, rk, pc, rc in rows]


def by_manager(p: Period) -> list[dict]:
    """Per seller: sums, checks and average check of parts and repairs (a receipt with no seller
    is «без менеджера»)."""
    names = manager_names()
    out: dict = {}
    for mid, kind, total, checks, positive in _in(p, None, Sale.select(
            Sale.manager, Sale.kind, fn.SUM(Sale.total_kop), _checks(),
            fn.SUM(Case(None, [(Sale.total_kop > 0, Sale.total_kop)], 0)))).group_by(Sale.manager, Sale.kind).tuples():
        row = out.setdefault(mid, {"manager_id": mid, "name": names.get(mid, NO_MANAGER),
                                   **{f"{k}_{x}": 0 for k in KINDS for x in ("kop", "checks", "pos")}})
        if kind in KINDS:
            row[f"{kind}_kop"] += int(total or 0)
            row[f"{kind}_checks"] += int(checks or 0)
            row[f"{kind}_pos"] += int(positive or 0)
    for row in out.values():
        for k in KINDS:
            row[f"{k}_avg_kop"] = row[f"{k}_pos"] // row[f"{k}_checks"] if row[f"{k}_checks"] else None
    return sorted(out.values(), key=lambda r: (-(r["parts_kop"] + r["repair_kop"]), r["name"]))


def by_week(p: Period, manager_id: int | None = None) -> list[tuple[dt.date, int, int]]:
    """Revenue per shop week (from Monday), parts and repairs: the chart. One grouped query with a
    portable CASE of week boundaries (no database date functions)."""
    mondays = []
    monday = p.first - dt.timedelta(days=p.first.weekday())
    while monday <= p.last:
        mondays.append(monday)
        monday += dt.timedelta(days=7)
    edges = [day_start(m) for m in mondays] + [day_start(mondays[-1] + dt.timedelta(days=7))]
    slot = bucket(Sale.date, edges)
    sums = {m: [0, 0] for m in mondays}
    for i, kind, total in _in(p, manager_id, Sale.select(slot, Sale.kind, fn.SUM(Sale.total_kop))).group_by(
            slot, Sale.kind).tuples():
        if 0 <= i < len(mondays):
            sums[mondays[i]][0 if kind == "parts" else 1] += int(total or 0)
    return [(m, v[0], v[1]) for m, v in sums.items()]


# --- the lists behind the figures ---------------------------------------------------------

def receipts_table(p: Period, manager_id: int | None = None, kind: str | None = None) -> Table:
    names = manager_names()
    q = _in(p, manager_id, Sale.select(Sale, Customer).join(Customer, JOIN.LEFT_OUTER)).order_by(Sale.date, Sale.id)
    if kind:
        q = q.where(Sale.kind == kind)
    rows, links = [], []
    for s in q:
        rows.append([s.number, shop_date(s.date), SALE_KINDS.get(s.kind, s.kind), s.customer.name if s.customer_id else "",
                     names.get(s.manager_id, NO_MANAGER), s.total_kop])
        links.append(s.customer_id)
    title = {"parts": "Чеки запчастей", "repair": "Чеки ремонтов"}.get(kind or "", "Все чеки")
    return Table(f"{title} за период", ["Чек", "Дата", "Вид", "Клиент", "Продавец", "Сумма"],
                 ["text", "date", "text", "text", "text", "money"], rows, links)


def customers_table(p: Period, manager_id: int | None = None) -> Table:
    rows = by_customer(p, manager_id)
    return Table("Покупатели за период: суммы и частота", ["Клиент", "Запчасти", "Ремонт", "Всего", "Чеков запчастей",
                                                           "Чеков ремонта"],
                 ["text", "money", "money", "money", "int", "int"],
                 [[r["name"], r["parts_kop"], r["repair_kop"], r["total_kop"], r["parts_checks"], r["repair_checks"]]
                  for r in rows], [r["customer_id"] for r in rows])


def models_table(p: Period, manager_id: int | None = None) -> Table:
    rows = by_model(p, manager_id)
    return Table("Марки и модели: выручка, средний чек, частота",
                 ["Марка и модель", "Выручка", "Запчасти", "Ремонт", "Маржа", "Средний чек запчастей",
                  "Средний чек ремонта", "Покупок на покупателя"],
                 ["text", "money", "money", "money", "money", "money", "money", "num"],
                 [[r["car"], r["total_kop"], r["parts_kop"], r["repair_kop"], r["margin_kop"], r["parts_avg_kop"],
                   r["repair_avg_kop"], r["frequency"]] for r in rows], [], MARGIN_NOTE)


def managers_table(p: Period, manager_id: int | None = None) -> Table:
    rows = [r for r in by_manager(p) if manager_id is None or r["manager_id"] == manager_id]
    return Table("Средний чек по менеджерам", ["Менеджер", "Запчасти", "Чеков", "Средний чек запчастей", "Ремонт",
                                               "Чеков ремонта", "Средний чек ремонта"],
                 ["text", "money", "int", "money", "money", "int", "money"],
                 [[r["name"], r["parts_kop"], r["parts_checks"], r["parts_avg_kop"], r["repair_kop"], r["repair_checks"],
                   r["repair_avg_kop"]] for r in rows])


