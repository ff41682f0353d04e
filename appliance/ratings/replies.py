"""A customer's SMS reply to a rating request: matched, parsed, stored, and what follows.

`on_sms_received` is the first subscriber of "sms_received" (appliance/events.py): it takes
a message only when it answers an open request of that phone (sent within [ratings]
reply_hours); anything else goes on to the counter's handler. A second reply to a request
that already has one is taken only if it reads as a score (a person applies it through
«Разобрать»); a second reply with no number is a question for the counter, not a rating.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from appliance import audit, notifications, permissions, settings
from appliance.clock import utcnow
from appliance.errors import InputError
from appliance.ratings import callbacks, parsing
from db import write_transaction
from db.models.ratings import RatingReply, RatingRequest
from db.models.sms import SmsMessage

log = logging.getLogger(__name__)

OPEN = ("queued", "answered", "review", "not_score")
REVIEW_KEY = "ratings-review"


def open_request_for(phone: str, at: dt.datetime | None = None) -> RatingRequest | None:
    """The latest request to this phone whose SMS went out within the reply window."""
    at = at or utcnow()
    hours = _hours()
    return (RatingRequest.select(RatingRequest).join(SmsMessage, on=(RatingRequest.sms == SmsMessage.id))
            .where((RatingRequest.phone == phone) & RatingRequest.status.in_(OPEN)
                   & SmsMessage.sent_at.is_null(False) & (SmsMessage.sent_at >= at - dt.timedelta(hours=hours))
                   & (SmsMessage.sent_at <= at))
            .order_by(SmsMessage.sent_at.desc()).first())


def on_sms_received(message: SmsMessage) -> bool:
    if message.direction != "in" or not message.phone.startswith("+"):
        return False
    req = open_request_for(message.phone, message.received_at or utcnow())
    if req is None:
        late = _late_request_for(message.phone, message.received_at or utcnow())
        if late is not None:
            log.info("sms %s from %s came after the %s h reply window of rating %s: left for the counter and "
                     "listed on «Разобрать»", message.id, message.phone, _hours(), late.id)
        return False
    return take_reply(req, message.text, message) is not None


def _hours() -> int:
    return settings.get().getint("ratings", "reply_hours")


LATE_DAYS = 7  # a reply this many days after the window is no longer offered as a late answer


def _late_request_for(phone: str, at: dt.datetime) -> RatingRequest | None:
    hours = _hours()
    return (RatingRequest.select(RatingRequest).join(SmsMessage, on=(RatingRequest.sms == SmsMessage.id))
            .where((RatingRequest.phone == phone) & (RatingRequest.status == "queued")
                   & (SmsMessage.sent_at < at - dt.timedelta(hours=hours))
                   & (SmsMessage.sent_at >= at - dt.timedelta(hours=hours, days=LATE_DAYS)))
            .order_by(SmsMessage.sent_at.desc()).first())


@dataclasses.dataclass
class LateReply:
    """An SMS from a phone we asked, come after the reply window: not counted unless a person says so."""

    message: SmsMessage
    request: RatingRequest


def late_replies(limit: int = 50) -> list[LateReply]:
    since = utcnow() - dt.timedelta(hours=_hours(), days=LATE_DAYS + 1)
    taken = RatingReply.select(RatingReply.message).where(RatingReply.message.is_null(False))
    out = []
    for msg in (SmsMessage.select().where((SmsMessage.direction == "in") & (SmsMessage.received_at >= since)
                                          & SmsMessage.id.not_in(taken)).order_by(SmsMessage.id.desc())):
        req = _late_request_for(msg.phone, msg.received_at)
        if req is not None:
            out.append(LateReply(msg, req))
        if len(out) >= limit:
            break
    return out


def accept_late(message: SmsMessage, actor) -> RatingReply | None:
    """A person says a late SMS is the answer to the request: it is read as if it came in time."""
    permissions.require(actor, "ratings.review")
    req = _late_request_for(message.phone, message.received_at)
    if req is None or RatingReply.select().where(RatingReply.message == message).exists():
        raise InputError("Это SMS уже не ответ на просьбу об оценке.")
    with write_transaction():
        reply = take_reply(req, message.text, message)
        audit.record(actor, "ratings.accept_late", req, {"reply": [None, message.text[:60]]},
                     note=f"пришло после {_hours()} ч")
    return reply


def message(message_id: int) -> SmsMessage | None:
    return SmsMessage.get_or_none((SmsMessage.id == message_id) & (SmsMessage.direction == "in"))


def take_reply(req: RatingRequest, text: str, message: SmsMessage | None = None) -> RatingReply | None:
    p = parsing.parse(text)
    now = utcnow()
    with write_transaction():
        req = RatingRequest.get_by_id(req.id)
        first = not RatingReply.select().where(RatingReply.request == req).exists()
        fields = dict(request=req, message=message, text=text, received_at=now, parsed_score=p.score,
                      needs_person=p.needs_person, opt_out=p.opt_out, comment=p.comment, reason=p.reason)
        if p.opt_out:
            reply = RatingReply.create(state="opt_out", **fields)
            if req.score is None:
                req.status = "opted_out"
                req.save()
            return reply
        if not first:
            if p.score is None:
                log.info("second reply to rating %s has no score: left for the counter", req.id)
                return None
            fields["reason"] = "второй ответ на ту же просьбу: " + (p.reason or f"оценка {parsing.format_score(p.score)}")
            reply = RatingReply.create(state="review", **fields)
            _raise_review()
            return reply
        if p.score is not None and (not p.needs_person or p.bare_five):
            reply = RatingReply.create(state="review" if p.bare_five else "applied", **fields)
            req.score, req.comment, req.flagged = p.score, p.comment, p.bare_five
            req.status, req.answered_at = "answered", now
            req.save()
            if p.bare_five:
                _raise_review()
            else:
                callbacks.open_for(req)
            return reply
        reply = RatingReply.create(state="review", **fields)
        req.status, req.comment = "review", p.comment
        req.save()
        _raise_review()
        return reply


def _raise_review() -> None:
    n = review_count()
    notifications.raise_notification(
        "reminder", REVIEW_KEY, f"Ответы на просьбу об оценке: разобрать {n}",
        "Клиенты ответили так, что оценку не прочитать. Поставьте оценку или отметьте «не оценка».",
        url="/ratings/review")


def get(reply_id: int) -> RatingReply | None:
    return RatingReply.get_or_none(RatingReply.id == reply_id)


def review_count() -> int:
    return RatingReply.select().where(RatingReply.state == "review").count()


def review_queue() -> list[RatingReply]:
    return list(RatingReply.select().where(RatingReply.state == "review").order_by(RatingReply.received_at))


def _score(raw: str) -> Decimal:
    try:
        value = Decimal((raw or "").strip().replace(",", "."))
    except InvalidOperation:
        raise InputError("Оценка — число от 1 до 10, например 9 или 8,5.", "score") from None
    if not (1 <= value <= 10) or value % parsing.HALF != 0:
        raise InputError("Оценка — число от 1 до 10 (можно с половиной: 8,5).", "score")
    return value


@dataclasses.dataclass
class Decision:
    action: str  # score | ten | keep | not_score
    score: str = ""


def decide(reply: RatingReply, decision: Decision, actor) -> RatingReply:
    """A person sorts out one reply: a score, «это 10» for a bare 5, keep the 5, or «не оценка»."""
    permissions.require(actor, "ratings.review")
    if decision.action == "score":
        value = _score(decision.score)
    elif decision.action == "ten":
        value = Decimal(10)
    elif decision.action == "keep":
        value = None
    elif decision.action == "not_score":
        value = None
    else:
        raise InputError("Неизвестное решение.")
    with write_transaction():
        fresh = RatingReply.get_by_id(reply.id)
        if fresh.state != "review":
            raise InputError("Этот ответ уже разобран.")
        req = fresh.request
        old = {"score": str(req.score) if req.score is not None else None, "status": req.status}
        if decision.action == "keep":
            if not req.flagged:
                raise InputError("Оставить как есть можно только «5», прочитанную как оценка.")
            value = req.score
        if value is not None:
            req.score, req.flagged, req.status = value, False, "answered"
            req.answered_at = req.answered_at or fresh.received_at
            if fresh.comment and fresh.parsed_score is None:
                req.comment = fresh.comment
        elif req.score is None:
            req.status = "not_score"
        req.save()
        fresh.state, fresh.decision, fresh.decided_score = "done", decision.action, value
        fresh.decided_by, fresh.decided_at = actor, utcnow()
        fresh.save()
        audit.record(actor, "ratings.review", req, {
            "score": [old["score"], str(req.score) if req.score is not None else None],
            "status": [old["status"], req.status]}, note=f"ответ «{fresh.text[:60]}»: {decision.action}")
        if value is not None:
            callbacks.open_for(req)
    if not RatingReply.select().where(RatingReply.state == "review").exists():
        notifications.resolve("reminder", REVIEW_KEY, by=actor, comment="все ответы разобраны")
    return fresh
