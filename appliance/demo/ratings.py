"""Demo ratings: four months of next-day requests and replies (mostly 9-10, a few low ones
called back, some left to sort out), built through the ratings area's own functions.

The base demo's customers buy rarely, so this step adds a few counter receipts a day (as
1C would bring them) to have months of answers. Yesterday's sales are left unasked, so
`prilavok ratings send-due` has work in the window."""
from __future__ import annotations

import datetime as dt
import random

from appliance.clock import local_to_utc, shop_date
from appliance.ratings import callbacks, replies, requests
from db.models.customers import Customer, Phone
from db.models.ratings import RatingCallback, RatingReply, RatingRequest
from db.models.sales import Sale, SaleLine
from db.models.sms import SmsMessage
from db.models.staff import Staff
from db.models.workshop import WorkOrder

GOOD = ["10", "10", "10", "10!", "10 спасибо", "Десять", "9", "9, всё отлично", "10 из 10", "5 из 5", "10, быстро нашли",
        "Спасибо, 10", "9 баллов", "10 👍", "десять!!!", "9/10", "10, приеду ещё"]
LOW = ["7, долго ждал заказ", "6 привезли не то", "оценка восемь, долго ждали", "5, дорого", "3 из 10, не перезвонили",
       "8 - колодки пришли через неделю", "4/5"]
ODD = ["Спасибо!", "заеду в 14:45", "👍👍", "5", "а когда будут свечи?"]


def _more_sales(rng: random.Random, today: dt.date) -> None:
    buyers = [p.customer_id for p in Phone.select(Phone.customer).join(Customer)
              .where(Customer.deleted_at.is_null() & (Phone.kind == "mobile"))]
    managers = list(Staff.select().where(Staff.role == "manager"))
    if not buyers or not managers:
        return
    for back in range(120, 0, -1):
        day = today - dt.timedelta(days=back)
        for _ in range(rng.randint(2, 4)):
            when = local_to_utc(dt.datetime.combine(day, dt.time(rng.randint(9, 19), rng.randint(0, 59))))
            total = rng.choice([45000, 120000, 238000, 390000, 615000])
            sale = Sale.create(number=f"ЧК-{rng.randint(100000, 999999)}", date=when, customer=rng.choice(buyers),
                               manager=rng.choice(managers), kind="parts", total_kop=total, source="demo",
                               created_at=when)
            SaleLine.create(sale=sale, name=rng.choice(["Колодки тормозные", "Фильтр масляный", "Свечи зажигания",
                                                        "Ремень ГРМ", "Амортизатор передний"]),
                            qty=1, price_kop=total, sum_kop=total)


def build(rng: random.Random, now: dt.datetime) -> None:
    today = shop_date(now)
    _more_sales(rng, today)
    since = local_to_utc(dt.datetime.combine(today - dt.timedelta(days=120), dt.time()))
    until = local_to_utc(dt.datetime.combine(today - dt.timedelta(days=1), dt.time()))
    visits: dict[tuple[int, dt.date], list[requests.Source]] = {}
    for s in Sale.select().where((Sale.date >= since) & (Sale.date < until) & Sale.customer.is_null(False)
                                 & (Sale.kind == "parts")).order_by(Sale.date):
        visits.setdefault((s.customer_id, shop_date(s.date)), []).append(requests.Source(
            "parts", s.customer_id, s.date, s.number, sale_id=s.id, staff=[(s.manager_id, "manager")] if s.manager_id else []))
    for wo in WorkOrder.select().where((WorkOrder.status == "handed_over") & (WorkOrder.handed_over_at < until)):
        staff = [(wo.created_by_id, "advisor")] if wo.created_by_id else []
        if wo.mechanic_id:
            staff.append((wo.mechanic_id, "mechanic"))
        visits.setdefault((wo.customer_id, shop_date(wo.handed_over_at)), []).append(requests.Source(
            "workshop", wo.customer_id, wo.handed_over_at, wo.number, work_order_id=wo.id, staff=staff))
    for (customer_id, day), sources in sorted(visits.items(), key=lambda kv: kv[0][1]):
        asked_at = local_to_utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(11, rng.randint(0, 59))))
        requests.create_request(customer_id, sources, day + dt.timedelta(days=1))
        req = RatingRequest.select().order_by(RatingRequest.id.desc()).first()
        RatingRequest.update(created_at=asked_at).where(RatingRequest.id == req.id).execute()
        if req.status == "skipped":
            continue
        SmsMessage.update(status="delivered", created_at=asked_at, sent_at=asked_at,
                          delivered_at=asked_at + dt.timedelta(seconds=9)).where(SmsMessage.id == req.sms_id).execute()
        roll = rng.random()
        if roll < 0.3:
            continue  # no answer
        text = rng.choice(LOW) if roll > 0.955 else rng.choice(ODD) if roll > 0.93 else rng.choice(GOOD)
        replied = asked_at + dt.timedelta(minutes=rng.randint(2, 300))
        reply = replies.take_reply(RatingRequest.get_by_id(req.id), text)
        if reply is None:
            continue
        RatingReply.update(received_at=replied).where(RatingReply.id == reply.id).execute()
        RatingRequest.update(answered_at=replied).where((RatingRequest.id == req.id)
                                                        & RatingRequest.answered_at.is_null(False)).execute()
        cb = RatingCallback.get_or_none(RatingCallback.request == req.id)
        if cb is not None:
            RatingCallback.update(created_at=replied).where(RatingCallback.id == cb.id).execute()
            if day < today - dt.timedelta(days=3) and cb.assignee_id:
                callbacks.complete(cb, cb.assignee, rng.choice(callbacks.reasons()),
                                   rng.choice(["Извинились, предложили скидку 5% на следующий заказ",
                                               "Клиент доволен, просто долго ждал", "Не берёт трубку, написали SMS"]))
