"""Working hours, bays and the rule of the schedule: one car per bay, one place per mechanic.

Times in the database are naive UTC; hours, days and the grid are in shop time.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from appliance import clock, settings
from appliance.clock import local_to_utc, to_local
from appliance.errors import InputError
from db.models.staff import Staff
from db.models.workshop import Bay, Booking, WorkOrder

log = logging.getLogger(__name__)

# Statuses that hold a bay (and a mechanic) for their slot.
BLOCKING = ("planned", "arrived", "in_work", "waiting_parts", "ready")
# What the wall tablet shows of a day.
BOARD_STATUSES = BLOCKING + ("handed_over",)
# On the car: the job a mechanic is doing now.
ON_BAY = ("arrived", "in_work", "waiting_parts", "ready")


@dataclasses.dataclass(frozen=True)
class Hours:
    opens: dt.time
    closes: dt.time
    slot_minutes: int

    @property
    def minutes(self) -> int:
        return (self.closes.hour * 60 + self.closes.minute) - (self.opens.hour * 60 + self.opens.minute)

    @property
    def opens_minute(self) -> int:
        return self.opens.hour * 60 + self.opens.minute


def _time(text: str, key: str) -> dt.time:
    try:
        hh, mm = (text or "").strip().split(":")
        return dt.time(int(hh), int(mm))
    except ValueError:
        raise InputError(f"[workshop] {key} = «{text}»: нужно время вида 09:00.") from None


def hours() -> Hours:
    cfg = settings.get()
    opens, closes = _time(cfg.get("workshop", "opens"), "opens"), _time(cfg.get("workshop", "closes"), "closes")
    slot = cfg.getint("workshop", "slot_minutes")
    if closes <= opens:
        raise InputError("[workshop] closes должно быть позже opens.")
    if slot not in (10, 15, 20, 30, 60):
        slot = 30
    return Hours(opens, closes, slot)


def bay_names() -> list[str]:
    cfg = settings.get()
    names = [n.strip() for n in (cfg.get("workshop", "bay_names") or "").split(",") if n.strip()]
    count = cfg.getint("workshop", "bays") or len(names) or 1
    count = max(1, min(count, 20))
    return [names[i] if i < len(names) else f"Пост {i + 1}" for i in range(count)]


def sync_bays() -> list[Bay]:
    """Bring the bay rows in line with the settings (renames, more or fewer bays)."""
    wanted = bay_names()
    rows = {b.position: b for b in Bay.select()}
    for position, name in enumerate(wanted, start=1):
        row = rows.get(position)
        if row is None:
            Bay.create(position=position, name=name, active=True)
        elif row.name != name or not row.active:
            row.name, row.active = name, True
            row.save()
    for position, row in rows.items():
        if position > len(wanted) and row.active:
            row.active = False
            row.save()
    return active_bays()


def active_bays() -> list[Bay]:
    bays = list(Bay.select().where(Bay.active).order_by(Bay.position))
    if len(bays) != len(bay_names()):
        return sync_bays()
    return bays


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Opening and closing time of a shop day, in UTC."""
    h = hours()
    return (local_to_utc(dt.datetime.combine(day, h.opens)), local_to_utc(dt.datetime.combine(day, h.closes)))


def local_day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The whole shop-time day (midnight to midnight), in UTC."""
    return clock.days_span(day, day)


def hm(value: dt.datetime) -> str:
    return to_local(value).strftime("%H:%M")


def check_hours(start: dt.datetime, end: dt.datetime) -> None:
    """A work order lies inside one shop day's working hours."""
    if end <= start:
        raise InputError("Окончание работ должно быть позже начала.", "end")
    if end - start < dt.timedelta(minutes=10):
        raise InputError("Слишком короткий заказ-наряд: меньше 10 минут.", "end")
    local_start = to_local(start)
    opens, closes = day_bounds(local_start.date())
    if start < opens or end > closes:
        h = hours()
        raise InputError(f"Мастерская работает с {h.opens:%H:%M} до {h.closes:%H:%M}: "
                         f"{hm(start)}–{hm(end)} выходит за рабочее время.", "start")


# what is refused -> "impossible" agreeing with it («запись невозможна», «перенос невозможен»)
IMPOSSIBLE = {"Запись": "невозможна", "Перенос": "невозможен"}


def check_not_past(start: dt.datetime, what: str = "Запись") -> None:
    grace = dt.timedelta(minutes=hours().slot_minutes)
    if start < clock.utcnow() - grace:
        raise InputError(f"{what} на прошедшее время ({to_local(start):%d.%m %H:%M}) {IMPOSSIBLE[what]}.", "start")


def bay_busy(bay: Bay) -> str:
    """«Пост 1 занят», and for a bay named otherwise «Пост «Развал-схождение» занят» (its name's
    gender is unknown, the word «пост» is masculine)."""
    name = bay.name.strip()
    return f"{name} занят" if name.lower().startswith("пост") else f"Пост «{name}» занят"


def conflicts(bay_id: int, start: dt.datetime, end: dt.datetime, mechanic_id: int | None = None,
              exclude_id: int | None = None) -> list[tuple[str, WorkOrder]]:
    """Work orders that would overlap: ("bay", wo) and ("mechanic", wo)."""
    overlap = (WorkOrder.planned_start < end) & (WorkOrder.planned_end > start) & WorkOrder.status.in_(BLOCKING)
    if exclude_id:
        overlap &= WorkOrder.id != exclude_id
    found = [("bay", wo) for wo in WorkOrder.select().where(overlap & (WorkOrder.bay == bay_id))
             .order_by(WorkOrder.planned_start)]
    if mechanic_id:
        found += [("mechanic", wo) for wo in WorkOrder.select().where(overlap & (WorkOrder.mechanic == mechanic_id))
                  .order_by(WorkOrder.planned_start)]
    return found


def _car(wo: WorkOrder) -> str:
    if wo.vehicle_id:
        v = wo.vehicle
        return " ".join(x for x in (v.make, v.model, v.plate) if x)
    return wo.customer.name


def check_free(bay: Bay, start: dt.datetime, end: dt.datetime, mechanic: Staff | None,
               exclude_id: int | None = None) -> None:
    """Refuse a slot that a car or the mechanic already holds, naming who holds it."""
    found = conflicts(bay.id, start, end, mechanic.id if mechanic else None, exclude_id)
    if not found:
        return
    what, wo = found[0]
    log.info("slot refused: bay %s %s-%s mechanic %s clashes with work order %s (%s)",
             bay.id, start, end, mechanic.id if mechanic else None, wo.id, what)
    if what == "bay":
        raise InputError(f"{bay_busy(bay)} с {hm(wo.planned_start)} до {hm(wo.planned_end)}: "
                         f"{wo.number}, {_car(wo)}. Выберите другое время или пост.", "start")
    raise InputError(f"Механик {mechanic.short_name} в это время уже занят: {hm(wo.planned_start)}–"
                     f"{hm(wo.planned_end)}, {wo.bay.name}, {wo.number}.", "mechanic")


def snap(value: dt.datetime, minutes: int | None = None) -> dt.datetime:
    """Round a UTC time to the grid (in shop time, where the slots are)."""
    step = minutes or hours().slot_minutes
    local = to_local(value).replace(tzinfo=None)
    total = local.hour * 60 + local.minute + (1 if local.second >= 30 else 0)
    snapped = round(total / step) * step
    return local_to_utc(dt.datetime.combine(local.date(), dt.time()) + dt.timedelta(minutes=snapped))


# --- views of the schedule ------------------------------------------------------------

@dataclasses.dataclass
class Block:
    """A work order placed on the grid: offsets in minutes from opening."""

    wo: WorkOrder
    top: int
    height: int
    is_current: bool = False
    is_next: bool = False


def _orders_between(start: dt.datetime, end: dt.datetime, statuses=None):
    query = (WorkOrder.select().where((WorkOrder.planned_start < end) & (WorkOrder.planned_end > start))
             .order_by(WorkOrder.planned_start))
    if statuses:
        query = query.where(WorkOrder.status.in_(statuses))
    return list(query)


def day_grid(day: dt.date, include_closed: bool = True) -> dict:
    """Everything the day grid shows: bays, time rows, blocks per bay, unplanned bookings."""
    h = hours()
    bays = active_bays()
    opens, closes = day_bounds(day)
    statuses = None if include_closed else BOARD_STATUSES
    orders = [wo for wo in _orders_between(opens, closes, statuses) if wo.status != "cancelled"]
    now = clock.utcnow()
    blocks: dict[int, list[Block]] = {b.id: [] for b in bays}
    for wo in orders:
        top = max(0, int((wo.planned_start - opens).total_seconds() // 60))
        bottom = min(h.minutes, int((wo.planned_end - opens).total_seconds() // 60))
        blocks.setdefault(wo.bay_id, []).append(Block(wo, top, max(bottom - top, h.slot_minutes // 2)))
    _mark_current(blocks, now)
    rows = []
    for i in range(0, h.minutes, h.slot_minutes):
        minute = h.opens_minute + i
        rows.append({"offset": i, "label": f"{minute // 60:02d}:{minute % 60:02d}", "hour": minute % 60 == 0})
    now_offset = None
    if opens <= now < closes:
        now_offset = int((now - opens).total_seconds() // 60)
    return {"day": day, "hours": h, "bays": bays, "blocks": blocks, "rows": rows, "now_offset": now_offset,
            "unplanned": unplanned_bookings(), "count": len(orders)}


def _mark_current(blocks: dict[int, list[Block]], now: dt.datetime) -> None:
    for bay_blocks in blocks.values():
        current = [b for b in bay_blocks if b.wo.status in ("arrived", "in_work", "waiting_parts")]
        if not current:
            current = [b for b in bay_blocks if b.wo.status in ("planned", "ready")
                       and b.wo.planned_start <= now < b.wo.planned_end]
        if current:
            current[0].is_current = True
        upcoming = [b for b in bay_blocks if b.wo.status == "planned" and not b.is_current
                    and b.wo.planned_start >= (current[0].wo.planned_start if current else now)]
        if upcoming:
            upcoming[0].is_next = True


def week_grid(monday: dt.date) -> dict:
    bays = active_bays()
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    start, _ = local_day_range(days[0])
    _, end = local_day_range(days[-1])
    cells: dict[tuple[dt.date, int], list[WorkOrder]] = {}
    for wo in _orders_between(start, end):
        if wo.status == "cancelled":
            continue
        cells.setdefault((to_local(wo.planned_start).date(), wo.bay_id), []).append(wo)
    return {"days": days, "bays": bays, "cells": cells, "monday": monday}


def on_board(wo: WorkOrder, day: dt.date) -> bool:
    """Whether the wall tablet shows this work order on that day (the same rule as `board`)."""
    opens, closes = day_bounds(day)
    return wo.status in BOARD_STATUSES and wo.planned_start < closes and wo.planned_end > opens


def board(day: dt.date) -> dict:
    """The wall tablet: per bay, today's jobs in order with the current one and the next marked."""
    grid = day_grid(day, include_closed=False)
    columns = []
    for bay in grid["bays"]:
        items = [b for b in grid["blocks"].get(bay.id, []) if b.wo.status != "no_show"]
        columns.append({"bay": bay, "items": items})
    return {"day": day, "columns": columns, "now": clock.utcnow()}


def unplanned_bookings():
    return list(Booking.select().where(Booking.status == "new")
                .order_by(Booking.wish_at.is_null(), Booking.wish_at, Booking.created_at).limit(50))
