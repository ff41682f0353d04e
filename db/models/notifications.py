from __future__ import annotations

import peewee

from db.models.base import BaseModel
from db.models.staff import Staff


class Notification(BaseModel):
    """Something a person must look at and resolve. One open row per (kind, key)."""

    kind = peewee.CharField(index=True)
    key = peewee.CharField()  # what problem this is about, for de-duplication
    priority = peewee.IntegerField(default=50)  # lower is hotter
    title = peewee.CharField()
    body = peewee.TextField(default="")
    url = peewee.CharField(default="")
    assignee = peewee.ForeignKeyField(Staff, null=True, backref="assigned_notifications", on_delete="SET NULL")
    # Who it is for (the owner sees all): roles as ",manager,mechanic," and/or one person.
    audience_roles = peewee.CharField(default=",owner,manager,")
    audience_person = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()
    occurrences = peewee.IntegerField(default=1)
    seen_at = peewee.DateTimeField(null=True)
    seen_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    resolved_at = peewee.DateTimeField(null=True, index=True)
    resolved_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    resolution = peewee.TextField(default="")
    is_open = peewee.BooleanField(default=True, index=True)

    class Meta:
        indexes = ((("kind", "key", "is_open"), False),)
