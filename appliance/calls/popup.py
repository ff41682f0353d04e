"""The screen pop: who is calling, shown to the staff whose desk phone rings.

A person sees an incoming call while his leg rings; when somebody answers, the pop-up
closes for the others and stays for the one who answered (until he closes it, or
`popup_keep_minutes` after the call). `version_for(staff)` is a cheap fingerprint the
page polls, so the pop-up appears within one poll of the event being committed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from appliance import settings
from appliance.clock import utcnow
from db.models.calls import CallLeg, PhoneCall
from db.models.customers import Customer
from db.models.orders import OPEN_STATUSES, ORDER_STATUSES, Order
from db.models.sales import Sale
from db.models.staff import Staff
from db.models.workshop import WorkOrder

RING_MAX = dt.timedelta(minutes=5)  # a leg "ringing" longer than this lost its DialEnd: stop showing it


@dataclass
class Pop:
    call: PhoneCall
    answered_by_me: bool
    customer: Customer | None
    vehicles: list = field(default_factory=list)
    sales: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    next_visit: WorkOrder | None = None


def visible_calls(person: Staff, dismissed=()) -> list[PhoneCall]:
    """Inbound calls this person should see now."""
    if not person.extension:
        return []
    now = utcnow()
    keep = dt.timedelta(minutes=settings.get().getint("pbx", "popup_keep_minutes"))
    ringing = (PhoneCall.select().join(CallLeg).where(
        (CallLeg.staff == person) & (CallLeg.status == "ringing") & PhoneCall.answered_at.is_null()
        & PhoneCall.ended_at.is_null() & (PhoneCall.direction == "in") & (PhoneCall.started_at > now - RING_MAX)))
    mine = PhoneCall.select().where(
        (PhoneCall.answered_by == person) & (PhoneCall.direction == "in")
        & (PhoneCall.ended_at.is_null() | (PhoneCall.ended_at > now - keep)) & (PhoneCall.started_at > now - keep * 6))
    seen, out = set(), []
    for call in list(ringing) + list(mine):
        if call.id not in seen and call.linkedid not in dismissed:
            seen.add(call.id)
            out.append(call)
    return out


def version_for(person: Staff, dismissed=()) -> str:
    calls = visible_calls(person, dismissed)
    return ",".join(f"{c.id}.{c.version}" for c in calls) or "0"


def pops(person: Staff, dismissed=()) -> list[Pop]:
    out = []
    for call in visible_calls(person, dismissed):
        customer = call.customer
        pop = Pop(call, call.answered_by_id == person.id, customer)
        if customer is not None:
            pop.vehicles = list(customer.live_vehicles())
            pop.sales = list(Sale.select().where(Sale.customer == customer).order_by(Sale.date.desc()).limit(3))
            pop.orders = list(Order.select().where((Order.customer == customer) & Order.deleted_at.is_null()
                                                   & (Order.status.in_(OPEN_STATUSES + ("arrived",))))
                              .order_by(Order.created_at.desc()).limit(5))
            pop.next_visit = (WorkOrder.select().where((WorkOrder.customer == customer)
                                                       & (WorkOrder.status == "planned")
                                                       & (WorkOrder.planned_start >= utcnow()))
                              .order_by(WorkOrder.planned_start).first())
        out.append(pop)
    return out


def order_status(order: Order) -> str:
    return ORDER_STATUSES.get(order.status, order.status)
