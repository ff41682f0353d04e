"""What the owner asks about orders, for a period (shop-local dates, both ends included).

- on the shelf: the sum of arrived, not picked up lines now (total and per manager);
- buyout: issued / arrived for lines that arrived in the period, split by whether the
  order had a prepayment;
- duration: average days from order creation to issue, for orders issued in the period;
- on time: share of lines arrived in the period by the promised date, total and per manager.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from appliance.clock import days_span, to_local
from db.models.orders import Order, OrderLine
from db.models.staff import Staff


@dataclasses.dataclass
class ManagerRow:
    manager_id: int | None
    name: str
    shelf_kop: int = 0
    shelf_orders: int = 0
    arrived: int = 0
    on_time: int = 0
    issued: int = 0

    @property
    def on_time_pct(self) -> float | None:
        return 100.0 * self.on_time / self.arrived if self.arrived else None

    @property
    def buyout_pct(self) -> float | None:
        return 100.0 * self.issued / self.arrived if self.arrived else None


@dataclasses.dataclass
class OrdersReport:
    date_from: dt.date
    date_to: dt.date
    shelf_kop: int = 0
    shelf_orders: int = 0
    arrived: int = 0  # lines arrived in the period
    issued: int = 0  # of those, issued by now
    arrived_prepaid: int = 0
    issued_prepaid: int = 0
    on_time: int = 0
    orders_issued: int = 0
    avg_days: float | None = None
    managers: list[ManagerRow] = dataclasses.field(default_factory=list)

    @staticmethod
    def _pct(a: int, b: int) -> float | None:
        return 100.0 * a / b if b else None

    @property
    def buyout_pct(self) -> float | None:
        return self._pct(self.issued, self.arrived)

    @property
    def buyout_prepaid_pct(self) -> float | None:
        return self._pct(self.issued_prepaid, self.arrived_prepaid)

    @property
    def buyout_no_prepay_pct(self) -> float | None:
        return self._pct(self.issued - self.issued_prepaid, self.arrived - self.arrived_prepaid)

    @property
    def on_time_pct(self) -> float | None:
        return self._pct(self.on_time, self.arrived)


DEFAULT_DAYS = 30


def default_from(date_to: dt.date) -> dt.date:
    """The last 30 days, today included: on the 2nd of a month «from the 1st» would be two days."""
    return date_to - dt.timedelta(days=DEFAULT_DAYS - 1)


def _bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return days_span(date_from, date_to)


def build(date_from: dt.date, date_to: dt.date) -> OrdersReport:
    report = OrdersReport(date_from, date_to)
    names = {s.id: s.short_name for s in Staff.select()}
    rows: dict[int | None, ManagerRow] = {}

    def row(manager_id):
        if manager_id not in rows:
            rows[manager_id] = ManagerRow(manager_id, names.get(manager_id, "без менеджера"))
        return rows[manager_id]

    shelf = (OrderLine.select(OrderLine, Order).join(Order)
             .where((OrderLine.status == "arrived") & Order.deleted_at.is_null()))
    shelf_orders: dict[int | None, set[int]] = {}
    for line in shelf:
        r = row(line.order.manager_id)
        r.shelf_kop += line.sum_kop
        report.shelf_kop += line.sum_kop
        shelf_orders.setdefault(line.order.manager_id, set()).add(line.order_id)
    for manager_id, ids in shelf_orders.items():
        row(manager_id).shelf_orders = len(ids)
    report.shelf_orders = sum(len(ids) for ids in shelf_orders.values())

    start, end = _bounds(date_from, date_to)
    arrived = (OrderLine.select(OrderLine, Order).join(Order)
               .where(OrderLine.arrived_at.between(start, end - dt.timedelta(microseconds=1))
                      & Order.deleted_at.is_null()))
    for line in arrived:
        order = line.order
        r = row(order.manager_id)
        prepaid = order.prepayment_kop > 0
        report.arrived += 1
        r.arrived += 1
        report.arrived_prepaid += prepaid
        if line.status == "issued":
            report.issued += 1
            r.issued += 1
            report.issued_prepaid += prepaid
        if order.promised_date is None or to_local(line.arrived_at).date() <= order.promised_date:
            report.on_time += 1
            r.on_time += 1

    durations = []
    for order in Order.select().where(Order.issued_at.between(start, end - dt.timedelta(microseconds=1))
                                      & Order.deleted_at.is_null()):
        durations.append((order.issued_at - order.created_at).total_seconds() / 86400)
    report.orders_issued = len(durations)
    report.avg_days = sum(durations) / len(durations) if durations else None
    report.managers = sorted(rows.values(), key=lambda r: (-r.arrived, -r.shelf_kop, r.name))
    return report
