"""Inspections a repair can follow (осмотр → ремонт): the car's open one, which a new repair links
to by default, and the customer's recent ones the planning dialog offers to choose from."""
from __future__ import annotations

import datetime as dt

from appliance import clock
from appliance.errors import InputError
from db.models.customers import Customer, Vehicle
from db.models.workshop import WorkOrder

DONE = ("ready", "handed_over")
RECENT_DAYS = 180


def open_inspection(vehicle: Vehicle | None, days: int = RECENT_DAYS) -> WorkOrder | None:
    """The latest finished inspection of this car with findings and no repair after it yet."""
    if vehicle is None:
        return None
    since = clock.utcnow() - dt.timedelta(days=days)
    for wo in (WorkOrder.select().where((WorkOrder.vehicle == vehicle.id) & (WorkOrder.kind == "inspection")
                                        & WorkOrder.status.in_(DONE) & (WorkOrder.planned_start >= since))
               .order_by(WorkOrder.planned_start.desc())):
        has_repair = WorkOrder.select().where((WorkOrder.inspection == wo.id)
                                              & WorkOrder.status.not_in(("cancelled", "no_show"))).exists()
        if not has_repair and wo.findings.exists():
            return wo
    return None


def recent_for(customer: Customer | None, days: int = RECENT_DAYS, limit: int = 10) -> list[WorkOrder]:
    """The customer's finished inspections of the last ``days``, newest first (the dialog's choice)."""
    if customer is None:
        return []
    since = clock.utcnow() - dt.timedelta(days=days)
    return list(WorkOrder.select().where((WorkOrder.customer == customer.id) & (WorkOrder.kind == "inspection")
                                         & WorkOrder.status.in_(DONE) & (WorkOrder.planned_start >= since))
                .order_by(WorkOrder.planned_start.desc()).limit(limit))


def chosen(inspection_id: int, customer: Customer) -> WorkOrder:
    """The inspection a person linked a repair to: it must be one, and this customer's."""
    inspection = WorkOrder.get_or_none((WorkOrder.id == inspection_id) & (WorkOrder.kind == "inspection"))
    if inspection is None:
        raise InputError("Осмотр не найден.", "inspection")
    if inspection.customer_id != customer.id:
        raise InputError(f"{inspection.number} — осмотр другого клиента: выберите осмотр этого автомобиля.",
                         "inspection")
    return inspection
