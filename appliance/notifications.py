"""The notification center: problems a person must look at, one open item per problem.

Each notification has an audience: roles and/or one person. The owner sees everything;
anyone else sees what is addressed to him, to his role, or what he took. Who gets what:

- a customer's parts order (late, not picked up, SMS failed): the order's manager and the
  owner; an order without a manager goes to every manager;
- website bookings (the workshop's): managers and mechanics (the service advisors);
- a customer's SMS reply: the manager of the customer's latest order, else every manager;
- missed calls, devices, the 1C exchange, arrivals and supplier orders: managers;
- low ratings: the owner.
"""
from __future__ import annotations

from peewee import fn

from appliance import audit, permissions
from appliance.clock import utcnow
from db import write_transaction
from db.models.notifications import Notification
from db.models.staff import ROLES

# Lower is hotter: a missed call is a customer walking away right now.
PRIORITIES = {
    "missed_call": 10,
    "customer_reply": 15,
    "order_problem": 20,
    "device": 25,
    "website_request": 30,
    "low_rating": 40,
    "exchange": 45,
    "reminder": 50,
}

KIND_LABELS = {
    "missed_call": "Пропущенные звонки",
    "customer_reply": "SMS от клиентов",
    "order_problem": "Проблемы с заказами",
    "device": "Оборудование и связь",
    "website_request": "Заявки с сайта",
    "low_rating": "Низкие оценки",
    "exchange": "Обмен с 1С",
    "reminder": "Напоминания",
}


OFFICE = ("owner", "manager")
WORKSHOP = ("owner", "manager", "mechanic")
AUDIENCES = {
    "missed_call": OFFICE,
    "customer_reply": OFFICE,
    "order_problem": OFFICE,
    "device": OFFICE,
    "website_request": WORKSHOP,
    "low_rating": ("owner",),
    "exchange": OFFICE,
    "reminder": OFFICE,
}


def _roles_text(roles) -> str:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles in a notification audience: {sorted(unknown)}")
    return "," + ",".join(r for r in ROLES if r in roles) + ","


def audience(kind: str, person=None, roles=None) -> tuple[str, object]:
    """(roles text, person): a person's problem goes to him and the owner, else to the kind's roles."""
    if roles is None:
        roles = ("owner",) if person is not None else AUDIENCES.get(kind, OFFICE)
    return _roles_text(roles), person


def raise_notification(kind: str, key: str, title: str, body: str = "", url: str = "",
                       assignee=None, priority: int | None = None, person=None, roles=None) -> Notification:
    """Open a notification, or refresh the open one about the same problem.

    It is for `person` and `roles`; by default an assigned one is for its assignee (and the
    owner), an unassigned one for the roles of its kind (AUDIENCES)."""
    now = utcnow()
    roles_text, person = audience(kind, person if person is not None else assignee, roles)
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
            existing.audience_roles, existing.audience_person = roles_text, person
            existing.save()
            return existing
        return Notification.create(
            kind=kind, key=key, title=title, body=body, url=url, assignee=assignee,
            audience_roles=roles_text, audience_person=person,
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


def mark_done(notification: Notification, by, comment: str = "") -> None:
    """A person closes it by hand: only one he may see and nobody else took (the owner: any)."""
    permissions.require(by, "notification.close", notification)
    if notification.is_open:
        close(notification, by, comment)


def take(notification: Notification, by) -> None:
    permissions.require(by, "notification.close", notification)
    with write_transaction():
        old = notification.assignee_id
        notification.assignee = by
        if notification.seen_at is None:
            notification.seen_at, notification.seen_by = utcnow(), by
        notification.save()
        audit.record(by, "assign", notification, {"assignee": (old, by.id)})


def for_user(user):
    """The condition "addressed to this user": all for the owner (and the system), none for the tablet."""
    role = getattr(user, "role", None)
    if user is None or role == "owner":
        return Notification.id.is_null(False)
    if not permissions.can(user, "notification.view"):
        return Notification.id.is_null()
    return ((Notification.audience_person == user.id) | (Notification.assignee == user.id)
            | Notification.audience_roles.contains(f",{role},"))


def visible(notification: Notification, user) -> bool:
    return Notification.select().where((Notification.id == notification.id) & for_user(user)).exists()


def get_for(notification_id: int, user) -> Notification | None:
    """The notification if it is addressed to `user` (others are as if absent)."""
    return Notification.select().where((Notification.id == notification_id) & for_user(user)).first()


def open_items(kind: str | None = None, user=None):
    query = Notification.select().where(Notification.is_open & for_user(user))
    if kind:
        query = query.where(Notification.kind == kind)
    return query.order_by(Notification.priority, Notification.created_at)


def resolved_items(kind: str | None = None, user=None, limit: int = 100):
    query = Notification.select().where(~Notification.is_open & for_user(user))
    if kind:
        query = query.where(Notification.kind == kind)
    return query.order_by(Notification.resolved_at.desc()).limit(limit)


def badge(user=None) -> dict:
    """Counts for the header badge: cheap, polled by every browser; only what is addressed to `user`."""
    mine_too = Notification.is_open & for_user(user)
    total = Notification.select().where(mine_too).count()
    hottest = Notification.select(Notification.priority).where(mine_too).order_by(Notification.priority).first()
    mine = 0
    if user is not None:
        mine = Notification.select().where(mine_too & (Notification.assignee == user.id)).count()
    return {"total": total, "mine": mine, "hot": bool(hottest and hottest.priority <= PRIORITIES["order_problem"])}


def counts_by_kind(user=None) -> dict[str, int]:
    rows = (Notification.select(Notification.kind, fn.COUNT(Notification.id).alias("n"))
            .where(Notification.is_open & for_user(user)).group_by(Notification.kind))
    return {r.kind: r.n for r in rows}


@permissions.limit("notification_audience")
def _audience_limit(user, notification) -> str | None:
    if notification is None or visible(notification, user):
        return None
    return "Это уведомление адресовано не вам."


@permissions.limit("own_notification")
def _own_limit(user, notification) -> str | None:
    """His own or his role's, and not taken by someone else (that is for the owner)."""
    why = _audience_limit(user, notification)
    if why or notification is None:
        return why
    taken_by = notification.assignee
    if taken_by is None or taken_by.id == user.id:
        return None
    why = permissions.reason(user, "notification.close_others", notification)
    return f"Уведомление взял(а) {taken_by.short_name}. {why}" if why else None
