"""«Перезвонить»: one open entry per number that called and was not answered.

The entry is derived from the calls, not toggled by them, so duplicate or late events
cannot leave a wrong one: `sync(number)` counts the missed incoming calls of that number
since the last thing that closed it (an answered call with it either way, or a person
closing the entry with a reason) and opens, refreshes or closes the entry to match. It
is mirrored by a "missed_call" notification (the hottest kind) with the number as key.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from appliance import audit, notifications, phones, settings
from appliance.clock import to_local, utcnow
from appliance.errors import InputError
from db import write_transaction
from db.models.calls import Callback, PhoneCall

KIND = "missed_call"


def sync(number: str) -> Callback | None:
    calls = list(PhoneCall.select().where((PhoneCall.number == number) & PhoneCall.ended_at.is_null(False))
                 .order_by(PhoneCall.started_at))
    closers = [c for c in calls if c.result == "answered" and c.direction in ("in", "out")]
    by_hand = (Callback.select(Callback.closed_at)
               .where((Callback.number == number) & ~Callback.is_open & Callback.closed_by_call.is_null())
               .order_by(Callback.closed_at.desc()).first())
    bounds = [c.started_at for c in closers] + ([by_hand.closed_at] if by_hand else [])
    boundary = max(bounds) if bounds else None
    missed = [c for c in calls if c.direction == "in" and c.result in ("missed", "busy")
              and (boundary is None or c.started_at > boundary)]
    with write_transaction():
        entry = Callback.get_or_none((Callback.number == number) & Callback.is_open)
        if missed:
            customer = next((c.customer for c in reversed(missed) if c.customer_id), None)
            if entry is None:
                entry = Callback(number=number)
            entry.attempts, entry.first_at, entry.last_at = len(missed), missed[0].started_at, missed[-1].started_at
            entry.customer = customer
            entry.save()
        elif entry is not None:
            closer = closers[-1] if closers else None
            entry.is_open, entry.closed_at, entry.closed_by_call = False, utcnow(), closer
            entry.reason = ("перезвонили" if closer and closer.direction == "out" else "дозвонился сам") \
                if closer else "закрыт"
            entry.save()
    if missed:
        shown = phones.display(number)
        who = entry.customer.name if entry.customer_id else "новый номер"
        notifications.raise_notification(
            KIND, number, f"Пропущенный звонок: {shown}",
            f"{who}: звонков без ответа — {entry.attempts}, первый в {to_local(entry.first_at):%H:%M}. Перезвоните.",
            url=f"/customers/{entry.customer_id}" if entry.customer_id else "/calls/callbacks")
    elif entry is not None:
        notifications.resolve(KIND, number, comment=entry.reason)
    return entry if missed else None


def close_by_hand(entry_id: int, actor, reason: str) -> Callback:
    reason = (reason or "").strip()
    if not reason:
        raise InputError("Напишите, почему закрываете без звонка (например: «купил в другом месте»).", "reason")
    entry = Callback.get_or_none(Callback.id == entry_id)
    if entry is None or not entry.is_open:
        raise InputError("Этот номер уже убран из «Перезвонить».", "reason")
    with write_transaction():
        entry.is_open, entry.closed_at, entry.closed_by, entry.reason = False, utcnow(), actor, reason[:200]
        entry.save()
        audit.record(actor, "close", entry, {"is_open": (True, False)}, note=reason)
    notifications.resolve(KIND, entry.number, by=actor, comment=reason)
    return entry


def open_entries() -> list[Callback]:
    return list(Callback.select().where(Callback.is_open).order_by(Callback.first_at))


@dataclass
class Waiting:
    entry: Callback
    waited_minutes: int
    colour: str  # ok (within the target) | warn (same day) | bad (overdue)
    label: str


def waiting(entry: Callback, now: dt.datetime | None = None) -> Waiting:
    now = now or utcnow()
    minutes = int((now - entry.first_at).total_seconds() // 60)
    target = settings.get().getint("pbx", "callback_target_minutes")
    same_day = to_local(entry.first_at).date() == to_local(now).date()
    if minutes <= target:
        return Waiting(entry, minutes, "ok", f"ждёт {minutes} мин")
    if same_day and settings.get().getbool("pbx", "callback_same_day"):
        return Waiting(entry, minutes, "warn", f"ждёт {minutes // 60} ч {minutes % 60} мин")
    return Waiting(entry, minutes, "bad", "просрочен")
