from __future__ import annotations

import peewee

from db.models.base import BaseModel

ROLES = ("owner", "manager", "mechanic", "display")
ROLE_LABELS = {
    "owner": "владелец",
    "manager": "менеджер",
    "mechanic": "механик",
    "display": "табло мастерской",
}


class Staff(BaseModel):
    """A person (or a wall display) that logs in."""

    username = peewee.CharField(unique=True)
    full_name = peewee.CharField()
    role = peewee.CharField(choices=[(r, r) for r in ROLES])
    password_hash = peewee.CharField(default="")
    active = peewee.BooleanField(default=True)
    phone = peewee.CharField(default="")
    # Desk phone on the office PBX (migration 0014). DEFAULT in SQL too: 0001 creates this table from
    # the current model, and rows written by older code (or raw SQL) must not need the column.
    extension = peewee.CharField(default="", constraints=[peewee.SQL("DEFAULT ''")])
    failed_logins = peewee.IntegerField(default=0)
    locked_until = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField()

    # Flask-Login protocol, kept here so the web layer needs no wrapper class.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def short_name(self) -> str:
        parts = self.full_name.split()
        if len(parts) >= 2:
            return f"{parts[0]} {parts[1][0]}."
        return self.full_name

    def __str__(self) -> str:
        return self.full_name
