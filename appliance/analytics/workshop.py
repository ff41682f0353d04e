"""Figure 10: the workshop's inspection → repair conversion (the workshop area's definition,
appliance.workshop.reports) and bay load.

Bay load = minutes planned on the bays in the period (work orders not cancelled and not a
no-show, by planned start) ÷ (active bays × opening minutes × the shop's working days in the
period, [orders] working_days).
"""
from __future__ import annotations

import datetime as dt

from appliance.analytics.base import Table, pct
from appliance.analytics.period import Period
from appliance.clock import shop_date
from appliance.orders.orders import shop_weekdays
from appliance.workshop import reports, schedule
from db.models.workshop import WorkOrder

NOT_ON_BAY = ("cancelled", "no_show")


def working_days(p: Period) -> int:
    weekdays = shop_weekdays()
    return sum(1 for i in range(p.days) if (p.first + dt.timedelta(days=i)).isoweekday() in weekdays)


def _planned(p: Period):
    start, end = p.bounds
    return WorkOrder.select().where((WorkOrder.planned_start >= start) & (WorkOrder.planned_start < end)
                                    & WorkOrder.status.not_in(NOT_ON_BAY))


def summary(p: Period, manager_id: int | None = None) -> dict:
    start, end = p.bounds
    conv = reports.inspection_conversion(start, end)
    minutes = sum((e - s).total_seconds() / 60 for s, e in
                  _planned(p).select(WorkOrder.planned_start, WorkOrder.planned_end).tuples())
    capacity = len(schedule.active_bays()) * schedule.hours().minutes * working_days(p)
    visits = reports.repair_visits(start, end)
    return {"inspections": conv.inspections, "converted": conv.converted,
            "conversion_pct": pct(conv.converted, conv.inspections), "bay_load_pct": pct(minutes, capacity),
            "planned_hours": minutes / 60, "visits": visits.count}


def inspections_table(p: Period, manager_id: int | None = None) -> Table:
    start, end = p.bounds
    rows, links = [], []
    for wo in (WorkOrder.select().where((WorkOrder.kind == "inspection") & WorkOrder.status.in_(reports.DONE)
                                        & (WorkOrder.planned_start >= start) & (WorkOrder.planned_start < end))
               .order_by(WorkOrder.planned_start)):
        repair = next((r for r in wo.repairs if r.kind == "repair" and r.status in reports.LIVE_REPAIR), None)
        rows.append([wo.number, shop_date(wo.planned_start), wo.customer.name, wo.car_text,
                     repair.number if repair else "нет ремонта"])
        links.append(wo.customer_id)
    return Table("Осмотры и ремонты после них", ["Осмотр", "Дата", "Клиент", "Автомобиль", "Ремонт"],
                 ["text", "date", "text", "text", "text"], rows, links)


def bays_table(p: Period, manager_id: int | None = None) -> Table:
    per_bay: dict[int, float] = {}
    for bay_id, s, e in _planned(p).select(WorkOrder.bay, WorkOrder.planned_start, WorkOrder.planned_end).tuples():
        per_bay[bay_id] = per_bay.get(bay_id, 0) + (e - s).total_seconds() / 60
    capacity = schedule.hours().minutes * working_days(p)
    rows = [[bay.name, round(per_bay.get(bay.id, 0) / 60, 1), round(capacity / 60, 1), pct(per_bay.get(bay.id, 0), capacity)]
            for bay in schedule.active_bays()]
    return Table("Загрузка постов", ["Пост", "Запланировано, ч", "Рабочих часов", "Загрузка, %"],
                 ["text", "num", "num", "pct"], rows)
