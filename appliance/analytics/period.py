"""The period a figure is computed for, the two it is compared with, and growth in %.

Kinds: ``month`` (this month to today), ``last_month`` (the whole previous month), ``quarter``
(this quarter to today), ``year`` (this year to today), ``custom`` (from/to, both included).
The previous period of a month-aligned kind is the same stretch shifted by its length in
months (1-20 November is compared with 1-20 October, not with all of October); a custom
period is compared with the same number of days right before it. "A year ago" is the same
dates twelve months earlier (29 February becomes the 28th).
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

from appliance import forms
from appliance.clock import days_span, local_today
from appliance.errors import InputError

KINDS = {"month": "этот месяц", "last_month": "прошлый месяц", "quarter": "квартал", "year": "год",
         "custom": "свой период"}
MAX_YEARS = 20
_SHIFT = {"month": 1, "last_month": 1, "quarter": 3, "year": 12}


@dataclasses.dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date
    kind: str = "custom"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) in naive UTC: what queries compare stored moments with."""
        return days_span(self.first, self.last)

    @property
    def label(self) -> str:
        return f"{self.first:%d.%m.%Y} – {self.last:%d.%m.%Y}"

    def query(self) -> dict[str, str]:
        """The URL arguments that give this period back (links to lists and CSV)."""
        if self.kind == "custom":
            return {"period": "custom", "from": f"{self.first:%d.%m.%Y}", "to": f"{self.last:%d.%m.%Y}"}
        return {"period": self.kind}

    def previous(self) -> Period:
        months = _SHIFT.get(self.kind)
        if months is None:
            return Period(self.first - dt.timedelta(days=self.days), self.first - dt.timedelta(days=1))
        return Period(shift_months(self.first, -months), _shift_last(self.last, -months))

    def year_ago(self) -> Period:
        return Period(shift_months(self.first, -12), _shift_last(self.last, -12))


def shift_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months away, clamped to the month's end (31.03 − 1 → 28.02)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _shift_last(day: dt.date, months: int) -> dt.date:
    """A period that ends on a month's last day still ends on one after the shift (30.11 → 31.10)."""
    shifted = shift_months(day, months)
    return _month_end(shifted) if day == _month_end(day) else shifted




def make(kind: str = "month", first: str = "", last: str = "", today: dt.date | None = None) -> Period:
    """The period a person chose; a bad choice is an InputError with a Russian message."""
    today = today or local_today()
    kind = (kind or "month").strip()
    if kind == "month":
        return Period(today.replace(day=1), today, kind)
    if kind == "last_month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return Period(end.replace(day=1), end, kind)
    if kind == "quarter":
        return Period(dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1), today, kind)
    if kind == "year":
        return Period(dt.date(today.year, 1, 1), today, kind)
    if kind != "custom":
        raise InputError(f"Период «{kind[:20]}» не знаю: выберите месяц, квартал, год или свой.", "period")
    d_first, d_last = forms.day(first, "from"), forms.day(last, "to")
    if d_first is None or d_last is None:
        raise InputError("Для своего периода укажите обе даты: с и по.", "from" if d_first is None else "to")
    for day, field in ((d_first, "from"), (d_last, "to")):
        if not 2000 <= day.year <= 2100:
            raise InputError(f"Дата {day.day:02d}.{day.month:02d}.{day.year:04d}: магазин считает с 2000 по 2100 год.",
                             field)
    if d_last < d_first:
        raise InputError(f"Период перевёрнут: «с» {d_first:%d.%m.%Y} позже, чем «по» {d_last:%d.%m.%Y}.", "to")
    if shift_months(d_first, 12 * MAX_YEARS) <= d_last:
        raise InputError(f"Период длиннее {MAX_YEARS} лет: выберите короче.", "from")
    return Period(d_first, d_last, "custom")


def growth(current, before) -> float | None:
    """Growth in % from ``before`` to ``current``; None (shown «—») when there is nothing to compare."""
    if current is None or before is None or before == 0:
        return None
    return (float(current) - float(before)) / abs(float(before)) * 100.0
