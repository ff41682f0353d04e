"""Click-to-call: a person asks, a `ClickToCall` row waits, the devices process sends the Originate.

The web process never talks to the PBX: it writes the row and polls it; the devices
process (which owns the AMI link) sends ``Originate`` async and Asterisk's
``OriginateResponse`` (see appliance.calls.store_events) says whether the desk phone
rang. A manager without an extension is refused at once, in plain Russian.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid

from appliance import audit, permissions, phones, settings
from appliance.clock import utcnow
from appliance.customers import find_by_phone
from appliance.errors import InputError
from db import write_transaction
from db.models.calls import ClickToCall, PbxStatus
from db.models.staff import Staff
from hardware.pbx import AmiError

log = logging.getLogger(__name__)


def request_call(actor: Staff, number: str) -> ClickToCall:
    permissions.require(actor, "calls.dial")
    if not actor.extension:
        raise InputError("У вас не указан внутренний номер телефона. Попросите владельца вписать его "
                         "на странице «Сотрудники».", "number")
    if not settings.get().get("pbx", "url"):
        raise InputError("Офисная АТС не подключена: звонок из программы недоступен.", "number")
    raw = (number or "").strip()
    if raw.isdigit() and 2 <= len(raw) <= 5:
        e164 = raw  # an internal number: another desk phone
    else:
        e164 = phones.normalize(raw, "number")
    with write_transaction():
        row = ClickToCall.create(action_id=f"prl-c2c-{uuid.uuid4().hex[:12]}", staff=actor,
                                 extension=actor.extension, number=e164,
                                 customer=find_by_phone(e164) if e164.startswith("+") else None,
                                 created_at=utcnow())
        audit.record(actor, "dial", row, {"number": (None, e164)})
    return row


def dial_number(number: str) -> str:
    """What Asterisk dials for an E.164 number: the national form a Russian trunk expects (8XXXXXXXXXX)."""
    if number.startswith("+7"):
        return "8" + number[2:]
    return number.lstrip("+")


def drain_once(client) -> int:
    """Send queued Originates (devices process). Failures are written on the row for the page to show.

    A row is claimed (queued -> sending) before its Originate goes out, so the devices tick and
    the PBX writer thread draining at the same time send it once."""
    cfg = settings.get()
    if not ClickToCall.select().where(ClickToCall.status.in_(("queued", "sending", "sent"))).exists():
        return 0  # the usual case, polled 5 times a second: a read, no write lock
    expire_stale()
    sent = 0
    for row in ClickToCall.select().where(ClickToCall.status == "queued").order_by(ClickToCall.id).limit(10):
        with write_transaction():  # claim it first: two drainers must never ring the desk phone twice
            claimed = ClickToCall.update(status="sending").where(
                (ClickToCall.id == row.id) & (ClickToCall.status == "queued")).execute()
        if not claimed:
            continue
        fields = {"Channel": cfg.get("pbx", "originate_channel").format(ext=row.extension),
                  "Context": cfg.get("pbx", "originate_context"), "Exten": dial_number(row.number),
                  "Priority": "1", "CallerID": f"<{row.extension}>", "Async": "true",
                  "Timeout": str(int(cfg.getfloat("pbx", "originate_timeout_seconds") * 1000)),
                  "ActionID": row.action_id}
        try:
            client.send("Originate", **fields)
            status, error = "sent", ""
        except AmiError as exc:
            status, error = "failed", f"Нет связи с АТС: {exc}"
            log.warning("click-to-call %s: %s", row.id, exc)
        with write_transaction():
            # An OriginateResponse may already have moved it on (ringing / failed): keep that.
            ClickToCall.update(status=status, error=error, sent_at=utcnow()).where(
                (ClickToCall.id == row.id) & (ClickToCall.status == "sending")).execute()
        sent += 1
    return sent


def expire_stale() -> int:
    """Rows the PBX never answered (a crash mid-send, a lost OriginateResponse): tell the manager, stop waiting."""
    limit = utcnow() - dt.timedelta(seconds=settings.get().getfloat("pbx", "originate_timeout_seconds") + 30)
    with write_transaction():
        return ClickToCall.update(status="failed", error="АТС не ответила на запрос звонка. Попробуйте ещё раз.").where(
            ClickToCall.status.in_(("queued", "sending", "sent")) & (ClickToCall.created_at < limit)).execute()


def state(row_id: int) -> ClickToCall | None:
    return ClickToCall.get_or_none(ClickToCall.id == row_id)


def link_up() -> bool:
    row = PbxStatus.get_or_none(PbxStatus.id == 1)
    return bool(row and row.up)
