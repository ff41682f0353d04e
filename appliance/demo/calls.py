"""Demo calls: desk phones for the staff and four months of calls through the office PBX
(ring groups, answered and missed, call-backs, a few modem calls), so the journal, the card,
«Перезвонить» and the metrics show something believable. Rows are written in bulk
(thousands of calls); the open call-backs of the last day go through the area's own rule."""
from __future__ import annotations

import datetime as dt
import random

from appliance.calls import callbacks, record_modem_call
from appliance.clock import to_local
from db.models.calls import CallLeg, PhoneCall
from db.models.customers import Customer, Phone
from db.models.sms import Call as ModemCall
from db.models.staff import Staff

EXTENSIONS = {"owner": "100", "manager": "101", "petrov": "102", "kuzmina": "103", "mechanic": "104", "ivanov": "105"}
DAYS = 120


def build(rng: random.Random, now: dt.datetime) -> None:
    people = {s.username: s for s in Staff.select()}
    for login, ext in EXTENSIONS.items():
        if login in people:
            Staff.update(extension=ext).where(Staff.id == people[login].id).execute()
            people[login].extension = ext
    shop = [people[x] for x in ("manager", "petrov", "kuzmina") if x in people]
    workshop = [people[x] for x in ("mechanic", "ivanov") if x in people]
    if not shop:
        return
    numbers = [(p.customer_id, p.e164) for p in Phone.select(Phone.customer, Phone.e164).join(Customer)
               .where(Customer.deleted_at.is_null()).limit(400)]
    if not numbers:
        return
    calls, legs = [], []
    seq = 0
    for back in range(DAYS, -1, -1):
        day = now - dt.timedelta(days=back)
        if to_local(day).weekday() == 6 and rng.random() < 0.7:
            continue
        for _ in range(rng.randint(6, 18)):
            seq += 1
            start = day.replace(hour=6, minute=0, second=0, microsecond=0) + dt.timedelta(minutes=rng.randint(0, 600))
            if start > now - dt.timedelta(minutes=3):
                continue
            known = rng.random() < 0.75
            customer_id, number = rng.choice(numbers) if known else (None, f"+7926{rng.randrange(10**7):07d}")
            group = workshop if workshop and rng.random() < 0.3 else shop
            answered = rng.random() < 0.82
            wait = rng.randint(3, 25) if answered else rng.randint(15, 45)
            talk = rng.randint(40, 420) if answered else None
            who = rng.choice(group) if answered else None
            lid = f"demo.{seq}"
            call = dict(linkedid=lid, source="pbx", direction="in", number=number, customer=customer_id,
                        started_at=start, answered_at=start + dt.timedelta(seconds=wait) if answered else None,
                        ended_at=start + dt.timedelta(seconds=wait + (talk or 0)), answered_by=who,
                        answered_ext=who.extension if who else "", result="answered" if answered else "missed",
                        cause=16 if answered else 19, version=1)
            calls.append(call)
            for person in group:
                legs.append((lid, person, "answered" if person == who else ("cancel" if who else "noanswer"),
                             start, call["answered_at"] if person == who else None, call["ended_at"]))
            if not answered and back > 0 and rng.random() < 0.85:  # called back, mostly within the hour
                seq += 1
                caller = rng.choice(shop)
                back_at = start + dt.timedelta(minutes=rng.randint(4, 90))
                calls.append(dict(linkedid=f"demo.{seq}", source="pbx", direction="out", number=number,
                                  customer=customer_id, started_at=back_at,
                                  answered_at=back_at + dt.timedelta(seconds=12),
                                  ended_at=back_at + dt.timedelta(seconds=12 + rng.randint(30, 200)),
                                  answered_by=caller, caller=caller, answered_ext=caller.extension,
                                  result="answered", cause=16, version=1))
    for i in range(0, len(calls), 400):
        PhoneCall.insert_many(calls[i:i + 400]).execute()
    ids = {c.linkedid: c.id for c in PhoneCall.select(PhoneCall.id, PhoneCall.linkedid)}
    rows = [dict(call=ids[lid], uniqueid=f"{lid}.{n}", extension=person.extension, staff=person, status=status,
                 rang_at=rang, answered_at=ans, ended_at=end, cause=16 if status == "answered" else 26)
            for n, (lid, person, status, rang, ans, end) in enumerate(legs)]
    for i in range(0, len(rows), 400):
        CallLeg.insert_many(rows[i:i + 400]).execute()
    for modem_call in ModemCall.select():  # the SMS demo's caller IDs, in the same journal
        record_modem_call(modem_call)
    recent = {c["number"] for c in calls if c["result"] == "missed" and c["started_at"] > now - dt.timedelta(days=1)}
    for number in sorted(recent):
        callbacks.sync(number)
