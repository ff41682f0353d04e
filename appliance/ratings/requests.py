"""Who is asked for a score and when: the requests due now, queued through the SMS outbox.

Due is computed by query, never from the 1C importer's hot path: a sale of an earlier shop
day (or a work order handed over on an earlier day) that no RatingItem points to yet. The
item's unique sale / work order makes a re-import, a correction in 1C or a second run
harmless. A customer who bought and repaired gets one SMS about the visit.

Send window: requests are queued only inside [ratings] window (shop time) and only while
the modem is up. The job runs every `send_minutes`; in the last run before closing time it
queues nothing new and holds (next_attempt_at = the next opening) every rating SMS that
might not leave before the close: all of them when the modem is down, those waiting for a
retry otherwise. Outside the window whatever is still queued is held the same way, so a
request does not go out at night.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from appliance import customers, notifications, permissions, settings, sms
from appliance.clock import day_start, local_now, local_to_utc, local_today, shop_date, utcnow
from appliance.errors import InputError
from appliance.orders.arrival import polite_name
from appliance.sms import outbox
from db import write_transaction
from db.models.customers import Customer
from db.models.ratings import RatedStaff, RatingItem, RatingRequest
from db.models.sales import Sale
from db.models.sms import ModemStatus, SmsMessage
from db.models.workshop import WorkOrder

log = logging.getLogger(__name__)

TEMPLATE = "rating_request"
ASKED = ("queued", "answered", "review", "not_score", "opted_out")


def window() -> tuple[dt.time, dt.time]:
    raw = settings.get().get("ratings", "window") or "11:00-20:00"
    try:
        start, end = (dt.time.fromisoformat(x.strip()) for x in raw.split("-", 1))
    except ValueError:
        raise InputError(f"[ratings] window «{raw}»: нужно вида 11:00-20:00.", "window") from None
    return start, end


def in_window(now: dt.datetime | None = None) -> bool:
    now = now or local_now()
    start, end = window()
    return start <= now.time() < end


def next_window_start(now: dt.datetime | None = None) -> dt.datetime:
    """The next opening of the window, naive UTC (today's if it has not opened yet)."""
    now = now or local_now()
    start, _ = window()
    day = now.date() if now.time() < start else now.date() + dt.timedelta(days=1)
    return local_to_utc(dt.datetime.combine(day, start))


def closing_soon(now: dt.datetime | None = None) -> bool:
    """The last run of the job before the window closes (no run falls inside the window after it)."""
    now = now or local_now()
    _, end = window()
    margin = dt.timedelta(minutes=settings.get().getint("ratings", "send_minutes"))
    return (dt.datetime.combine(now.date(), end) - margin).time() <= now.time() < end


def modem_ready() -> bool:
    row = ModemStatus.get_or_none(ModemStatus.id == 1)
    return bool(row and row.up) and outbox.devices_process_alive()


@dataclasses.dataclass
class Source:
    """One sale or work order that may be asked about."""

    department: str
    customer_id: int
    when: dt.datetime
    number: str
    sale_id: int | None = None
    work_order_id: int | None = None
    staff: list[tuple[int, str]] = dataclasses.field(default_factory=list)  # (staff id, role)


def due_sources(today: dt.date | None = None) -> list[Source]:
    """Sales (parts) and handed-over work orders of earlier shop days not asked about yet."""
    today = today or local_today()
    cfg = settings.get()
    since = day_start(today - dt.timedelta(days=cfg.getint("ratings", "max_age_days")))
    until = day_start(today)
    rated_sales = RatingItem.select(RatingItem.sale).where(RatingItem.sale.is_null(False))
    rated_orders = RatingItem.select(RatingItem.work_order).where(RatingItem.work_order.is_null(False))
    out: list[Source] = []
    sales = (Sale.select().where((Sale.date >= since) & (Sale.date < until) & Sale.customer.is_null(False)
                                 & (Sale.kind == "parts") & (Sale.source != "workshop")
                                 & Sale.id.not_in(rated_sales)).order_by(Sale.date))
    for s in sales:
        out.append(Source("parts", s.customer_id, s.date, s.number, sale_id=s.id,
                          staff=[(s.manager_id, "manager")] if s.manager_id else []))
    orders = (WorkOrder.select().where((WorkOrder.status == "handed_over") & (WorkOrder.handed_over_at >= since)
                                       & (WorkOrder.handed_over_at < until) & WorkOrder.id.not_in(rated_orders))
              .order_by(WorkOrder.handed_over_at))
    for wo in orders:
        staff = [(wo.created_by_id, "advisor")] if wo.created_by_id else []
        if wo.mechanic_id:
            staff.append((wo.mechanic_id, "mechanic"))
        out.append(Source("workshop", wo.customer_id, wo.handed_over_at, wo.number, work_order_id=wo.id,
                          staff=staff))
    return out


@dataclasses.dataclass
class SendReport:
    queued: int = 0
    skipped: int = 0
    held: int = 0
    waiting: int = 0
    failed: int = 0
    reason: str = ""  # why nothing was sent now (outside the window, modem down)

    def as_json(self) -> dict:
        return dataclasses.asdict(self)

    def text_ru(self) -> str:
        parts = [f"отправлено в очередь: {self.queued}", f"без SMS: {self.skipped}"]
        if self.waiting:
            parts.append(f"ждут: {self.waiting}")
        if self.failed:
            parts.append(f"не поставлено: {self.failed}")
        if self.held:
            parts.append(f"отложено до окна: {self.held}")
        return "; ".join(parts) + (f" ({self.reason})" if self.reason else "")


def _skip_reason(customer: Customer, phone: str | None, today: dt.date) -> str:
    if not customer.is_live:
        return "клиент удалён"
    if phone is None:
        return "нет мобильного телефона"
    if sms.is_opted_out(phone):
        return "клиент отказался от SMS"
    repeat = settings.get().getint("ratings", "repeat_days")
    last = (RatingRequest.select().where((RatingRequest.customer == customer) & RatingRequest.status.in_(ASKED)
                                         & (RatingRequest.created_at >= utcnow() - dt.timedelta(days=repeat)))
            .order_by(RatingRequest.created_at.desc()).first())
    if last is not None:
        return f"уже спрашивали {shop_date(last.created_at).strftime('%d.%m.%Y')} (не чаще раза в {repeat} дн.)"
    return ""


def _phone(customer: Customer) -> str | None:
    try:
        return customers.phone_for_sms(customer)
    except InputError:
        return None


def send_due(today: dt.date | None = None) -> SendReport:
    """Queue the requests due now (inside the window, modem up); hold what waits outside it."""
    report = SendReport()
    report.held = hold_outside_window()
    if not in_window():
        start, end = window()
        report.reason = f"вне окна отправки {start:%H:%M}-{end:%H:%M}"
        report.waiting = len(due_sources(today))
        return report
    if closing_soon():
        report.held = hold_before_close(modem_ready())
        report.reason = "окно отправки закрывается: новые просьбы уйдут завтра"
        report.waiting = len(due_sources(today))
        return report
    if not modem_ready():
        report.reason = "модем недоступен: просьбы ждут и уйдут в окно отправки"
        report.waiting = len(due_sources(today))
        return report
    today = today or local_today()
    by_customer: dict[int, list[Source]] = {}
    for src in due_sources(today):
        by_customer.setdefault(src.customer_id, []).append(src)
    for customer_id, sources in by_customer.items():
        try:
            created = create_request(customer_id, sources, today)
        except InputError as exc:
            # e.g. the owner's template grew past six parts: nothing is saved, it is tried next run
            report.failed += 1
            report.reason = exc.message
            log.warning("rating request for customer %s not queued: %s", customer_id, exc.message)
            continue
        if created:
            report.queued += 1
        else:
            report.skipped += 1
    if report.failed:
        notifications.raise_notification(
            "reminder", "ratings-send", "Просьбы об оценке не отправляются",
            f"{report.reason} Исправьте текст SMS: просьбы уйдут при следующей проверке.", url="/ratings/reasons")
    else:
        notifications.resolve("reminder", "ratings-send", comment="просьбы об оценке снова уходят")
    log.info("ratings send-due: %s", report.as_json())
    return report


def create_request(customer_id: int, sources: list[Source], today: dt.date) -> bool:
    """One request (queued, or skipped with its reason) for the sources of one customer."""
    with write_transaction():
        customer = customers.survivor(Customer.get_by_id(customer_id))
        phone = _phone(customer)
        reason = _skip_reason(customer, phone, today)
        visit = max(shop_date(s.when) for s in sources)
        req = RatingRequest.create(customer=customer, phone=phone or "", visit_date=visit,
                                   status="skipped" if reason else "queued", skip_reason=reason,
                                   created_at=utcnow())
        for s in sources:
            RatingItem.create(request=req, department=s.department, sale=s.sale_id, work_order=s.work_order_id,
                              source_number=s.number)
            for staff_id, role in s.staff:
                (RatedStaff.insert(request=req, staff=staff_id, department=s.department, role=role)
                 .on_conflict_ignore().execute())
        if reason:
            log.info("rating request %s for customer %s skipped: %s", req.id, customer.id, reason)
            return False
        req.sms = sms.queue_sms(customer, TEMPLATE, {"name": polite_name(customer.name)}, phone=phone, dedupe_key=f"rating:{req.id}")
        req.save()
    return True


def _hold(until: dt.datetime, retrying_only: bool = False) -> int:
    pending = RatingRequest.select(RatingRequest.sms).where(RatingRequest.sms.is_null(False)
                                                            & (RatingRequest.status == "queued"))
    cond = (SmsMessage.id.in_(pending) & (SmsMessage.status == "queued")
            & (SmsMessage.next_attempt_at.is_null() | (SmsMessage.next_attempt_at < until)))
    if retrying_only:
        cond &= SmsMessage.next_attempt_at.is_null(False)
    with write_transaction():
        return SmsMessage.update(next_attempt_at=until, last_error="ждёт окна отправки оценок").where(cond).execute()


def hold_outside_window() -> int:
    """Outside the window, a rating SMS still in the outbox waits for the next opening."""
    if in_window():
        return 0
    return _hold(next_window_start())


def hold_before_close(modem_is_up: bool) -> int:
    """The last run before closing: what may not leave before the close waits for tomorrow."""
    _, end = window()
    today_end = dt.datetime.combine(local_now().date(), end)
    return _hold(next_window_start(today_end), retrying_only=modem_is_up)


def template_body() -> str:
    return sms.template(TEMPLATE).body


def set_template(body: str, actor) -> None:
    """The owner edits the request's text here or on SMS → Шаблоны: the same template row."""
    permissions.require(actor, "ratings.templates")
    sms.update_template(TEMPLATE, body, actor)


def sent_at(req: RatingRequest) -> dt.datetime | None:
    return req.sms.sent_at if req.sms_id and req.sms else None


def departments(req: RatingRequest) -> list[str]:
    return sorted({i.department for i in req.items})
