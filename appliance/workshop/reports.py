"""Workshop numbers: how many inspections turn into repairs, repair visits and the average check.

Definitions (written here so the owner and the code mean the same):
- an inspection counts when it was done: kind "inspection", status ready or handed over,
  planned to start within the period;
- it converted when at least one repair work order links back to it (any date) and that
  repair was not cancelled and the car did not fail to show up;
- a repair visit is a work order handed over within the period (a paid inspection included:
  the customer came and paid; a free 0 ₽ inspection is not a visit and would pull the
  average down); the average repair check is their sum / their count.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from peewee import fn

from db.models.workshop import WorkOrder

DONE = ("ready", "handed_over")
LIVE_REPAIR = ("planned", "arrived", "in_work", "waiting_parts", "ready", "handed_over")


@dataclasses.dataclass
class Conversion:
    inspections: int
    converted: int

    @property
    def rate(self) -> float:
        return self.converted / self.inspections if self.inspections else 0.0

    @property
    def percent(self) -> int:
        return round(self.rate * 100)


def inspection_conversion(start: dt.datetime, end: dt.datetime) -> Conversion:
    done = (WorkOrder.select(WorkOrder.id)
            .where((WorkOrder.kind == "inspection") & WorkOrder.status.in_(DONE)
                   & (WorkOrder.planned_start >= start) & (WorkOrder.planned_start < end)))
    total = done.count()
    Repair = WorkOrder.alias()
    converted = (Repair.select(fn.COUNT(fn.DISTINCT(Repair.inspection)))
                 .where(Repair.inspection.in_(done) & (Repair.kind == "repair") & Repair.status.in_(LIVE_REPAIR))
                 .scalar()) or 0
    return Conversion(total, converted)


@dataclasses.dataclass
class RepairVisits:
    count: int
    total_kop: int

    @property
    def average_kop(self) -> int:
        return self.total_kop // self.count if self.count else 0


def repair_visits(start: dt.datetime, end: dt.datetime, customer_id: int | None = None) -> RepairVisits:
    query = (WorkOrder.select(fn.COUNT(WorkOrder.id), fn.COALESCE(fn.SUM(WorkOrder.total_kop), 0))
             .where((WorkOrder.status == "handed_over") & (WorkOrder.handed_over_at >= start)
                    & (WorkOrder.handed_over_at < end)
                    & ~((WorkOrder.kind == "inspection") & (WorkOrder.total_kop == 0))))
    if customer_id:
        query = query.where(WorkOrder.customer == customer_id)
    count, total = query.tuples().get()
    return RepairVisits(int(count or 0), int(total or 0))


def status_counts(start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    rows = (WorkOrder.select(WorkOrder.status, fn.COUNT(WorkOrder.id))
            .where((WorkOrder.planned_start >= start) & (WorkOrder.planned_start < end))
            .group_by(WorkOrder.status).tuples())
    return dict(rows)
