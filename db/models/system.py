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
