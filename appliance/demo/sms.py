"""Demo rows for SMS: a month of outgoing messages in every status (one `uncertain`
to show the highlight), customers' replies (ratings, questions, a СТОП), a
multipart reply, missed calls on the modem's number and the modem status row."""
from __future__ import annotations

import datetime as dt
import json
import random

from appliance.loyalty import cards
from appliance.loyalty.rules import points_text
from appliance.sms import replies
from db.models.customers import Customer, Phone
from db.models.notifications import Notification
from db.models.sms import Call, ModemStatus, SmsMessage, SmsOptOut, SmsTemplate

REPLIES = ["10", "9", "Спасибо, заберу завтра", "8, всё хорошо", "А до скольки вы сегодня?",
           "Можно оплатить переводом?", "10 спасибо!", "Буду через час"]


def _render(body: str, ctx: dict) -> str:
    class D(dict):
        def __missing__(self, key):
            return ""
    return body.format_map(D(ctx)).strip()


def build(rng: random.Random, now: dt.datetime) -> None:
    templates = {t.code: t for t in SmsTemplate.select()}
    found = (Phone.select(Phone, Customer).join(Customer)
             .where(Customer.deleted_at.is_null() & (Phone.kind == "mobile")).order_by(Customer.id).limit(60))
    seen, rows = set(), []
    for p in found:
        if p.customer_id not in seen:
            seen.add(p.customer_id)
            rows.append((p.customer, p.e164))
    if not rows:
        return
    base = {"shop_name": "Автозапчасти Китай-Сервис", "shop_phone": "+7 495 000-00-00"}
    for i in range(36):
        customer, phone = rows[i % len(rows)]
        code = rng.choice(["order_arrived", "order_arrived", "order_reminder", "rating_request", "winback"])
        ctx = dict(base, name=customer.name.split()[1] if len(customer.name.split()) > 1 else customer.name,
                   order_number=10400 + i, sum=f"{rng.randrange(8, 250) * 50:,} ₽".replace(",", " "),
                   bonus_balance=points_text(cards.customer_balance(customer.id)), date=(now + dt.timedelta(days=3)).strftime("%d.%m.%Y"))
        text = _render(templates[code].body, ctx)
        created = now - dt.timedelta(days=30 - i * 0.8, minutes=rng.randrange(600))
        status = {35: "uncertain", 34: "queued", 9: "failed", 27: "failed"}.get(i, "sent" if i >= 30 else "delivered")
        parts = 1 if len(text) <= 70 else -(-len(text) // 67)
        state = [{"mr": (i * 3 + k) % 256, "st": 0 if status == "delivered" else None} for k in range(parts)]
        msg = SmsMessage.create(
            direction="out", customer=customer, phone=phone, text=text, template_code=code,
            kind=templates[code].kind, status=status, encoding="ucs2", parts_total=parts,
            parts_state=json.dumps(state if status not in ("queued",) else []),
            attempts=0 if status == "queued" else (3 if status == "failed" else 1),
            last_error={"failed": "Оператор не принял SMS: неизвестный абонент",
                        "uncertain": "Отправка прервана перезапуском, когда модем уже получил SMS: оно могло уйти. "
                                     "Проверьте у клиента и при необходимости отправьте повторно."}.get(status, ""),
            created_at=created, sending_at=created + dt.timedelta(seconds=5),
            sent_at=created + dt.timedelta(seconds=9) if status in ("sent", "delivered") else None,
            delivered_at=created + dt.timedelta(seconds=rng.randrange(15, 300)) if status == "delivered" else None,
            failed_at=created + dt.timedelta(minutes=40) if status == "failed" else None,
            dedupe_key=f"demo:{code}:{10400 + i}")
        if status == "delivered" and code in ("rating_request", "order_arrived") and rng.random() < 0.5:
            reply_at = msg.delivered_at + dt.timedelta(minutes=rng.randrange(2, 240))
            SmsMessage.create(direction="in", customer=customer, phone=phone, text=rng.choice(REPLIES),
                              status="received", parts_total=1, created_at=reply_at, received_at=reply_at,
                              sender_time=reply_at)
    # A long question in three parts and an opt-out
    customer, phone = rows[1 % len(rows)]
    at = now - dt.timedelta(hours=5)
    SmsMessage.create(direction="in", customer=customer, phone=phone, status="received", parts_total=3,
                      created_at=at, received_at=at, sender_time=at,
                      text=("Здравствуйте! Подскажите пожалуйста, есть ли у вас в наличии передние тормозные колодки "
                            "и диски на Chery Tiggo 7 Pro 2021 года, и сколько будет стоить замена у вас в сервисе? "
                            "Могу подъехать в субботу с утра."))
    customer, phone = rows[2 % len(rows)]
    at = now - dt.timedelta(days=6)
    SmsMessage.create(direction="in", customer=customer, phone=phone, text="СТОП", status="received",
                      parts_total=1, created_at=at, received_at=at, sender_time=at)
    SmsOptOut.get_or_create(phone=phone, defaults={"customer": customer, "source": "sms",
                                                   "note": "ответ «СТОП»", "created_at": at})
    # Missed calls on the modem's number
    for k in range(3):
        customer, phone = rows[(5 + k * 7) % len(rows)]
        at = now - dt.timedelta(hours=2 + k * 20, minutes=rng.randrange(60))
        Call.create(phone=phone, customer=customer, started_at=at, ended_at=at + dt.timedelta(seconds=20),
                    answered=False, rings=rng.randrange(2, 6), source="modem")
        if k == 0:
            Notification.create(kind="missed_call", key=phone, priority=10,
                                title=f"Пропущенный звонок: {phone}",
                                body=f"{customer.name}, звонил на номер SMS-модема. Перезвоните.",
                                url=f"/customers/{customer.id}", created_at=at, updated_at=at)
    ModemStatus.update(port="sim", up=True, last_seen_at=now, checked_at=now, model="SIMCOM_Ltd SIMCOM_SIM800L",
                       imei="867530012345678", sim_status="READY", signal_rssi=20, signal_dbm=-73,
                       registration="домашняя сеть", operator="MegaFon", sent_total=34,
                       last_error="сеть перегружена", last_error_at=now - dt.timedelta(days=2),
                       next_concat_ref=rng.randrange(1, 255)).where(ModemStatus.id == 1).execute()


def build_replies(rng: random.Random, now: dt.datetime) -> None:
    """After the orders step: the last days' questions reach the managers as the modem's path
    would (appliance.sms.replies); replies that are scores are left to the ratings."""
    recent = (SmsMessage.select().where((SmsMessage.direction == "in") & (SmsMessage.created_at > now - dt.timedelta(days=3)))
              .order_by(SmsMessage.created_at))
    for msg in recent:
        if not msg.text[:1].isdigit():
            replies.on_sms_received(msg)
