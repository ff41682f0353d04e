"""Call metrics for a period: overall, per department and per manager, and a series per day.

Definitions (what the owner reads on the page):
- received: incoming calls from outside (PBX and the modem's caller ID); internal calls don't count;
- answered / missed: answered by a desk phone / nobody answered (busy counts as missed);
- never called back: missed, and no later answered call with that number either way (up to now);
- wait: from the first ring to the answer (answered calls); talk: answer to hang-up;
- conversion: an answered incoming call with a known customer that is followed within
  `[pbx] conversion_days` by a purchase (a sale of parts), a parts order or a repair
  (a repair sale or a work order) made by the manager who answered.
Departments: the shop (owner, managers) and the workshop (mechanics / service advisors).
An answered call counts for the person (and department) who answered; a missed one for
every person whose phone rang (and the department of the first of them), so a manager's
row says how many of the calls that reached his phone he took.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from appliance import settings
from appliance.clock import days_span, shop_date, utcnow
from db.models.calls import CallLeg, PhoneCall
from db.models.orders import Order
from db.models.sales import Sale
from db.models.staff import Staff
from db.models.workshop import WorkOrder

DEPARTMENTS = {"shop": "Магазин", "workshop": "Мастерская"}


def department_of(person: Staff | None) -> str:
    return "workshop" if person is not None and person.role == "mechanic" else "shop"


@dataclass
class Figures:
    received: int = 0
    answered: int = 0
    missed: int = 0
    never_called_back: int = 0
    wait_total: int = 0
    talk_total: int = 0
    with_customer: int = 0
    purchase: int = 0
    order: int = 0
    repair: int = 0
    converted: int = 0

    @property
    def avg_wait(self) -> int | None:
        return round(self.wait_total / self.answered) if self.answered else None

    @property
    def avg_talk(self) -> int | None:
        return round(self.talk_total / self.answered) if self.answered else None

    def rate(self, count: int) -> int | None:
        """Per cent of answered calls with a known customer."""
        return round(100 * count / self.with_customer) if self.with_customer else None


@dataclass
class Report:
    first: dt.date
    last: dt.date
    days: int
    total: Figures
    departments: dict[str, Figures]
    managers: list[tuple[Staff, Figures]]
    per_day: list[tuple[dt.date, int, int, int]] = field(default_factory=list)  # day, received, answered, missed


def _called_back(call: PhoneCall, later: dict[str, list[dt.datetime]]) -> bool:
    return any(t > call.started_at for t in later.get(call.number, ()))


def _conversions(call: PhoneCall, days: int) -> tuple[bool, bool, bool]:
    end = call.started_at + dt.timedelta(days=days)
    who, customer = call.answered_by_id, call.customer_id
    window = lambda col: (col >= call.started_at) & (col < end)  # noqa: E731 - three uses, one line each
    purchase = Sale.select().where((Sale.customer == customer) & (Sale.manager == who) & (Sale.kind != "repair")
                                   & window(Sale.date)).exists()
    order = Order.select().where((Order.customer == customer) & (Order.manager == who)
                                 & Order.deleted_at.is_null() & window(Order.created_at)).exists()
    repair = (Sale.select().where((Sale.customer == customer) & (Sale.manager == who) & (Sale.kind == "repair")
                                  & window(Sale.date)).exists()
              or WorkOrder.select().where((WorkOrder.customer == customer) & (WorkOrder.created_by == who)
                                          & window(WorkOrder.created_at)).exists())
    return purchase, order, repair


def _add(fig: Figures, call: PhoneCall, called_back: bool, conv: tuple[bool, bool, bool] | None) -> None:
    fig.received += 1
    if call.result == "answered":
        fig.answered += 1
        fig.wait_total += call.wait_s or 0
        fig.talk_total += call.talk_s or 0
        if conv is not None:
            fig.with_customer += 1
            fig.purchase += conv[0]
            fig.order += conv[1]
            fig.repair += conv[2]
            fig.converted += any(conv)
    else:
        fig.missed += 1
        fig.never_called_back += not called_back


def report(first: dt.date, last: dt.date) -> Report:
    start, end = days_span(first, last)
    days = settings.get().getint("pbx", "conversion_days")
    incoming = list(PhoneCall.select().where((PhoneCall.direction == "in") & PhoneCall.ended_at.is_null(False)
                                             & (PhoneCall.started_at >= start) & (PhoneCall.started_at < end)
                                             & (PhoneCall.number != "")).order_by(PhoneCall.started_at))
    later: dict[str, list[dt.datetime]] = defaultdict(list)
    for c in PhoneCall.select(PhoneCall.number, PhoneCall.started_at).where(
            (PhoneCall.result == "answered") & (PhoneCall.started_at >= start) & (PhoneCall.started_at < utcnow())
            & PhoneCall.direction.in_(("in", "out"))):
        later[c.number].append(c.started_at)
    staff = {s.id: s for s in Staff.select()}
    rang: dict[int, list[int]] = defaultdict(list)
    missed_ids = [c.id for c in incoming if c.result != "answered"]
    for i in range(0, len(missed_ids), 500):
        for leg in (CallLeg.select(CallLeg.call, CallLeg.staff).where(
                CallLeg.call.in_(missed_ids[i:i + 500]) & CallLeg.staff.is_null(False)).order_by(CallLeg.id)):
            if leg.staff_id not in rang[leg.call_id]:
                rang[leg.call_id].append(leg.staff_id)
    total, deps = Figures(), {k: Figures() for k in DEPARTMENTS}
    per_person: dict[int, Figures] = defaultdict(Figures)
    per_day: dict[dt.date, list[int]] = {first + dt.timedelta(days=i): [0, 0, 0]
                                         for i in range((last - first).days + 1)}
    for call in incoming:
        back = call.result == "answered" or _called_back(call, later)
        conv = _conversions(call, days) if call.result == "answered" and call.customer_id and call.answered_by_id \
            else None
        _add(total, call, back, conv)
        if call.result == "answered":
            person = staff.get(call.answered_by_id)
            _add(deps[department_of(person)], call, back, conv)
            if person is not None:
                _add(per_person[person.id], call, back, conv)
        else:
            ringers = [staff[i] for i in rang.get(call.id, []) if i in staff]
            _add(deps[department_of(ringers[0] if ringers else None)], call, back, conv)
            for person in ringers:
                _add(per_person[person.id], call, back, conv)
        day = per_day.setdefault(shop_date(call.started_at), [0, 0, 0])
        day[0] += 1
        day[1 if call.result == "answered" else 2] += 1
    managers = sorted(((staff[i], f) for i, f in per_person.items()), key=lambda p: p[0].full_name)
    return Report(first, last, days, total, deps, managers,
                  [(d, *v) for d, v in sorted(per_day.items())])


def chart_svg(rep: Report, width: int = 720, height: int = 180) -> dict:
    """Bars per day (answered below, missed on top) as numbers for the template's inline SVG."""
    peak = max((r for _, r, _, _ in rep.per_day), default=0) or 1
    n = max(len(rep.per_day), 1)
    step = width / n
    bars = []
    for i, (day, received, answered, missed) in enumerate(rep.per_day):
        h_ans = (height - 20) * answered / peak
        h_mis = (height - 20) * missed / peak
        bars.append({"x": round(i * step + 1, 1), "w": round(max(step - 2, 1), 1), "day": day,
                     "ans_y": round(height - h_ans, 1), "ans_h": round(h_ans, 1),
                     "mis_y": round(height - h_ans - h_mis, 1), "mis_h": round(h_mis, 1),
                     "received": received, "answered": answered, "missed": missed})
    return {"width": width, "height": height, "bars": bars, "peak": peak}
