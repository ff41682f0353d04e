"""An order line's state machine: which status may follow which, the move itself with its
timeline entry and audit, and the order's status derived from its lines.

The bottom of the orders area: orders.py (create, edit, issue) and arrival.py (goods in)
both move lines through here, and neither imports the other's rules for it.
"""
from __future__ import annotations

from appliance import audit, clock, money, settings
from appliance.errors import InputError
from db import write_transaction
from db.models.orders import CLOSED_BAD, LINE_STATUSES, STAGES, Arrival, Order, OrderEvent, OrderLine

# Which line transitions a person (or a supplier's status, or a receipt) may make.
ALLOWED: dict[str, tuple[str, ...]] = {
    "new": ("ordered", "arrived", "cancelled"),
    "ordered": ("confirmed", "shipped", "arrived", "refused", "cancelled"),
    "confirmed": ("shipped", "arrived", "refused", "cancelled"),
    "shipped": ("arrived", "refused", "cancelled"),
    "arrived": ("issued", "returned"),
    "issued": ("returned",),
    "refused": ("new", "cancelled"),
    "cancelled": (),
    "returned": (),
}
MAX_QTY = 10_000  # pieces on one line: more is a typo


def problem_key(order: Order | int, problem: str) -> str:
    """The key of an order's notification ("order:12:late"); `problem=""` gives the prefix of all of them."""
    return f"order:{getattr(order, 'id', order)}:{problem}"


def setting_int(key: str) -> int:
    return settings.get().getint("orders", key)


def money_text(kop: int) -> str:
    """Kopecks as an SMS or a timeline note says them: '2 300 ₽', '1 500,50 ₽'."""
    return money.text(kop, space="\u00a0").replace("\u00a0₽", " ₽")


def add_event(order: Order, action: str, actor=None, line: OrderLine | None = None, from_status: str = "",
              to_status: str = "", note: str = "") -> OrderEvent:
    return OrderEvent.create(order=order, line=line, at=clock.utcnow(), actor=actor if getattr(actor, "id", None) else None,
                             action=action, from_status=from_status, to_status=to_status, note=note[:2000])


def lines_of(order: Order) -> list[OrderLine]:
    return list(order.lines.order_by(OrderLine.position, OrderLine.id))


# --- statuses -----------------------------------------------------------------------

def derive_status(statuses: list[str]) -> str:
    alive = [s for s in statuses if s not in CLOSED_BAD]
    if not alive:
        for bad in ("refused", "returned"):
            if bad in statuses:
                return bad
        return "cancelled"
    return min(alive, key=STAGES.index)


def awaited_lines(lines: list[OrderLine]) -> list[OrderLine]:
    """The lines the customer waits for: those marked "tell me", else every live line."""
    alive = [ln for ln in lines if ln.status not in CLOSED_BAD]
    flagged = [ln for ln in alive if ln.notify]
    return flagged or alive


def recompute(order: Order) -> Order:
    """Store the derived status and the arrival/issue moments of the whole order."""
    lines = list(OrderLine.select().where(OrderLine.order == order.id))
    status = derive_status([ln.status for ln in lines])
    alive = [ln for ln in lines if ln.status not in CLOSED_BAD]
    arrived_at = issued_at = None
    if alive and all(ln.status in ("arrived", "issued") for ln in alive):
        arrived_at = max((ln.arrived_at for ln in alive if ln.arrived_at), default=None) or clock.utcnow()
    if alive and all(ln.status == "issued" for ln in alive):
        issued_at = max((ln.issued_at for ln in alive if ln.issued_at), default=None) or clock.utcnow()
    Order.update(status=status, arrived_at=arrived_at, issued_at=issued_at, updated_at=clock.utcnow()).where(
        Order.id == order.id).execute()
    order.status, order.arrived_at, order.issued_at = status, arrived_at, issued_at
    return order


def transition(line: OrderLine, to_status: str, actor=None, *, supplier_ref: str | None = None, reason: str = "",
               arrival: Arrival | None = None, note: str = "", recompute_order: bool = True) -> OrderLine:
    """Move one line to a new status, if that move makes sense; records who and when."""
    if to_status not in LINE_STATUSES:
        raise InputError(f"Неизвестный статус «{to_status}».", "status")
    old = line.status
    if to_status == old:
        if to_status == "ordered" and supplier_ref is not None and supplier_ref.strip() != line.supplier_ref:
            pass  # a corrected supplier reference on an ordered line
        else:
            return line
    elif to_status not in ALLOWED.get(old, ()):
        raise InputError(f"Позицию {line.article} нельзя перевести из «{LINE_STATUSES[old]}» "
                         f"в «{LINE_STATUSES[to_status]}».", "status")
    if to_status == "refused" and not (reason or "").strip():
        reason = "поставщик отказал"
    now = clock.utcnow()
    with write_transaction():
        line.status, line.status_at = to_status, now
        if supplier_ref is not None:
            line.supplier_ref = supplier_ref.strip()[:100]
        if to_status == "ordered" and not line.ordered_at:
            line.ordered_at = now
        if to_status == "arrived":
            line.arrived_at, line.arrival = now, arrival
        if to_status == "issued":
            line.issued_at = now
        if to_status == "new":  # re-order after a refusal: a fresh start at the supplier
            line.supplier_ref, line.ordered_at = "", None
        if to_status in ("refused", "cancelled", "returned"):
            line.reason = (reason or "").strip()[:1000]
        line.save()
        text = " · ".join(x for x in (
            f"№ у поставщика {line.supplier_ref}" if to_status == "ordered" and line.supplier_ref else "",
            reason.strip() if reason else "", note) if x)
        add_event(line.order, "status", actor, line, old, to_status, text)
        if actor is not None:
            audit.record(actor, "status", line, {"status": (old, to_status)}, note=f"заказ №{line.order_id}")
        if recompute_order:
            recompute(line.order)
    return line
