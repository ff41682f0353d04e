"""The audit log: every change a person makes, who/when/what, old -> new."""
from __future__ import annotations

import datetime as dt
import decimal
import json

from appliance.clock import utcnow
from db.models.audit import AuditEntry


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "id") and hasattr(value, "_meta"):
        return value.id
    return value


# How changed fields are named to a person reading the history. Areas add their fields here.
FIELD_LABELS = {
    "name": "имя", "source": "источник", "notes": "заметки", "kind": "тип", "phones": "телефоны",
    "make": "марка", "model": "модель", "year": "год", "vin": "VIN", "plate": "госномер",
    "engine": "двигатель", "mileage": "пробег", "deleted_at": "удалён", "merged_into": "объединён в",
    "last_visit_at": "последний визит", "username": "логин", "role": "роль", "assignee": "ответственный",
    "is_open": "открыто", "status": "статус", "comment": "комментарий",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def record(actor, action: str, obj, changes: dict | None = None, note: str = "") -> AuditEntry:
    """Write one entry. `obj` is a model instance or an (object_type, object_id) pair."""
    if isinstance(obj, tuple):
        object_type, object_id = obj
    else:
        object_type, object_id = obj._meta.table_name, obj.id
    payload = {k: [_plain(old), _plain(new)] for k, (old, new) in (changes or {}).items()}
    return AuditEntry.create(
        at=utcnow(),
        actor=actor if getattr(actor, "id", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes=json.dumps(payload, ensure_ascii=False) if payload else "",
        note=note,
    )


def diff(instance, new_values: dict) -> dict:
    """{field: (old, new)} for the fields whose value would change; assigns the new ones."""
    changes = {}
    for name, new in new_values.items():
        old = getattr(instance, name)
        if old != new:
            changes[name] = (old, new)
            setattr(instance, name, new)
    return changes


def history(object_type: str, object_id, limit: int = 100):
    return (
        AuditEntry.select()
        .where((AuditEntry.object_type == object_type) & (AuditEntry.object_id == str(object_id)))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )


def history_of_customer(customer_id: int, vehicle_ids: list[int], limit: int = 40):
    """The card's history block: changes of the customer and of its cars, newest first, one query."""
    where = (AuditEntry.object_type == "customer") & (AuditEntry.object_id == str(customer_id))
    if vehicle_ids:
        where |= (AuditEntry.object_type == "vehicle") & AuditEntry.object_id.in_([str(v) for v in vehicle_ids])
    return AuditEntry.select().where(where).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)


def log_page(object_type: str = "", actor_id: int | None = None, page: int = 1,
             per_page: int = 100) -> list[tuple[AuditEntry, dict]]:
    """The audit page: newest first, filtered by object kind and by who acted; each with its changes."""
    query = AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if actor_id:
        query = query.where(AuditEntry.actor == actor_id)
    return [(e, changes_of(e)) for e in query.paginate(page, per_page)]


def changes_of(entry: AuditEntry) -> dict:
    return json.loads(entry.changes) if entry.changes else {}
