from __future__ import annotations

import peewee

from db.models.base import BaseModel


class Heartbeat(BaseModel):
    """Each process says it is alive here; the status bar reads it."""

    process = peewee.CharField(unique=True)
    at = peewee.DateTimeField()
    detail = peewee.TextField(default="")


class KeyValue(BaseModel):
    """Small facts the box keeps about itself (installation uuid, last backup...)."""

    key = peewee.CharField(unique=True)
    value = peewee.TextField(default="")


class FormToken(BaseModel):
    """A create form's one-time token: the first POST that carries it is saved, a second one
    (a double click, a resent form) gets the first one's answer back instead of a second row."""

    token = peewee.CharField(unique=True)
    staff_id = peewee.IntegerField(null=True)
    created_at = peewee.DateTimeField(index=True)
    done = peewee.BooleanField(default=False)  # False while the first request is still running
    status = peewee.IntegerField(default=0)
    headers = peewee.TextField(default="")  # JSON: the answer's headers worth replaying
    body = peewee.TextField(default="")
