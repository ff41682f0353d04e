"""Which SMS goes out, to whom, with what text: templates, placeholders, opt-outs, the
one function every part of the appliance calls to send an SMS, and what replies mean.

`queue_sms` only writes an outbox row (inside the caller's transaction); the devices
process owns the modem and drains the outbox (appliance.sms.outbox).
"""
from __future__ import annotations

import dataclasses
import logging
import re
import string

import peewee

from appliance import audit, customers, phones, settings
from appliance.clock import local_now, utcnow
from appliance.errors import InputError
from appliance.loyalty import cards as loyalty_cards
from appliance.loyalty.rules import points_text
from db import write_transaction
from db.models.customers import Customer
from db.models.sms import KINDS, STATUSES, SmsMessage, SmsOptOut, SmsTemplate
from hardware.modem import pdu

log = logging.getLogger(__name__)

PLACEHOLDERS = {
    "name": "имя клиента",
    "order_number": "номер заказа",
    "sum": "сумма, например «3 450 ₽»",
    "bonus_balance": "бонусов на карте",
    "date": "дата",
    "time": "время",
    "shop_name": "название магазина",
    "shop_phone": "телефон магазина",
    "car": "автомобиль",
    "link": "ссылка",
}
STOP_WORDS = {"STOP", "СТОП", "STOPALL", "ОТПИСАТЬСЯ", "ОТПИСКА"}
MAX_PARTS = 6  # a longer SMS is a letter, and costs six times


class OptedOut(InputError):
    """The recipient asked for no marketing SMS."""


def _fields(body: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(body) if name is not None]
    except ValueError as exc:
        raise InputError(f"В шаблоне непарная фигурная скобка: {exc}.", "body") from None


def validate_template(body: str) -> None:
    body = (body or "").strip()
    if not body:
        raise InputError("Текст шаблона пуст.", "body")
    unknown = [f for f in _fields(body) if f not in PLACEHOLDERS]
    if unknown:
        raise InputError("Неизвестная подстановка: " + ", ".join("{" + f + "}" for f in unknown)
                         + ". Доступны: " + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + ".", "body")


class _Context(dict):
    def __missing__(self, key):
        log.warning("SMS template placeholder {%s} has no value; left empty", key)
        return ""


def default_context(customer: Customer | None = None) -> dict:
    cfg = settings.get()
    now = local_now()
    ctx = {"shop_name": cfg.get("app", "shop_name"), "shop_phone": cfg.get("app", "shop_phone"),
           "date": now.strftime("%d.%m.%Y"), "time": now.strftime("%H:%M")}
    if customer is not None:
        ctx["name"] = customer.name
        ctx["bonus_balance"] = points_text(loyalty_cards.customer_balance(customer.id))  # the real sum of the ledger
    return ctx


def render(body: str, context: dict | None = None, customer: Customer | None = None) -> str:
    ctx = _Context(default_context(customer))
    for key, value in (context or {}).items():
        ctx[key] = "" if value is None else str(value)
    text = string.Formatter().vformat(body, (), ctx)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def counter(text: str) -> dict:
    """What the live counter under a template/test SMS shows."""
    seg = pdu.segment(text or "")
    return {"encoding": seg.encoding, "length": seg.length, "parts": seg.parts,
            "per_part": seg.per_part, "left": seg.left_in_part,
            "alphabet": "латиница (GSM)" if seg.encoding == "gsm7" else "кириллица (UCS2)"}


def preview(body: str) -> str:
    """A template with sample values, for the counter: real SMS are about this long."""
    sample = {"name": "Александр Сергеевич", "order_number": "10482", "sum": "12 350 ₽", "bonus_balance": "450",
              "car": "Chery Tiggo 7 Pro", "link": "prilavok.local/r/8KQ2"}
    try:
        return render(body, sample)
    except (ValueError, IndexError, KeyError):
        return body


def template(code: str) -> SmsTemplate:
    row = SmsTemplate.get_or_none(SmsTemplate.code == code)
    if row is None:
        raise InputError(f"Нет шаблона SMS «{code}».", "template_code")
    return row


def update_template(code: str, body: str, actor, title: str | None = None) -> SmsTemplate:
    validate_template(body)
    body = body.strip()
    with write_transaction():
        row = template(code)
        changes = audit.diff(row, {"body": body, **({"title": title} if title else {})})
        row.body = body
        if title:
            row.title = title
        row.updated_at = utcnow()
        row.updated_by = actor
        row.save()
        if changes:
            audit.record(actor, "sms_template.update", row, changes)
    return row


def is_opted_out(phone: str) -> bool:
    return SmsOptOut.select().where(SmsOptOut.phone == phone).exists()


def _refuse_opted_out(kind: str, phone: str) -> None:
    """A marketing SMS never goes to a phone that said СТОП: queued fresh or sent again."""
    if kind == "marketing" and is_opted_out(phone):
        raise OptedOut(f"{phones.display(phone)} отказался от рекламных SMS.", "phone")


def opt_out(phone: str, customer: Customer | None = None, source: str = "staff", note: str = "",
            actor=None) -> SmsOptOut:
    with write_transaction():
        row = SmsOptOut.get_or_none(SmsOptOut.phone == phone)
        if row is None:
            row = SmsOptOut.create(phone=phone, customer=customer, source=source, note=note, created_at=utcnow())
            if actor is not None or customer is not None:
                audit.record(actor, "sms.opt_out", customer or row, {"phone": [None, phone]}, note)
    return row


def opt_in(phone: str, actor=None) -> None:
    with write_transaction():
        deleted = SmsOptOut.delete().where(SmsOptOut.phone == phone).execute()
        if deleted:
            audit.record(actor, "sms.opt_in", ("sms_opt_out", phone), {"phone": [phone, None]})


def queue_sms(customer: Customer | None = None, template_code: str | None = None, context: dict | None = None,
              phone: str | None = None, kind: str = "service", dedupe_key: str | None = None, actor=None,
              text: str | None = None) -> SmsMessage:
    """Put one SMS in the outbox; call it inside the transaction of the change that causes it.

    With `dedupe_key` a second call returns the message the first one queued. A marketing
    SMS (by `kind` or by its template) to an opted-out phone raises OptedOut."""
    if dedupe_key:
        existing = SmsMessage.get_or_none(SmsMessage.dedupe_key == dedupe_key)
        if existing is not None:
            return existing
    if template_code:
        tpl = template(template_code)
        if tpl.kind == "marketing":
            kind = "marketing"
        body = render(tpl.body, context, customer)
    elif text is not None:
        body = render(text, context, customer) if context else text.strip()
    else:
        raise InputError("Нужен шаблон или текст SMS.", "text")
    if not body:
        raise InputError("Текст SMS пуст.", "text")
    if kind not in ("service", "marketing"):
        raise InputError(f"Неизвестный вид SMS «{kind}».", "kind")
    number = phones.normalize(phone) if phone else (customers.phone_for_sms(customer) if customer else None)
    if number is None:
        raise InputError("Кому отправить SMS? Укажите клиента или номер.", "phone")
    if customer is None:
        customer = customers.find_by_phone(number)
    _refuse_opted_out(kind, number)
    seg = pdu.segment(body)
    if seg.parts > MAX_PARTS:
        raise InputError(f"SMS слишком длинное: {seg.parts} частей, можно не больше {MAX_PARTS}.", "text")
    with write_transaction():
        msg = SmsMessage.create(
            direction="out", customer=customer, phone=number, text=body, template_code=template_code or "",
            kind=kind, status="queued", encoding=seg.encoding, parts_total=seg.parts,
            created_at=utcnow(), dedupe_key=dedupe_key or None, created_by=actor)
        if actor is not None:
            audit.record(actor, "sms.queue", msg, {"phone": [None, number], "text": [None, body]})
    return msg


def resend(message: SmsMessage, actor) -> SmsMessage:
    """A person sends a failed or uncertain SMS again: a new outbox row, the old one stays."""
    if message.direction != "out" or message.status not in ("failed", "uncertain"):
        raise InputError("Повторить можно только неотправленное SMS или SMS с неизвестным статусом.")
    _refuse_opted_out(message.kind, message.phone)
    with write_transaction():
        new = SmsMessage.create(
            direction="out", customer=message.customer_id, phone=message.phone, text=message.text,
            template_code=message.template_code, kind=message.kind, status="queued",
            encoding=message.encoding, parts_total=message.parts_total, created_at=utcnow(),
            created_by=actor, resent_from=message)
        audit.record(actor, "sms.resend", new, {"resent_from": [None, message.id]})
    return new


def log_rows(direction: str = "", status: str = "", kind: str = "", query: str = "",
             limit: int = 100) -> list[SmsMessage]:
    """The SMS log, newest first. ``query`` is a phone as people type it ('8 916',
    '+7 (916)', the last 4 digits: the customer search's rule), a piece of the text or a name."""
    q = SmsMessage.select(SmsMessage, Customer).join(Customer, join_type=peewee.JOIN.LEFT_OUTER,
                                                     on=(SmsMessage.customer == Customer.id))
    if direction in ("in", "out"):
        q = q.where(SmsMessage.direction == direction)
    if status in STATUSES:
        q = q.where(SmsMessage.status == status)
    if kind in KINDS:
        q = q.where(SmsMessage.kind == kind)
    query = (query or "").strip()
    if query:
        cond = SmsMessage.text.contains(query) | Customer.name.contains(query)
        for pattern in phones.search_patterns(query):
            cond |= (SmsMessage.phone.startswith("+7" + pattern.digits) if pattern.at_start
                     else SmsMessage.phone.contains(pattern.digits))
        q = q.where(cond)
    return list(q.order_by(SmsMessage.id.desc()).limit(limit))


@dataclasses.dataclass
class LogCounts:
    """The lines above the SMS log: how many phones said СТОП, how many SMS may or may not have gone."""

    opted_out: int
    uncertain: int


def log_counts() -> LogCounts:
    return LogCounts(opted_out=SmsOptOut.select().count(),
                     uncertain=SmsMessage.select().where(SmsMessage.status == "uncertain").count())


def templates() -> list[SmsTemplate]:
    """Every template, in the order the owner's page lists them."""
    return list(SmsTemplate.select().order_by(SmsTemplate.id))


def probe_text() -> str:
    """The devices page's test SMS as the "test" template renders it; empty when there is no such template."""
    row = SmsTemplate.get_or_none(SmsTemplate.code == "test")
    return render(row.body) if row else ""


def is_stop_reply(text: str) -> bool:
    word = re.sub(r"[^\wЁё]", "", (text or "").strip().upper())
    return word in STOP_WORDS
