"""Call lists as people and scripts read them: the CLI's JSON, the card's history, the staff's desk phones."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from appliance import audit, permissions, settings
from appliance.errors import InputError
from db import write_transaction
from db.models.calls import Callback, CallLeg, PhoneCall
from db.models.staff import Staff


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(tzinfo=dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def rang_logins(call: PhoneCall) -> list[str]:
    legs = CallLeg.select(CallLeg, Staff).join(Staff).where(CallLeg.call == call).order_by(CallLeg.rang_at)
    seen: list[str] = []
    for leg in legs:
        if leg.staff.username not in seen:
            seen.append(leg.staff.username)
    return seen


def call_json(call: PhoneCall) -> dict:
    return {"linkedid": call.linkedid, "direction": call.direction, "number": call.number,
            "customer_id": call.customer_id, "rang": rang_logins(call),
            "answered_by": call.answered_by.username if call.answered_by_id else None,
            "started_at": _iso(call.started_at), "answered_at": _iso(call.answered_at),
            "ended_at": _iso(call.ended_at), "wait_s": call.wait_s, "talk_s": call.talk_s,
            "result": call.result, "recording": call.recording or None, "source": call.source}


def callback_json(entry: Callback) -> dict:
    return {"number": entry.number, "customer_id": entry.customer_id, "attempts": entry.attempts,
            "first_at": _iso(entry.first_at), "last_at": _iso(entry.last_at)}


def calls_since(since: dt.datetime | None = None, limit: int = 10_000) -> list[PhoneCall]:
    query = PhoneCall.select().order_by(PhoneCall.started_at)
    if since is not None:
        query = query.where(PhoneCall.started_at >= since)
    return list(query.limit(limit))


def for_customer(customer, limit: int = 30) -> list[PhoneCall]:
    return list(PhoneCall.select().where(PhoneCall.customer == customer)
                .order_by(PhoneCall.started_at.desc()).limit(limit))


def set_extension(person: Staff, extension: str, actor=None) -> Staff:
    """A desk phone for a staff member ("" takes it away); one extension belongs to one active person."""
    if actor is not None:
        permissions.require(actor, "staff.manage")
    ext = (extension or "").strip()
    if ext and not re.fullmatch(r"\d{2,6}", ext):
        raise InputError(f"Внутренний номер — это 2–6 цифр, как на трубке (например, 101), а не «{ext}».",
                         "extension")
    holder = Staff.get_or_none((Staff.extension == ext) & Staff.active & (Staff.id != person.id)) if ext else None
    if holder is not None:
        raise InputError(f"Номер {ext} уже у сотрудника {holder.full_name}.", "extension")
    with write_transaction():
        old = person.extension
        Staff.update(extension=ext).where(Staff.id == person.id).execute()
        audit.record(actor, "update", person, {"extension": (old, ext)})
    person.extension = ext
    return person


def recording_path(call_id: int) -> Path | None:
    """The call's MixMonitor file inside `[pbx] recordings_dir`, or None (no file, or a name leading outside)."""
    call = PhoneCall.get_or_none(PhoneCall.id == call_id)
    folder = settings.get().get("pbx", "recordings_dir")
    if call is None or not call.recording or not folder:
        return None
    base = Path(folder).resolve()
    path = (base / Path(call.recording).name).resolve()
    return path if path.parent == base and path.is_file() else None


def staff_member(staff_id: int) -> Staff | None:
    return Staff.get_or_none(Staff.id == staff_id)
