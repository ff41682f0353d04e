"""Figure 1 (customers: total, active, new, per manager who added them, by source) and figure 6
(parts buyers who never repaired here, the share who also use the workshop, a new customer's
first year).

- total: live customers (not deleted, not merged) added by the period's last day;
- active: live customers with a receipt (parts or repair) or a handed-over work order within
  ``[analytics] active_months`` months before the period's end;
- "repaired here": a repair receipt or a handed-over repair work order, at any time;
- first year: what customers added in the period spent within 365 days of being added
  (up to today when the year is not over yet).
A manager's own figures count the customers that manager added.
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime as dt

from peewee import fn

from appliance import settings
from appliance.analytics.base import NO_MANAGER, Table, live_customer, manager_names, pct
from appliance.analytics.period import Period, shift_months
from appliance.clock import day_start, shop_date, utcnow
from db import database
from db.models.customers import SOURCES, Customer, Phone
from db.models.sales import Sale
from db.models.workshop import WorkOrder


def active_months() -> int:
    return max(1, settings.get().getint("analytics", "active_months"))


def active_window(last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC: the ``active_months`` months that end with the shop day ``last``."""
    end_day = last + dt.timedelta(days=1)
    return day_start(shift_months(end_day, -active_months())), day_start(end_day)


def _base(end: dt.datetime, manager_id: int | None):
    q = Customer.select(Customer.id).where(live_customer() & (Customer.created_at < end))
    if manager_id is not None:
        q = q.where(Customer.created_by == manager_id)
    return q


def active_ids(last: dt.date, manager_id: int | None = None):
    """The ids of the active customers on the shop day ``last`` (a subquery)."""
    start, end = active_window(last)
    bought = Sale.select(Sale.customer).where((Sale.date >= start) & (Sale.date < end) & Sale.customer.is_null(False))
    repaired = WorkOrder.select(WorkOrder.customer).where((WorkOrder.status == "handed_over")
                                                         & (WorkOrder.handed_over_at >= start)
                                                         & (WorkOrder.handed_over_at < end))
    return _base(end, manager_id).where(Customer.id.in_(bought) | Customer.id.in_(repaired))


def active_count(last: dt.date, manager_id: int | None = None) -> int:
    """How many customers are active on ``last``: the same rule as ``active_ids``, counted over a
    UNION of the window's buyers (read by the date indexes) joined to the live customers."""
    start, end = active_window(last)
    who = (Sale.select(Sale.customer.alias("cid")).where((Sale.date >= start) & (Sale.date < end))
           | WorkOrder.select(WorkOrder.customer.alias("cid")).where(
               (WorkOrder.status == "handed_over") & (WorkOrder.handed_over_at >= start) & (WorkOrder.handed_over_at < end)))
    u = who.alias("u")
    q = (Customer.select(fn.COUNT(Customer.id)).join(u, on=(u.c.cid == Customer.id))
         .where(live_customer() & (Customer.created_at < end)))
    if manager_id is not None:
        q = q.where(Customer.created_by == manager_id)
    return q.scalar() or 0


def _new(p: Period, manager_id: int | None = None):
    start, end = p.bounds
    q = Customer.select().where(live_customer() & (Customer.created_at >= start) & (Customer.created_at < end))
    if manager_id is not None:
        q = q.where(Customer.created_by == manager_id)
    return q


def summary(p: Period, manager_id: int | None = None) -> dict:
    _, end = p.bounds
    return {"total": _base(end, manager_id).count(), "active": active_count(p.last, manager_id),
            "new": _new(p, manager_id).count()}


def new_by_manager(p: Period) -> list[tuple[str, int]]:
    names = manager_names()
    rows = (_new(p).select(Customer.created_by, fn.COUNT(Customer.id)).group_by(Customer.created_by).tuples())
    return sorted(((names.get(m, NO_MANAGER), n) for m, n in rows), key=lambda r: (-r[1], r[0]))


def by_source(p: Period, manager_id: int | None = None) -> list[tuple[str, int]]:
    rows = _new(p, manager_id).select(Customer.source, fn.COUNT(Customer.id)).group_by(Customer.source).tuples()
    return sorted(((SOURCES.get(s, s), n) for s, n in rows), key=lambda r: (-r[1], r[0]))


def active_by_month(last: dt.date, months: int = 12) -> list[tuple[dt.date, int]]:
    """Active customers at the end of each of the ``months`` months up to ``last`` (the chart).

    One indexed range read of (customer, moment) for receipts and handed-over work orders;
    each moment is put into its month by bisecting the month boundaries in Python (what a
    GROUP BY over a CASE costs four times as much in SQLite), then a sliding window of
    ``active_months`` months. Moments compare as stored: text in SQLite, timestamps elsewhere.
    """
    window = active_months()
    ends = [min(shift_months(last.replace(day=1), -i + 1) - dt.timedelta(days=1), last) for i in range(months - 1, -1, -1)]
    first_month = shift_months(ends[0].replace(day=1), -window + 1)
    month_starts = [shift_months(first_month, i) for i in range(months + window - 1)]
    edges = [day_start(m) for m in month_starts] + [day_start(last + dt.timedelta(days=1))]
    gone = {cid for (cid,) in Customer.select(Customer.id).where(~live_customer()).tuples()}
    seen: list[set[int]] = [set() for _ in month_starts]
    for model, when, who, extra in ((Sale, Sale.date, Sale.customer, Sale.customer.is_null(False)),
                                    (WorkOrder, WorkOrder.handed_over_at, WorkOrder.customer,
                                     WorkOrder.status == "handed_over")):
        q = model.select(who, when).where((when >= edges[0]) & (when < edges[-1]) & extra)
        keys = None
        for cid, moment in database.execute(q):
            if keys is None:
                keys = [str(e) for e in edges] if isinstance(moment, str) else edges
            i = bisect.bisect_right(keys, moment) - 1
            if 0 <= i < len(seen) and cid not in gone:
                seen[i].add(cid)
    out = []
    for k, end in enumerate(ends):
        active: set[int] = set().union(*seen[k:k + window])
        out.append((end.replace(day=1), len(active)))
    return out


def _customer_table(title: str, query, note: str = "") -> Table:
    names = manager_names()
    ids = [c.id for c in query]
    phones = {}
    for ph in Phone.select().where(Phone.customer.in_(ids)).order_by(Phone.is_primary.desc(), Phone.id):
        phones.setdefault(ph.customer_id, ph.e164)
    rows, links = [], []
    for c in Customer.select().where(Customer.id.in_(ids)).order_by(Customer.name):
        rows.append([c.name, phones.get(c.id, ""), c.source_label, shop_date(c.created_at), names.get(c.created_by_id, NO_MANAGER)])
        links.append(c.id)
    return Table(title, ["Клиент", "Телефон", "Источник", "Добавлен", "Кто добавил"],
                 ["text", "phone", "text", "date", "text"], rows, links, note)


def total_table(p: Period, manager_id: int | None = None) -> Table:
    _, end = p.bounds
    return _customer_table("Все клиенты", Customer.select(Customer.id).where(Customer.id.in_(_base(end, manager_id))))


def active_table(p: Period, manager_id: int | None = None) -> Table:
    return _customer_table(f"Активные клиенты (покупка или ремонт за {active_months()} мес.)",
                           Customer.select(Customer.id).where(Customer.id.in_(active_ids(p.last, manager_id))))


def new_table(p: Period, manager_id: int | None = None) -> Table:
    return _customer_table("Новые клиенты за период", _new(p, manager_id))


def new_by_manager_table(p: Period, manager_id: int | None = None) -> Table:
    rows = new_by_manager(p)
    return Table("Новые клиенты по менеджерам", ["Менеджер", "Новых клиентов"], ["text", "int"], [list(r) for r in rows])


def by_source_table(p: Period, manager_id: int | None = None) -> Table:
    rows = by_source(p, manager_id)
    return Table("Новые клиенты по источникам", ["Источник", "Новых клиентов"], ["text", "int"], [list(r) for r in rows])


# --- figure 6: the shop and the workshop ------------------------------------------------

def _repaired_here():
    """The customer (of the outer query) repaired here at any time: a repair receipt or a
    handed-over repair. Correlated EXISTS, so each customer is one probe of its own index."""
    receipt = Sale.select(Sale.id).where((Sale.customer == Customer.id) & (Sale.kind == "repair"))
    work = WorkOrder.select(WorkOrder.id).where((WorkOrder.customer == Customer.id) & (WorkOrder.kind == "repair")
                                                & (WorkOrder.status == "handed_over"))
    return fn.EXISTS(receipt) | fn.EXISTS(work)


def _parts_buyers(p: Period, manager_id: int | None = None):
    start, end = p.bounds
    q = Sale.select(Sale.customer).where((Sale.kind == "parts") & (Sale.date >= start) & (Sale.date < end)
                                         & Sale.customer.is_null(False))
    if manager_id is not None:
        q = q.where(Sale.manager == manager_id)
    return q


def workshop_summary(p: Period, manager_id: int | None = None) -> dict:
    buyers = Customer.select(Customer.id).where(live_customer() & Customer.id.in_(_parts_buyers(p, manager_id)))
    total = buyers.count()
    both = buyers.where(_repaired_here()).count()
    first = first_year(p, manager_id)
    return {"parts_buyers": total, "parts_only": total - both, "workshop_share_pct": pct(both, total),
            "first_year_avg_kop": first.average_kop, "first_year_customers": first.customers}


def parts_only_table(p: Period, manager_id: int | None = None) -> Table:
    q = Customer.select(Customer.id).where(live_customer() & Customer.id.in_(_parts_buyers(p, manager_id))
                                           & ~_repaired_here())
    return _customer_table("Покупают запчасти, но ни разу не ремонтировались у нас", q,
                           "Кому предложить пробный ремонт.")


@dataclasses.dataclass
class FirstYear:
    customers: int
    parts_kop: int
    repair_kop: int
    rows: list[tuple[Customer, int, int]]
    complete: bool  # every customer's year is over

    @property
    def average_kop(self) -> int | None:
        return (self.parts_kop + self.repair_kop) // self.customers if self.customers else None

    @property
    def average_parts_kop(self) -> int | None:
        return self.parts_kop // self.customers if self.customers else None

    @property
    def average_repair_kop(self) -> int | None:
        return self.repair_kop // self.customers if self.customers else None


def first_year(p: Period, manager_id: int | None = None) -> FirstYear:
    """What the customers added in the period spent in their first 365 days, shop and workshop."""
    year = dt.timedelta(days=365)
    newcomers = list(_new(p, manager_id))
    if not newcomers:
        return FirstYear(0, 0, 0, [], True)
    since = {c.id: c.created_at for c in newcomers}
    spent = {c.id: {"parts": 0, "repair": 0} for c in newcomers}
    lo, hi = min(since.values()), max(since.values()) + year
    for cid, kind, when, total in (Sale.select(Sale.customer, Sale.kind, Sale.date, Sale.total_kop)
                                   .where(Sale.customer.in_(list(since)) & (Sale.date >= lo) & (Sale.date < hi)).tuples()):
        if since[cid] <= when < since[cid] + year and kind in spent[cid]:
            spent[cid][kind] += total
    rows = sorted(((c, spent[c.id]["parts"], spent[c.id]["repair"]) for c in newcomers),
                  key=lambda r: (-(r[1] + r[2]), r[0].name))
    return FirstYear(len(newcomers), sum(r[1] for r in rows), sum(r[2] for r in rows), rows,
                     max(since.values()) + year <= utcnow())


def first_year_table(p: Period, manager_id: int | None = None) -> Table:
    fy = first_year(p, manager_id)
    note = "" if fy.complete else "Год ещё не прошёл для части клиентов: суммы на сегодня."
    return Table("Первый год нового клиента", ["Клиент", "Источник", "Добавлен", "Запчасти", "Ремонт", "Всего"],
                 ["text", "text", "date", "money", "money", "money"],
                 [[c.name, c.source_label, shop_date(c.created_at), a, b, a + b] for c, a, b in fy.rows],
                 [c.id for c, _, _ in fy.rows], note)

