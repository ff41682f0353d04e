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


def shop_date(value: dt.datetime) -> dt.date:
    """The shop day a stored (naive UTC) moment belongs to: 22:30 UTC is already tomorrow in Moscow."""
    return to_local(value).date()


def day_start(day: dt.date) -> dt.datetime:
    """Shop midnight at the start of ``day``, as naive UTC for queries."""
    return local_to_utc(dt.datetime.combine(day, dt.time()))


def days_span(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in naive UTC covering the shop days ``first`` through ``last``."""
    return day_start(first), day_start(last + dt.timedelta(days=1))


def whole_days_before(days: int, today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The last ``days`` complete shop days before today: the same window at 23:50 and at 00:10
    means the same days, whatever the hour a nightly job starts."""
    today = today or local_today()
    return days_span(today - dt.timedelta(days=days), today - dt.timedelta(days=1))
