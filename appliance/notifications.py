"""The notification center: problems a person must look at, one open item per problem."""
from __future__ import annotations

from appliance import audit
from appliance.clock import utcnow
from db import write_transaction
from db.models.notifications import Notification

# Lower is hotter: a missed call is a customer walking away right now.
PRIORITIES = {
    "missed_call": 10,
    "order_problem": 20,
    "device": 25,
    "website_request": 30,
    "low_rating": 40,
    "exchange": 45,
    "reminder": 50,
}

KIND_LABELS = {
    "missed_call": "Пропущенные звонки",
    "order_problem": "Проблемы с заказами",
    "device": "Оборудование и связь",
    "website_request": "Заявки с сайта",
    "low_rating": "Низкие оценки",
    "exchange": "Обмен с 1С",
    "reminder": "Напоминания",
}


def raise_notification(kind: str, key: str, title: str, body: str = "", url: str = "",
                       assignee=None, priority: int | None = None) -> Notification:
    """Open a notification, or refresh the open one about the same problem."""
    now = utcnow()
    with write_transaction():
        existing = (Notification.select()
                    .where((Notification.kind == kind) & (Notification.key == key) & Notification.is_open)
                    .first())
        if existing:
            existing.title, existing.body, existing.url = title, body, url or existing.url
            existing.updated_at = now
            existing.occurrences += 1
            if assignee is not None and existing.assignee_id is None:
                existing.assignee = assignee
            existing.save()
            return existing
        return Notification.create(
            kind=kind, key=key, title=title, body=body, url=url, assignee=assignee,
            priority=PRIORITIES.get(kind, 50) if priority is None else priority,
            created_at=now, updated_at=now,
        )


def resolve(kind: str, key: str, by=None, comment: str = "") -> int:
    """Close the open notification about this problem (a job saw it fixed, or a person did)."""
    count = 0
    for n in Notification.select().where(
            (Notification.kind == kind) & (Notification.key == key) & Notification.is_open):
        close(n, by, comment)
        count += 1
    return count


def close(notification: Notification, by=None, comment: str = "") -> None:
    with write_transaction():
        notification.is_open = False
        notification.resolved_at = utcnow()
        notification.resolved_by = by
        notification.resolution = comment
        notification.save()
        if by is not None:
            audit.record(by, "resolve", notification, {"is_open": (True, False)}, note=comment)


def take(notification: Notification, by) -> None:
    with write_transaction():
        old = notification.assignee_id
        notification.assignee = by
        if notification.seen_at is None:
            notification.seen_at, notification.seen_by = utcnow(), by
        notification.save()
        audit.record(by, "assign", notification, {"assignee": (old, by.id)})


def open_items(kind: str | None = None):
    query = Notification.select().where(Notification.is_open)
    if kind:
        query = query.where(Notification.kind == kind)
    return query.order_by(Notification.priority, Notification.created_at)


def badge(user=None) -> dict:
    """Counts for the header badge: cheap, polled by every browser."""
    total = Notification.select().where(Notification.is_open).count()
    hottest = (Notification.select(Notification.priority).where(Notification.is_open)
               .order_by(Notification.priority).first())
    mine = 0
    if user is not None:
        mine = Notification.select().where(Notification.is_open & (Notification.assignee == user.id)).count()
    return {"total": total, "mine": mine, "hot": bool(hottest and hottest.priority <= PRIORITIES["order_problem"])}


def counts_by_kind() -> dict[str, int]:
    from peewee import fn

    rows = (Notification.select(Notification.kind, fn.COUNT(Notification.id).alias("n"))
            .where(Notification.is_open).group_by(Notification.kind))
    return {r.kind: r.n for r in rows}
