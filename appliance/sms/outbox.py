"""The devices process's side of SMS: drain the outbox through the modem, store what
the modem receives (SMS, delivery reports, calls), keep the modem's status row.

Crash safety: before a part's PDU is handed to the modem the part is marked
`try` and committed; when the modem confirms, its message reference (TP-MR) is
committed. After a kill -9, a message left in `sending` with a part in flight
(try without mr) may have gone out: it becomes `uncertain` and is never resent
automatically. One with nothing in flight goes back to the queue. A multipart
message resumes with the parts not yet sent, under the same concatenation
reference, so the phone still joins them.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import time

from appliance import calls, events, notifications, phones, settings, sms, status
from appliance.clock import utcnow
from appliance.errors import InputError
from db import write_transaction
from db.models.sms import Call, ModemStatus, SmsMessage, SmsPart
from hardware.modem import pdu
from hardware.modem.errors import CommandError, ModemError, ModemGone, ModemTimeout, SendUncertain

log = logging.getLogger(__name__)

REASSEMBLY_WINDOW = dt.timedelta(days=3)
REPORT_WINDOW = dt.timedelta(days=7)


class _Link:
    """What the devices process tells this module about the modem it owns."""
    modem = None
    watchdog = None
    last_send = -1e9


link = _Link()


def attach(modem, watchdog=None) -> None:
    link.modem = modem
    link.watchdog = watchdog


def _cfg():
    return settings.get()


# --- modem status ---------------------------------------------------------------------

def status_row() -> ModemStatus:
    row = ModemStatus.get_or_none(ModemStatus.id == 1)
    if row is None:
        row = ModemStatus.create(id=1)
    return row


def record_modem_state(up: bool, reason: str, port: str = "") -> None:
    now = utcnow()
    with write_transaction():
        row = status_row()
        row.up = up
        if port:
            row.port = port
        if up:
            row.last_seen_at = now
            row.outage_since = None
        else:
            row.last_error, row.last_error_at = reason, now
            row.outage_since = row.outage_since or now
        row.save()
    if up:
        notifications.resolve("device", "modem", comment="модем снова на связи")
    else:
        notifications.raise_notification(
            "device", "modem", "GSM-модем недоступен: SMS не уходят",
            f"{reason}. Сообщения ждут в очереди и уйдут, когда модем вернётся.", url="/devices")


def record_modem_check(info: dict) -> None:
    with write_transaction():
        row = status_row()
        row.model = " ".join(x for x in (info.get("manufacturer", ""), info.get("model", "")) if x)[:255]
        row.imei = info.get("imei", "") or ""
        row.sim_status = info.get("sim", "") or ""
        row.signal_rssi, row.signal_dbm = info.get("rssi"), info.get("dbm")
        from hardware.modem import REG_TEXT_RU

        row.registration = REG_TEXT_RU.get(info.get("registration"), "")
        row.operator = info.get("operator", "") or ""
        row.checked_at = row.last_seen_at = utcnow()
        row.save()


def _next_concat_ref() -> int:
    row = status_row()
    ref = row.next_concat_ref if 1 <= (row.next_concat_ref or 0) <= 255 else 1
    ModemStatus.update(next_concat_ref=ref % 255 + 1).where(ModemStatus.id == 1).execute()
    return ref


# --- outbox --------------------------------------------------------------------------------

def recover_after_crash() -> dict:
    """Run once when the devices process starts, before anything is sent."""
    counts = {"uncertain": 0, "requeued": 0, "sent": 0}
    with write_transaction():
        for msg in SmsMessage.select().where((SmsMessage.direction == "out") & (SmsMessage.status == "sending")):
            parts = msg.parts
            if parts and all(p.get("mr") is not None for p in parts):
                msg.status, msg.sent_at = "sent", msg.sent_at or utcnow()
                counts["sent"] += 1
            elif any(p.get("try") and p.get("mr") is None for p in parts):
                msg.status = "uncertain"
                msg.last_error = ("Отправка прервана перезапуском, когда модем уже получил SMS: оно могло уйти. "
                                  "Проверьте у клиента и при необходимости отправьте повторно.")
                counts["uncertain"] += 1
            else:
                msg.status = "queued"
                msg.attempts = max(0, msg.attempts - 1)
                counts["requeued"] += 1
            msg.save()
    if counts["uncertain"]:
        _notify_uncertain()
    log.info("outbox recovery: %s", counts)
    return counts


def _notify_uncertain() -> None:
    n = SmsMessage.select().where(SmsMessage.status == "uncertain").count()
    if n:
        notifications.raise_notification(
            "device", "sms-uncertain", f"SMS с неизвестным статусом: {n}",
            "Отправка прервалась, когда модем уже получил сообщение. Проверьте и повторите вручную, если нужно.",
            url="/sms?status=uncertain")


def _claim() -> SmsMessage | None:
    now = utcnow()
    with write_transaction():
        msg = (SmsMessage.select()
               .where((SmsMessage.direction == "out") & (SmsMessage.status == "queued")
                      & (SmsMessage.next_attempt_at.is_null() | (SmsMessage.next_attempt_at <= now)))
               .order_by(SmsMessage.id).first())
        if msg is None:
            return None
        taken = (SmsMessage.update(status="sending", sending_at=now, attempts=SmsMessage.attempts + 1)
                 .where((SmsMessage.id == msg.id) & (SmsMessage.status == "queued")).execute())
        if not taken:
            return None
        msg = SmsMessage.get_by_id(msg.id)
        if msg.parts_total > 1 and msg.concat_ref is None:
            msg.concat_ref = _next_concat_ref()
        if len(msg.parts) != msg.parts_total:
            msg.parts = [{"mr": None, "st": None} for _ in range(msg.parts_total)]
        msg.save()
    return msg


def _save_parts(msg: SmsMessage) -> None:
    with write_transaction():
        SmsMessage.update(parts_state=msg.parts_state).where(SmsMessage.id == msg.id).execute()


def drain_once(modem=None) -> int:
    """Send at most one queued SMS, if the modem is up and the rate limit allows.
    Returns how many messages were handled (0 or 1)."""
    modem = modem or link.modem
    if modem is None or not getattr(modem, "alive", False):
        return 0
    cfg = _cfg()
    if time.monotonic() - link.last_send < cfg.getfloat("modem", "send_interval_seconds"):
        return 0
    msg = _claim()
    if msg is None:
        return 0
    link.last_send = time.monotonic()
    _send(modem, msg, cfg)
    return 1


def _send(modem, msg: SmsMessage, cfg) -> None:
    validity = dt.timedelta(hours=cfg.getint("modem", "validity_hours"))
    try:
        pdus = pdu.encode_submit(msg.phone, msg.text, concat_ref=msg.concat_ref or 0, validity=validity,
                                 status_report=cfg.getbool("modem", "status_report"))
    except pdu.PduError as exc:
        return _give_up(msg, f"SMS не удалось закодировать: {exc}")
    parts = msg.parts
    if len(parts) != len(pdus):
        parts = [{"mr": None, "st": None} for _ in pdus]
    for i, p in enumerate(pdus):
        if parts[i].get("mr") is not None:
            continue
        parts[i]["try"] = True
        msg.parts = parts
        _save_parts(msg)
        try:
            mr = modem.send_pdu(p)
        except SendUncertain as exc:
            log.warning("sms %s part %s uncertain: %s", msg.id, i + 1, exc)
            _mark_uncertain(msg, exc.reason_ru)
            if not modem.alive and link.watchdog is not None:
                link.watchdog.mark_failed(exc)
            return None
        except ModemError as exc:
            parts[i]["try"] = False
            msg.parts = parts
            _save_parts(msg)
            return _failed_attempt(msg, exc)
        parts[i].update(mr=mr, sent_at=utcnow().isoformat(timespec="seconds"))
        parts[i].pop("try", None)
        msg.parts = parts
        _save_parts(msg)
    with write_transaction():
        SmsMessage.update(status="sent", sent_at=utcnow(), last_error="", next_attempt_at=None).where(
            SmsMessage.id == msg.id).execute()
        ModemStatus.update(sent_total=ModemStatus.sent_total + 1, last_seen_at=utcnow()).where(
            ModemStatus.id == 1).execute()
    notifications.resolve("device", "modem-send", comment="SMS снова уходят")
    log.info("sms %s sent to %s in %d part(s)", msg.id, msg.phone, len(pdus))
    return None


def _mark_uncertain(msg: SmsMessage, reason: str) -> None:
    with write_transaction():
        SmsMessage.update(status="uncertain", last_error=f"{reason}: SMS могло уйти. Проверьте и повторите вручную.").where(
            SmsMessage.id == msg.id).execute()
    _notify_uncertain()


def _give_up(msg: SmsMessage, reason: str) -> None:
    with write_transaction():
        SmsMessage.update(status="failed", failed_at=utcnow(), last_error=reason, next_attempt_at=None).where(
            SmsMessage.id == msg.id).execute()
    log.warning("sms %s failed: %s", msg.id, reason)


def _failed_attempt(msg: SmsMessage, exc: ModemError) -> None:
    cfg = _cfg()
    now = utcnow()
    kind = exc.kind if isinstance(exc, CommandError) else ("device" if isinstance(exc, ModemGone) else "transient")
    if isinstance(exc, ModemTimeout):
        kind = "transient"
    reason = exc.reason_ru
    if kind == "permanent":
        return _give_up(msg, f"Оператор не принял SMS: {reason}")
    if isinstance(exc, ModemGone) and link.watchdog is not None:
        link.watchdog.mark_failed(exc)
    if kind in ("device", "account"):
        # Not the message's fault: wait for a person to fix the SIM/balance, keep the attempts.
        pause = cfg.getint("modem", "device_pause_seconds")
        with write_transaction():
            SmsMessage.update(status="queued", attempts=SmsMessage.attempts - 1, last_error=reason,
                              next_attempt_at=now + dt.timedelta(seconds=pause)).where(
                SmsMessage.id == msg.id).execute()
        if not isinstance(exc, ModemGone):
            notifications.raise_notification(
                "device", "modem-send", f"SMS не отправляются: {reason}",
                "Сообщения ждут в очереди и уйдут, когда причина будет устранена.", url="/devices")
        return None
    attempts = msg.attempts
    if attempts >= cfg.getint("modem", "max_attempts"):
        return _give_up(msg, f"Не удалось отправить за {attempts} попыток: {reason}")
    delay = min(cfg.getint("modem", "retry_base_seconds") * 2 ** (attempts - 1), cfg.getint("modem", "retry_max_seconds"))
    with write_transaction():
        SmsMessage.update(status="queued", last_error=reason, next_attempt_at=now + dt.timedelta(seconds=delay)).where(
            SmsMessage.id == msg.id).execute()
    log.info("sms %s attempt %s failed (%s); retry in %ss", msg.id, attempts, reason, delay)
    return None


# --- incoming -------------------------------------------------------------------------------

def _sender(number: str | None) -> str:
    if not number:
        return "скрытый номер"
    if number.startswith("+") or number.isdigit():
        try:
            return phones.normalize(number)
        except InputError:
            return number
    return number  # alphanumeric sender: "MegaFon", "Tele2"


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def store_pdu(hexpdu: str) -> SmsMessage | None:
    """Commit what one stored/pushed PDU says. Safe to call twice with the same PDU."""
    try:
        decoded = pdu.decode(hexpdu)
    except pdu.PduError as exc:
        log.error("unreadable PDU from the modem (%s): %s", exc, hexpdu)
        decoded = pdu.Sms("deliver", number=None, text=f"[SMS не удалось прочитать: {exc}]")
    if decoded.kind == "status-report":
        return apply_status_report(decoded)
    if decoded.kind != "deliver":
        log.info("ignoring a stored %s PDU", decoded.kind)
        return None
    return store_deliver(decoded, hexpdu)


def store_deliver(decoded: pdu.Sms, hexpdu: str) -> SmsMessage | None:
    digest = hashlib.sha1(hexpdu.strip().upper().encode()).hexdigest()
    now = utcnow()
    phone = _sender(decoded.number)
    concat = decoded.concat
    with write_transaction():
        if SmsPart.select().where(SmsPart.pdu_hash == digest).exists():
            return None
        part = SmsPart.create(pdu_hash=digest, phone=phone, concat_ref=concat.reference if concat else None,
                              total=concat.total if concat else 1, seq=concat.seq if concat else 1,
                              text=decoded.text, sender_time=_naive_utc(decoded.time), received_at=now)
        if concat is None or concat.total <= 1:
            return _assemble([part], phone)
        siblings = list(SmsPart.select().where(
            (SmsPart.phone == phone) & (SmsPart.concat_ref == concat.reference) & (SmsPart.total == concat.total)
            & SmsPart.message.is_null() & (SmsPart.received_at >= now - REASSEMBLY_WINDOW)).order_by(SmsPart.seq, SmsPart.id))
        by_seq = {}
        for s in siblings:
            by_seq.setdefault(s.seq, s)
        if len(by_seq) < concat.total:
            log.info("sms part %s/%s from %s kept until the rest arrives", concat.seq, concat.total, phone)
            return None
        return _assemble([by_seq[i] for i in sorted(by_seq)], phone)


def _assemble(parts: list[SmsPart], phone: str, incomplete: bool = False) -> SmsMessage:
    from appliance.customers import find_by_phone

    customer = find_by_phone(phone) if phone.startswith("+") else None
    text = "".join(p.text for p in parts)
    if incomplete:
        text += " [часть сообщения не пришла]"
    msg = SmsMessage.create(direction="in", customer=customer, phone=phone, text=text, status="received",
                            encoding="", parts_total=len(parts), created_at=utcnow(), received_at=utcnow(),
                            sender_time=parts[0].sender_time)
    SmsPart.update(message=msg).where(SmsPart.id.in_([p.id for p in parts])).execute()
    if sms.is_stop_reply(text) and phone.startswith("+"):
        sms.opt_out(phone, customer, source="sms", note=f"ответ «{text.strip()[:20]}»")
    log.info("sms received from %s (%d part(s))", phone, len(parts))
    events.offer("sms_received", message=msg)
    return msg


def assemble_stale_parts(older_than: dt.timedelta = dt.timedelta(hours=24)) -> int:
    """Parts whose siblings never came: show what arrived instead of hiding it."""
    cutoff = utcnow() - older_than
    done = 0
    with write_transaction():
        stale = list(SmsPart.select().where(SmsPart.message.is_null() & (SmsPart.received_at < cutoff)))
        groups: dict[tuple, list[SmsPart]] = {}
        for p in stale:
            groups.setdefault((p.phone, p.concat_ref, p.total), []).append(p)
        for (phone, _, _), parts in groups.items():
            _assemble(sorted(parts, key=lambda p: p.seq), phone, incomplete=True)
            done += 1
    return done


def apply_status_report(report: pdu.Sms) -> SmsMessage | None:
    """A delivery report: find the part by recipient + TP-MR among recent sends."""
    phone = _sender(report.number)
    since = utcnow() - REPORT_WINDOW
    with write_transaction():
        candidates = (SmsMessage.select()
                      .where((SmsMessage.direction == "out") & (SmsMessage.phone == phone)
                             & SmsMessage.status.in_(["sent", "uncertain", "sending", "delivered", "failed"])
                             & (SmsMessage.created_at >= since))
                      .order_by(SmsMessage.id.desc()))
        for msg in candidates:
            parts = msg.parts
            hit = next((i for i, p in enumerate(parts) if p.get("mr") == report.reference and p.get("st") is None), None)
            if hit is None:
                continue
            if not report.final:
                return msg  # the SMSC is still trying; a final report follows
            parts[hit]["st"] = report.status
            msg.parts = parts
            if all(p.get("st") is not None for p in parts):
                failed = [p["st"] for p in parts if p["st"] >= 0x20]
                if failed:
                    msg.status, msg.failed_at = "failed", utcnow()
                    msg.last_error = "Не доставлено: " + pdu.status_reason(failed[0])
                else:
                    msg.status, msg.delivered_at = "delivered", _naive_utc(report.discharge) or utcnow()
                    msg.last_error = ""
            msg.save()
            return msg
    log.info("status report for %s ref %s matches no recent SMS", phone, report.reference)
    return None


def sweep_storage(modem, memories=("SM", "ME")) -> int:
    """Read every message the SIM (and the modem's own memory) holds, commit it, then
    delete it there. A modem without ME storage just answers an error for it."""
    handled = 0
    for mem in memories:
        try:
            stored_list = modem.list_messages(mem=mem)
        except CommandError:
            continue
        for stored in stored_list:
            store_pdu(stored.pdu)
            modem.delete_message(stored.index, mem)
            handled += 1
    try:
        modem.use_storage("SM")
    except CommandError:
        pass
    return handled


# --- calls -------------------------------------------------------------------------------------

class CallTracker:
    """RING / +CLIP lines -> one Call row when the ringing stops. The modem never
    picks up, so every call it sees is a missed one for the shop."""

    def __init__(self, ring_gap: float = 8.0, clock=time.monotonic):
        self.ring_gap = ring_gap
        self.clock = clock
        self.current: dict | None = None

    def on_event(self, ev) -> None:
        if ev.kind in ("ring", "caller_id"):
            if self.current is None:
                self.current = {"started_at": utcnow(), "phone": None, "rings": 0, "last": self.clock()}
            self.current["last"] = self.clock()
            if ev.kind == "ring":
                self.current["rings"] += 1
            elif ev.number:
                self.current["phone"] = ev.number
        elif ev.kind == "call_end" and self.current is not None:
            self.finish()

    def tick(self) -> None:
        if self.current is not None and self.clock() - self.current["last"] > self.ring_gap:
            self.finish()

    def finish(self) -> Call | None:
        cur, self.current = self.current, None
        if cur is None:
            return None
        return record_call(cur["phone"], cur["started_at"], utcnow(), max(cur["rings"], 1))


def record_call(raw_phone: str | None, started_at, ended_at, rings: int, answered: bool = False) -> Call:
    from appliance.customers import find_by_phone

    phone = _sender(raw_phone)
    with write_transaction():
        customer = find_by_phone(phone) if phone.startswith("+") else None
        call = Call.create(phone=phone, customer=customer, started_at=started_at, ended_at=ended_at,
                           answered=answered, rings=rings, source="modem")
    # The same call model as the office PBX's (source "modem"): «Перезвонить» is raised from there.
    calls.record_modem_call(call)
    return call


def handle_event(modem, ev, calls: CallTracker | None = None) -> None:
    """One unsolicited event from the modem: commit first, then clean the SIM."""
    if ev.kind in ("sms_stored", "report_stored"):
        stored = modem.read_message(ev.index, ev.mem)
        if stored is not None:
            store_pdu(stored.pdu)
        modem.delete_message(ev.index, ev.mem)
    elif ev.kind in ("sms", "status_report") and ev.pdu:
        store_pdu(ev.pdu)
    elif ev.kind == "storage_full":
        sweep_storage(modem)
    elif calls is not None and ev.kind in ("ring", "caller_id", "call_end"):
        calls.on_event(ev)


def handle_events(modem, calls: CallTracker | None = None, limit: int = 50) -> int:
    handled = 0
    while handled < limit:
        try:
            ev = modem.events.get_nowait()
        except Exception:
            break
        try:
            handle_event(modem, ev, calls)
        except CommandError as exc:
            log.warning("modem event %s not handled: %s", ev.line, exc)
        handled += 1
    return handled


def devices_process_alive(max_age_seconds: int = 90) -> bool:
    beat = status.last_beat("devices")
    return beat is not None and (utcnow() - beat).total_seconds() <= max_age_seconds


def modem_probe():
    """Status-bar item."""
    row = ModemStatus.get_or_none(ModemStatus.id == 1)
    queued = SmsMessage.select().where((SmsMessage.direction == "out") & (SmsMessage.status == "queued")).count()
    if not devices_process_alive():
        return status.StatusItem("SMS-модем", f"процесс устройств не запущен; в очереди {queued}", "bad", "/devices")
    if row is None or (not row.up and row.last_seen_at is None and row.outage_since is None):
        return status.StatusItem("SMS-модем", "нет данных", "warn", "/devices")
    if not row.up:
        return status.StatusItem("SMS-модем", f"нет связи: {row.last_error}; в очереди {queued}", "bad", "/devices")
    text = f"{row.operator or 'на связи'}" + (f", в очереди {queued}" if queued else "")
    return status.StatusItem("SMS-модем", text, "ok", "/devices")


# --- the devices page -----------------------------------------------------------------

SIGNAL_STEPS = (10, 15, 20)  # RSSI (0..31) at which the 2nd, 3rd and 4th bar light up


def signal_bars(rssi: int | None) -> int:
    """Bars of four for the modem's RSSI (AT+CSQ); 0 when unknown. One bar is weak."""
    if rssi is None:
        return 0
    return 1 + sum(rssi >= step for step in SIGNAL_STEPS)


@dataclasses.dataclass
class ModemPanel:
    """What the devices page shows about the modem and the outbox."""

    row: ModemStatus
    bars: int
    simulated: bool
    port_setting: str
    process_alive: bool
    queued: int
    uncertain: int
    failed: int

    @property
    def weak(self) -> bool:
        return self.row.signal_rssi is not None and self.bars <= 1


def modem_panel() -> ModemPanel:
    row = ModemStatus.get_or_none(ModemStatus.id == 1) or ModemStatus(id=1)
    out = SmsMessage.select().where(SmsMessage.direction == "out")
    port = _cfg().get("modem", "port")
    return ModemPanel(row=row, bars=signal_bars(row.signal_rssi), simulated=port == "sim", port_setting=port,
                      process_alive=devices_process_alive(),
                      queued=out.where(SmsMessage.status.in_(["queued", "sending"])).count(),
                      uncertain=out.where(SmsMessage.status == "uncertain").count(),
                      failed=out.where(SmsMessage.status == "failed").count())
