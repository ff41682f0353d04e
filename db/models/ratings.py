"""Ratings: the next-day SMS asking for a 1-10 score, what it rates, the replies, the call-backs."""
from __future__ import annotations

import peewee

from db.models.base import BaseModel
from db.models.customers import Customer
from db.models.sales import Sale
from db.models.sms import SmsMessage
from db.models.staff import Staff
from db.models.workshop import WorkOrder

DEPARTMENTS = {"parts": "запчасти", "workshop": "мастерская"}
ROLES = {"manager": "менеджер", "advisor": "мастер-приёмщик", "mechanic": "механик"}

# queued: the SMS is in the outbox (it may wait for the send window); answered: a score is set;
# review: a reply waits in «Разобрать»; not_score: a person said the reply is no score;
# opted_out: the customer answered СТОП; skipped: no SMS, `skip_reason` says why.
REQUEST_STATUSES = {
    "queued": "просьба отправлена",
    "answered": "оценка получена",
    "review": "ответ ждёт разбора",
    "not_score": "ответ — не оценка",
    "opted_out": "отказался от SMS",
    "skipped": "не спрашивали",
}
# applied: the parse set the request's score; review: waits for a person; done: a person decided.
REPLY_STATES = {"applied": "принят", "review": "разобрать", "done": "разобран", "opt_out": "СТОП"}


class RatingRequest(BaseModel):
    """One SMS about one visit of one customer (a purchase, a repair, or both that day)."""

    customer = peewee.ForeignKeyField(Customer, backref="rating_requests", on_delete="CASCADE")
    phone = peewee.CharField(default="", index=True)
    visit_date = peewee.DateField(index=True)  # the shop day of the visit
    status = peewee.CharField(index=True)
    skip_reason = peewee.CharField(default="")
    sms = peewee.ForeignKeyField(SmsMessage, null=True, backref="+", on_delete="SET NULL")
    score = peewee.DecimalField(max_digits=4, decimal_places=1, null=True)
    comment = peewee.TextField(default="")
    flagged = peewee.BooleanField(default=False)  # a bare «5»: maybe 5 of 5, a person may make it 10
    answered_at = peewee.DateTimeField(null=True, index=True)
    created_at = peewee.DateTimeField(index=True)

    @property
    def status_label(self) -> str:
        return REQUEST_STATUSES.get(self.status, self.status)


class RatingItem(BaseModel):
    """What a request rates: a sale (parts) or a work order (workshop), and who is rated for it.

    `sale` / `work_order` are unique: the same sale imported again, or corrected in 1C, finds
    its item and never makes a second request."""

    request = peewee.ForeignKeyField(RatingRequest, backref="items", on_delete="CASCADE")
    department = peewee.CharField()  # parts | workshop
    sale = peewee.ForeignKeyField(Sale, null=True, unique=True, backref="+", on_delete="SET NULL")
    work_order = peewee.ForeignKeyField(WorkOrder, null=True, unique=True, backref="+", on_delete="SET NULL")
    source_number = peewee.CharField(default="")  # the receipt's or work order's number, kept if 1C deletes it


class RatedStaff(BaseModel):
    request = peewee.ForeignKeyField(RatingRequest, backref="rated", on_delete="CASCADE")
    staff = peewee.ForeignKeyField(Staff, backref="+", on_delete="CASCADE")
    department = peewee.CharField()
    role = peewee.CharField()  # manager | advisor | mechanic

    class Meta:
        indexes = ((("request", "staff", "role"), True),)


class RatingReply(BaseModel):
    """One SMS reply to a request, with what the parser read and what a person decided."""

    request = peewee.ForeignKeyField(RatingRequest, backref="replies", on_delete="CASCADE")
    message = peewee.ForeignKeyField(SmsMessage, null=True, unique=True, backref="+", on_delete="SET NULL")
    text = peewee.TextField()
    received_at = peewee.DateTimeField(index=True)
    parsed_score = peewee.DecimalField(max_digits=4, decimal_places=1, null=True)
    needs_person = peewee.BooleanField(default=False)
    opt_out = peewee.BooleanField(default=False)
    comment = peewee.TextField(default="")
    reason = peewee.CharField(default="")  # why the parser left it to a person
    state = peewee.CharField(index=True)
    decided_score = peewee.DecimalField(max_digits=4, decimal_places=1, null=True)
    decision = peewee.CharField(default="")  # score | not_score | ten | keep
    decided_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    decided_at = peewee.DateTimeField(null=True)


class RatingCallback(BaseModel):
    """A low score to call back, by a manager other than the rated one (a task, once tasks exist)."""

    request = peewee.ForeignKeyField(RatingRequest, unique=True, backref="callbacks", on_delete="CASCADE")
    assignee = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    status = peewee.CharField(default="open", index=True)  # open | done
    reason = peewee.CharField(default="")
    outcome = peewee.TextField(default="")
    done_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    done_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField()


MODELS = [RatingRequest, RatingItem, RatedStaff, RatingReply, RatingCallback]
