"""Customers' SMS replies that no other area took: a question for a person.

A reply («Спасибо, заберу завтра», a question about brake pads) raises one notification per
customer for the manager of the customer's latest parts order, or for the counter (every
manager) when there is no such order or the number is unknown. The reply shows on the
customer card and on that order's page, and is answered from there: the answer goes
through the outbox like every SMS, and answering closes the notification.
СТОП replies are opt-outs (appliance.sms.outbox), not questions.
"""
from __future__ import annotations

import logging

from appliance import notifications, permissions, phones, sms
from appliance.errors import InputError
from db import write_transaction
from db.models.customers import Customer
from db.models.orders import Order
from db.models.sms import SmsMessage

log = logging.getLogger(__name__)

KIND = "customer_reply"
MAX_ANSWER = 670  # what fits in MAX_PARTS UCS-2 parts; queue_sms refuses longer anyway


def notification_key(message: SmsMessage) -> str:
    """One open question per customer (per number when the number is unknown)."""
    return f"sms-reply:customer:{message.customer_id}" if message.customer_id else f"sms-reply:phone:{message.phone}"


def latest_order(customer_id: int | None) -> Order | None:
    if not customer_id:
        return None
    return (Order.select().where((Order.customer == customer_id) & Order.deleted_at.is_null())
            .order_by(Order.created_at.desc(), Order.id.desc()).first())


def _who(message: SmsMessage) -> str:
    customer = message.customer
    return customer.name if customer else phones.display(message.phone) or message.phone


def on_sms_received(message: SmsMessage) -> bool:
    """The last sms_received handler: every reply not taken before is a person's question."""
    if message.direction != "in":
        return False
    if sms.is_stop_reply(message.text):
        return True  # already an opt-out; nobody has to answer it
    order = latest_order(message.customer_id)
    manager = order.manager if order is not None and order.manager_id else None
    if order is not None:
        url = f"/orders/{order.id}#sms-replies"
    elif message.customer_id:
        url = f"/customers/{message.customer_id}#customer-sms"
    else:
        url = f"/sms/{message.id}/answer"
    text = " ".join(message.text.split())
    notifications.raise_notification(
        KIND, notification_key(message),
        f"SMS от клиента {_who(message)}: «{text[:60]}{'…' if len(text) > 60 else ''}»",
        body=text + (f" · последний заказ №{order.id}" if order is not None else ""),
        url=url, person=manager)
    log.info("sms %s from %s is a reply for %s", message.id, message.phone,
             f"manager {manager.id}" if manager else "the counter")
    return True


def is_reply(message: SmsMessage) -> bool:
    return message.direction == "in" and not sms.is_stop_reply(message.text)


def conversation(customer: Customer, limit: int = 8) -> list[SmsMessage]:
    """The card's SMS block: the last messages both ways, oldest first (read like a chat)."""
    rows = list(SmsMessage.select().where(SmsMessage.customer == customer.id)
                .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()).limit(limit))
    return rows[::-1]


def for_order(order: Order, limit: int = 5) -> list[SmsMessage]:
    """Replies the order's customer sent since the order was taken, newest last."""
    rows = list(SmsMessage.select().where((SmsMessage.customer == order.customer_id) & (SmsMessage.direction == "in")
                                          & (SmsMessage.created_at >= order.created_at))
                .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()).limit(limit))
    return [m for m in rows[::-1] if is_reply(m)]


def answer(message: SmsMessage, text: str, actor) -> SmsMessage:
    """Queue the answer to a reply (audited by queue_sms) and close the question."""
    permissions.require(actor, "sms.send")
    if message.direction != "in":
        raise InputError("Ответить можно только на входящее SMS.")
    body = (text or "").strip()
    if not body:
        raise InputError("Напишите текст ответа.", "text")
    if len(body) > MAX_ANSWER:
        raise InputError(f"Ответ слишком длинный: {len(body)} знаков, можно не больше {MAX_ANSWER}.", "text")
    if not message.phone.startswith("+"):
        raise InputError(f"На номер «{message.phone}» ответить нельзя: это не телефон, а имя отправителя.")
    with write_transaction():
        out = sms.queue_sms(customer=message.customer, phone=message.phone, text=body, actor=actor)
        notifications.resolve(KIND, notification_key(message), by=actor, comment=f"ответили по SMS: «{body[:60]}»")
    return out
