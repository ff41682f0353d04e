"""The rules the workshop pages show and follow, out of the views: the dialog's default end
time, what a booking gives its work order, and which status buttons each person sees (the
desk's by the permission table, the wall tablet's by the owner's switch)."""
from __future__ import annotations

from appliance import customers, permissions, settings
from appliance.clock import to_local
from appliance.errors import InputError
from appliance.workshop import schedule, work_orders
from appliance.workshop.work_orders import (
    ACTION_LABELS,
    BOARD_ACTIONS,
    STATUS_ACTIONS,
    TRANSITIONS,
    OrderInput,
)
from db.models.workshop import Booking, WorkOrder

# Statuses after which a work order takes no more parts from the customer's orders.
CLOSED = ("handed_over", "cancelled")


def default_end(start: str | None) -> str | None:
    """The end a click on the grid proposes for a start "HH:MM": [workshop] default_duration_minutes
    later, never past closing time. None when the start is no time."""
    try:
        hh, mm = (start or "").split(":")
        minutes = int(hh) * 60 + int(mm) + settings.get().getint("workshop", "default_duration_minutes")
    except ValueError:
        return None
    closes = schedule.hours().closes
    minutes = min(minutes, closes.hour * 60 + closes.minute)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def wished_slot(booking: Booking, form: dict) -> dict:
    """«запланировать» on a booking: the dialog opens on the time the customer wished (its day and
    hour); a booking dropped on the grid keeps the slot it was dropped on."""
    if booking.wish_at is None or form.get("start"):
        return {}
    local = to_local(booking.wish_at)
    return {"date": local.date().isoformat(), "start": f"{local:%H:%M}"}


def from_booking(data: OrderInput, booking: Booking) -> OrderInput:
    """A booking dropped on the grid: its customer, and its car and complaint unless the dialog
    gave others."""
    data.customer_id, data.booking_id = booking.customer_id, booking.id
    data.vehicle_id = data.vehicle_id or booking.vehicle_id
    if not data.complaint.strip():
        data.complaint = work_orders.booking_complaint(booking)
    return data


def plan(data: OrderInput, actor=None, *, booking_id: int | None = None, customer_id: int | None = None,
         phone: str = "", name: str = "", car: customers.VehicleInput | None = None) -> WorkOrder:
    """The grid's dialog saved: a work order for the booking, else for the customer picked,
    else for the phone typed (found or added with the car, see work_orders.create_for_phone)."""
    if booking_id:
        booking = Booking.get_or_none(Booking.id == booking_id)
        if booking is None:
            raise InputError("Запись не найдена.", "booking")
        return work_orders.create(from_booking(data, booking), actor)
    if customer_id:
        data.customer_id = customer_id
        return work_orders.create(data, actor)
    return work_orders.create_for_phone(phone, name, car, data, actor)


def desk_actions(wo: WorkOrder, actor) -> list[tuple[str, str]]:
    """The work order page's status buttons: the statuses that may follow, those this person may set."""
    return [(s, ACTION_LABELS.get(s, s)) for s in TRANSITIONS.get(wo.status, ())
            if permissions.can(actor, STATUS_ACTIONS[s], wo)]


def tablet_actions(wo: WorkOrder) -> list[tuple[str, str]]:
    """The tablet popup's buttons: the floor's steps («начал», «ждём запчасти», «готово») that
    may follow the work order's status."""
    return [(s, label) for s, label in BOARD_ACTIONS.items() if s in TRANSITIONS.get(wo.status, ())]


def tablet_may_change(actor, wo: WorkOrder) -> bool:
    """Whether the popup offers the buttons at all: the permission table's board row (for a
    mechanic and the tablet, the owner's switch; for the tablet, today's work only)."""
    return permissions.can(actor, "work_order.board_status", wo)


def is_tablet(user) -> bool:
    """The wall tablet's account (it must say which mechanic taps)."""
    return getattr(user, "role", None) == "display"


def movable(wo: WorkOrder) -> bool:
    """Whether the work order may still be dragged on the grid (it holds its bay)."""
    return wo.status in schedule.BLOCKING


def takes_order_parts(wo: WorkOrder) -> bool:
    return wo.status not in CLOSED


def offers_inspection(wo: WorkOrder) -> bool:
    """A repair not linked to an inspection may be linked to the car's open one."""
    return wo.kind == "repair" and not wo.inspection_id
