from __future__ import annotations

import peewee

from db.models.base import BaseModel
from db.models.staff import Staff


class AuditEntry(BaseModel):
    """Who changed what, when, old -> new. Written by appliance.audit, never edited."""

    at = peewee.DateTimeField(index=True)
    actor = peewee.ForeignKeyField(Staff, null=True, backref="audit_entries", on_delete="SET NULL")
    action = peewee.CharField()  # create | update | delete | merge | login | ...
    object_type = peewee.CharField()
    object_id = peewee.CharField()
    changes = peewee.TextField(default="")  # JSON {field: [old, new]}
    note = peewee.TextField(default="")

    class Meta:
        indexes = ((("object_type", "object_id", "at"), False),)
