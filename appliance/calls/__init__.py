"""Calls: AMI events become rows first, then calls are assembled per Linkedid.

`store_events(msgs)` writes what the devices process heard into `PbxEvent` (a replayed
packet has the same key and is dropped), then `assemble(linkedid)` rebuilds the call from
*all* its events, so duplicates and events arriving out of order give the same row:

- the root channel (Uniqueid == Linkedid) tells the direction: its Context is one of the
  inbound trunk contexts → in; a ``Local/`` channel (our Originate) or an extension
  dialling a long number → out; else internal;
- a leg per ``DialBegin`` (the desk phone that rang, mapped to staff by extension);
  ``DialEnd ANSWER`` / ``BridgeEnter`` marks the one that answered (the earliest: exactly
  one); the others end with CANCEL / cause 26 and are not "missed" for anybody;
- the root ``Hangup`` ends the call; its Cause (16 normal, 17 busy, 19/21 no answer, 26
  answered elsewhere) and what the legs did give the result.

The modem's caller ID (`record_modem_call`) lands in the same `PhoneCall` table,
``source="modem"``. Missed calls feed «Перезвонить» (appliance.calls.callbacks).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re

from appliance import phones, settings
from appliance.calls import callbacks
from appliance.clock import utcnow
from appliance.customers import find_by_phone
from appliance.errors import InputError
from db import write_transaction
from db.models.calls import DIRECTIONS, RESULTS, CallLeg, ClickToCall, PbxEvent, PbxStatus, PhoneCall
from db.models.staff import Staff

log = logging.getLogger(__name__)

__all__ = ["DIRECTIONS", "RESULTS", "assemble", "ingest", "store_events"]

# Events that say something about a call; the rest (Newexten noise, RTCP, Registry...) is not stored.
CALL_EVENTS = {"newchannel", "dialbegin", "dialend", "bridgeenter", "hangup", "varset", "newexten",
               "originateresponse", "agentconnect"}


def _wanted(name: str, msg) -> bool:
    """VarSet and Newexten come for every dialplan step: keep only the ones naming the recording."""
    if name == "varset":
        return (msg.get("variable") or "").upper() == "MIXMONITOR_FILENAME"
    if name == "newexten":
        return (msg.get("application") or "").lower() == "mixmonitor"
    return name in CALL_EVENTS
CAUSE_LABELS = {16: "нормальное завершение", 17: "занято", 19: "не ответили", 21: "отклонён",
                26: "ответили на другом телефоне", 20: "телефон не зарегистрирован", 34: "нет свободных линий"}
_CHANNEL_EXT = re.compile(r"^(?:PJSIP|SIP|IAX2|DAHDI)/([^-/@]+)-[0-9a-fA-F]+$")
_LOCAL_EXT = re.compile(r"^Local/([^@]+)@")
NO_NUMBER = {"", "<unknown>", "anonymous", "unknown", "restricted", "private"}


def _event_key(msg) -> str:
    body = json.dumps(sorted((k, v) for k, v in msg.items() if k not in ("privilege",)), ensure_ascii=False)
    return hashlib.sha1(body.encode()).hexdigest()


def _event_time(msg, heard_at: dt.datetime) -> dt.datetime:
    stamp = msg.get("timestamp")
    if stamp:
        try:
            return dt.datetime.fromtimestamp(float(stamp), dt.UTC).replace(tzinfo=None)
        except ValueError:
            log.warning("AMI event %s with a bad Timestamp %r", msg.get("event"), stamp)
    return heard_at


def store_events(msgs, heard_at: dt.datetime | None = None) -> set[str]:
    """Commit a batch of AMI events (one transaction); returns the Linkedids they touch."""
    heard_at = heard_at or utcnow()
    touched: set[str] = set()
    rows = []
    for msg in msgs:
        name = (msg.get("event") or "").lower()
        if not _wanted(name, msg):
            continue
        rows.append({"key": _event_key(msg), "name": name, "linkedid": msg.get("linkedid") or "",
                     "uniqueid": msg.get("uniqueid") or "", "at": _event_time(msg, heard_at),
                     "payload": json.dumps(dict(msg), ensure_ascii=False)})
    if not rows:
        return touched
    with write_transaction():
        for row in rows:
            new = PbxEvent.insert(**row).on_conflict_ignore().execute()
            if not new:
                continue
            if row["name"] == "originateresponse":
                touched |= _originate_response(json.loads(row["payload"]))
            elif row["linkedid"]:
                touched.add(row["linkedid"])
        PbxStatus.update(last_event_at=heard_at, events_total=PbxStatus.events_total + len(rows)) \
            .where(PbxStatus.id == 1).execute()
    return touched


def _originate_response(fields: dict) -> set[str]:
    """Our async Originate answered: link its row to the call, or record the refusal."""
    ctc = ClickToCall.get_or_none(ClickToCall.action_id == fields.get("actionid", ""))
    if ctc is None:
        return set()
    if fields.get("response", "").lower() == "success":
        ctc.status, ctc.linkedid = "ringing", fields.get("uniqueid", "")
        ctc.save()
        return {ctc.linkedid}
    ctc.status = "failed"
    ctc.error = (f"Телефон {ctc.extension} не отвечает: он не зарегистрирован на АТС или выключен. "
                 "Проверьте, что трубка подключена, и попробуйте ещё раз.")
    ctc.save()
    return set()


def ingest(msgs) -> list[PhoneCall]:
    """Store and assemble: what the devices process does with every batch."""
    return [c for lid in sorted(store_events(msgs)) if (c := assemble(lid)) is not None]


def extension_of(channel: str) -> str:
    m = _CHANNEL_EXT.match(channel or "") or _LOCAL_EXT.match(channel or "")
    return m.group(1) if m else ""


def clean_number(raw: str | None) -> str:
    """E.164 for an outside number, the digits of an internal one, "" for anonymous."""
    text = (raw or "").strip()
    if text.lower() in NO_NUMBER:
        return ""
    digits = re.sub(r"\D", "", text)
    if len(digits) <= 5:
        return digits
    try:
        return phones.normalize(text)
    except InputError:
        return text


def _staff_by_ext() -> dict[str, Staff]:
    return {s.extension: s for s in Staff.select().where((Staff.extension != "") & Staff.active)}


def inbound_contexts() -> set[str]:
    return {c.strip() for c in settings.get().get("pbx", "inbound_contexts").split(",") if c.strip()}


def assemble(linkedid: str) -> PhoneCall | None:
    """Rebuild the call of this Linkedid from all its stored events (idempotent)."""
    events = list(PbxEvent.select().where(PbxEvent.linkedid == linkedid).order_by(PbxEvent.at, PbxEvent.id))
    if not events:
        return None
    staff = _staff_by_ext()
    ctc = ClickToCall.get_or_none(ClickToCall.linkedid == linkedid)
    root = next((e.fields for e in events if e.name == "newchannel" and e.uniqueid == linkedid), None)
    first = events[0].fields if root is None else root
    root_channel = first.get("channel", "")
    legs: dict[str, dict] = {}
    answered = None
    ended_at = cause = None
    recording = ""
    for ev in events:
        f = ev.fields
        if ev.name == "dialbegin":
            uid = f.get("destuniqueid", "")
            ext = extension_of(f.get("destchannel", ""))
            outside = ext not in staff and not (ext.isdigit() and len(ext) <= 5)
            legs.setdefault(uid, {"uniqueid": uid, "extension": "" if outside else ext, "rang_at": ev.at,
                                  "status": "ringing", "answered_at": None, "ended_at": None, "cause": None,
                                  "outside": outside, "number": f.get("destexten") or f.get("destcalleridnum")})
        elif ev.name == "dialend":
            leg = legs.get(f.get("destuniqueid", ""))
            if leg is not None:
                status = f.get("dialstatus", "").upper()
                leg["status"] = {"ANSWER": "answered", "BUSY": "busy", "CANCEL": "cancel",
                                 "NOANSWER": "noanswer"}.get(status, "failed")
                if status == "ANSWER" and leg["answered_at"] is None:
                    leg["answered_at"] = ev.at
        elif ev.name == "agentconnect":  # a queue member took the call (Dest* is the member's channel)
            leg = legs.get(f.get("destuniqueid", ""))
            if leg is not None and leg["answered_at"] is None:
                leg["status"], leg["answered_at"] = "answered", ev.at
        elif ev.name == "bridgeenter":
            leg = legs.get(ev.uniqueid)
            if leg is not None and leg["answered_at"] is None:
                leg["status"], leg["answered_at"] = "answered", ev.at
        elif ev.name == "hangup":
            c = int(f["cause"]) if str(f.get("cause", "")).isdigit() else None
            if ev.uniqueid == linkedid:
                ended_at, cause = ev.at, c
            elif ev.uniqueid in legs:
                legs[ev.uniqueid]["ended_at"] = ev.at
                legs[ev.uniqueid]["cause"] = c
                if c == 26 and legs[ev.uniqueid]["status"] == "ringing":
                    legs[ev.uniqueid]["status"] = "cancel"
        elif ev.name == "varset" and f.get("variable", "").upper() == "MIXMONITOR_FILENAME":
            recording = f.get("value", "")
        elif ev.name == "newexten" and f.get("application", "").lower() == "mixmonitor":
            recording = recording or f.get("appdata", "").split(",")[0]
    # Direction and the number on the other end.
    context = first.get("context", "")
    root_ext = extension_of(root_channel)
    caller = None
    if ctc is not None or root_channel.startswith("Local/"):
        direction = "out"
        caller = ctc.staff if ctc is not None else staff.get(root_ext)
        outside = next((leg for leg in legs.values() if leg["outside"]), None)
        number = ctc.number if ctc is not None else clean_number(outside["number"] if outside else "")
    elif context in inbound_contexts():
        direction, number = "in", clean_number(first.get("calleridnum"))
    else:
        dialled = clean_number(first.get("exten"))
        if root_ext and dialled.startswith("+"):
            direction, number, caller = "out", dialled, staff.get(root_ext)
        else:
            direction, number = "internal", clean_number(first.get("calleridnum"))
    desk_legs = [leg for leg in legs.values() if not leg["outside"]]
    outside_legs = [leg for leg in legs.values() if leg["outside"]]
    answered_at = None
    answered_ext = ""
    if direction == "out":
        hit = [leg for leg in outside_legs if leg["answered_at"]]
        if hit:
            answered_at = min(leg["answered_at"] for leg in hit)
            answered = caller
            answered_ext = caller.extension if caller else root_ext
    else:
        hit = sorted((leg for leg in desk_legs if leg["answered_at"]), key=lambda leg: leg["answered_at"])
        if hit:
            answered_at, answered_ext = hit[0]["answered_at"], hit[0]["extension"]
            answered = staff.get(answered_ext)
    if ended_at is None:
        result = "talking" if answered_at else "ringing"
    elif answered_at:
        result = "answered"
    elif (ctc is not None and ctc.status == "failed") or cause in (20, 34, 38):
        result = "failed"
    elif cause == 17 or any(leg["status"] == "busy" for leg in legs.values()):
        result = "busy"
    else:
        result = "missed"
    started_at = events[0].at
    return _save(linkedid, dict(
        direction=direction, number=number, started_at=started_at, answered_at=answered_at, ended_at=ended_at,
        answered_by=answered, answered_ext=answered_ext, caller=caller, result=result, cause=cause,
        recording=recording), desk_legs, staff)


def _save(linkedid: str, data: dict, desk_legs: list[dict], staff: dict) -> PhoneCall:
    number = data["number"]
    customer = find_by_phone(number) if number.startswith("+") else None
    with write_transaction():
        call = PhoneCall.get_or_none(PhoneCall.linkedid == linkedid)
        if call is None:
            call = PhoneCall(linkedid=linkedid, source="pbx", started_at=data["started_at"])
        if call.closed_note and data["ended_at"] is None:
            data["ended_at"], data["result"] = call.ended_at, call.result  # closed after a reconnect: keep it
        before = (call.result, call.answered_by_id, call.ended_at, call.number)
        for key, value in data.items():
            setattr(call, key, value)
        call.customer = customer
        if call.id is None or before != (call.result, call.answered_by_id, call.ended_at, call.number):
            call.version += 1
        call.save()
        for leg in desk_legs:
            row = CallLeg.get_or_none((CallLeg.call == call) & (CallLeg.uniqueid == leg["uniqueid"]))
            values = {k: leg[k] for k in ("extension", "rang_at", "answered_at", "ended_at", "status", "cause")}
            values["staff"] = staff.get(leg["extension"])
            if row is None:
                CallLeg.create(call=call, uniqueid=leg["uniqueid"], **values)
            else:
                CallLeg.update(**values).where(CallLeg.id == row.id).execute()
    if call.ended_at is not None and call.number.startswith("+"):
        callbacks.sync(call.number)
    return call


def close_open_calls(before: dt.datetime | None = None, note: str = "закрыт после переподключения к АТС") -> int:
    """After a reconnect: Asterisk does not replay what we missed, so close open calls with what is known."""
    count = 0
    query = PhoneCall.select().where(PhoneCall.ended_at.is_null() & (PhoneCall.source == "pbx"))
    if before is not None:
        query = query.where(PhoneCall.started_at < before)
    for call in query:
        last = (PbxEvent.select(PbxEvent.at).where(PbxEvent.linkedid == call.linkedid)
                .order_by(PbxEvent.at.desc()).first())
        with write_transaction():
            call.ended_at = last.at if last else call.started_at
            call.result = "answered" if call.answered_at else "missed"
            call.closed_note = note
            call.version += 1
            call.save()
            CallLeg.update(ended_at=call.ended_at).where((CallLeg.call == call) & CallLeg.ended_at.is_null()).execute()
        if call.number.startswith("+"):
            callbacks.sync(call.number)
        count += 1
    return count


def record_modem_call(modem_call) -> PhoneCall:
    """The GSM modem's caller ID: the same call model, marked as from the modem (always missed)."""
    with write_transaction():
        call, _ = PhoneCall.get_or_create(
            linkedid=f"modem:{modem_call.id}",
            defaults=dict(source="modem", direction="in", number=modem_call.phone, customer=modem_call.customer,
                          started_at=modem_call.started_at, ended_at=modem_call.ended_at or modem_call.started_at,
                          result="answered" if modem_call.answered else "missed", modem_call=modem_call, version=1))
    if call.number.startswith("+"):
        callbacks.sync(call.number)
    return call


def record_link_state(up: bool, reason: str, url: str) -> None:
    with write_transaction():
        row = PbxStatus.get_or_none(PbxStatus.id == 1) or PbxStatus.create(id=1)
        if row.up != up or row.since is None:
            row.since = utcnow()
        row.up, row.url = up, url
        row.last_error = "" if up else reason[:250]
        if up:
            row.connects += 1
        row.save()
