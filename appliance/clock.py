"""Time: stored as naive UTC, shown and scheduled in the shop's time zone."""
from __future__ import annotations

import datetime as dt

from appliance import settings

UTC = dt.UTC


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC).replace(tzinfo=None)


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(settings.get().tz)


def local_now() -> dt.datetime:
    return to_local(utcnow())


def local_to_utc(value: dt.datetime) -> dt.datetime:
    """A naive shop-time datetime (from a form) to naive UTC for storage."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=settings.get().tz)
    return value.astimezone(UTC).replace(tzinfo=None)


def local_today() -> dt.date:
    return local_now().date()
