"""Low scores are called back by a manager other than the rated one.

The call-back entries live here until the tasks area exists; then each becomes a task
(the assignee, the customer, a due time) and this page becomes a filter of the task list.
"""
from __future__ import annotations

import logging
from decimal import Decimal

from appliance import audit, notifications, permissions, settings
from appliance.clock import utcnow
from appliance.errors import InputError
from appliance.ratings import parsing
from db import write_transaction
from db.models.ratings import RatedStaff, RatingCallback, RatingRequest
from db.models.staff import Staff
from db.models.system import KeyValue

log = logging.getLogger(__name__)

REASONS_KEY = "ratings.callback_reasons"
HIGH_PRIORITY = 15  # between a missed call and an order problem: a customer is unhappy today


def threshold() -> Decimal:
    return Decimal(settings.get().get("ratings", "low_score"))


def is_low(score: Decimal | None) -> bool:
    return score is not None and Decimal(score) < threshold()


def reasons() -> list[str]:
    row = KeyValue.get_or_none(KeyValue.key == REASONS_KEY)
    raw = row.value if row is not None else settings.get().get("ratings", "callback_reasons")
    return [r.strip() for r in raw.replace("\n", ";").split(";") if r.strip()]


def set_reasons(text: str, actor) -> list[str]:
    permissions.require(actor, "ratings.templates")
    items = [r.strip() for r in (text or "").replace(";", "\n").splitlines() if r.strip()]
    if not items:
        raise InputError("Нужна хотя бы одна причина.", "reasons")
    if any(len(r) > 60 for r in items):
        raise InputError("Причина длиннее 60 знаков: скажите короче.", "reasons")
    old = reasons()
    with write_transaction():
        (KeyValue.insert(key=REASONS_KEY, value="; ".join(items))
         .on_conflict(conflict_target=[KeyValue.key], update={KeyValue.value: "; ".join(items)}).execute())
        audit.record(actor, "ratings.reasons", ("key_value", REASONS_KEY), {"reasons": ["; ".join(old), "; ".join(items)]})
    return items


def _next_manager(exclude: set[int]) -> Staff | None:
    """Round-robin among active managers not rated in this request."""
    managers = [m for m in Staff.select().where(Staff.active & (Staff.role == "manager")).order_by(Staff.id)
                if m.id not in exclude]
    if not managers:
        return None
    last = (RatingCallback.select().where(RatingCallback.assignee.is_null(False))
            .order_by(RatingCallback.id.desc()).first())
    if last is None:
        return managers[0]
    after = [m for m in managers if m.id > last.assignee_id]
    return after[0] if after else managers[0]


def open_for(req: RatingRequest) -> RatingCallback | None:
    """A low score: one call-back entry and one high-priority notification (call inside a transaction)."""
    if not is_low(req.score) or RatingCallback.select().where(RatingCallback.request == req).exists():
        return None
    rated = {r.staff_id for r in RatedStaff.select().where(RatedStaff.request == req)}
    assignee = _next_manager(rated)
    cb = RatingCallback.create(request=req, assignee=assignee, created_at=utcnow())
    who = assignee.full_name if assignee else "некому: нет другого активного менеджера"
    comment = f" «{req.comment}»" if req.comment else ""
    notifications.raise_notification(
        "low_rating", f"rating:{req.id}", f"Оценка {parsing.format_score(req.score)} от {req.customer.name}",
        f"Перезвонить: {who}.{comment}", url="/ratings/callbacks", priority=HIGH_PRIORITY, person=assignee)
    log.info("rating %s: low score %s, call-back for %s", req.id, req.score, assignee and assignee.username)
    return cb


def complete(cb: RatingCallback, actor, reason: str, outcome: str) -> RatingCallback:
    permissions.require(actor, "ratings.callback")
    reason = (reason or "").strip()
    if reason not in reasons():
        raise InputError("Выберите причину из списка.", "reason")
    outcome = (outcome or "").strip()
    if len(outcome) > 1000:
        raise InputError("Итог разговора длиннее 1000 знаков.", "outcome")
    with write_transaction():
        fresh = RatingCallback.get_by_id(cb.id)
        if fresh.status == "done":
            raise InputError("По этой оценке уже перезвонили.")
        fresh.status, fresh.reason, fresh.outcome = "done", reason, outcome
        fresh.done_by, fresh.done_at = actor, utcnow()
        fresh.save()
        audit.record(actor, "ratings.callback", fresh, {"status": ["open", "done"], "reason": [None, reason],
                                                        "outcome": [None, outcome]})
    notifications.resolve("low_rating", f"rating:{cb.request_id}", by=actor, comment=f"перезвонили: {reason}")
    return fresh


def get(cb_id: int) -> RatingCallback | None:
    return RatingCallback.get_or_none(RatingCallback.id == cb_id)


def open_list(user=None) -> list[RatingCallback]:
    """Open call-backs, the user's own first."""
    rows = list(RatingCallback.select().where(RatingCallback.status == "open").order_by(RatingCallback.created_at))
    if user is not None:
        rows.sort(key=lambda c: c.assignee_id != user.id)
    return rows


def done_list(limit: int = 50) -> list[RatingCallback]:
    return list(RatingCallback.select().where(RatingCallback.status == "done")
                .order_by(RatingCallback.done_at.desc()).limit(limit))

