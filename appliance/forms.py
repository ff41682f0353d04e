"""Reading what a person typed: one set of parsers for every form, view and rule.

Each parser takes the raw value (a string from a form, None when the field was not sent)
and returns a clean Python value or raises InputError with a Russian message that names
the field. Views use them to read request data; rules use them to check what they are
given, so a value a fuzzer or a stale tab sends never reaches SQLite or a loop unchecked.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from appliance.errors import InputError

# SQLite's INTEGER (and PostgreSQL's bigint) is signed 64-bit; a larger id matches no row.
MAX_ID = 2**63 - 1

# Field lengths shown to people: what a shop writes there, with room to spare.
NAME_LEN = 200      # a person's or a company's name, a staff member's full name
SHORT_LEN = 60      # car make, model, engine, a login
ARTICLE_LEN = 100   # article, brand
URL_LEN = 500
NOTE_LEN = 2000     # notes, complaints, comments, reasons

_ID = re.compile(r"[0-9]{1,19}")
_WHOLE = re.compile(r"[-+]?[0-9]+")


class _Keep:
    """The field was not in the form: leave the stored value as it is."""

    def __repr__(self) -> str:
        return "KEEP"

    def __bool__(self) -> bool:
        return False


KEEP = _Keep()


def _grouped(n: int | Decimal) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def _raw(value) -> str:
    return str(value if value is not None else "").strip().replace("\u00a0", "").replace(" ", "")


def row_id(value) -> int | None:
    """An id from a form, a query string or a hidden field: ASCII digits that fit 64 bits, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    raw = str(value or "").strip()
    if not _ID.fullmatch(raw):
        return None
    number = int(raw)
    return number if 0 < number <= MAX_ID else None


def ref(value, field: str, label: str) -> int | None:
    """An id picked from a list (a select, a hidden field): empty is None, anything else but an id is refused.
    Whether the row exists is the rule's check."""
    if value is None or not str(value).strip():
        return None
    number = row_id(value)
    if number is None:
        raise InputError(f"{label}: выберите из списка.", field)
    return number


def row_ids(values) -> list[int]:
    """The valid ids among several (checkboxes); junk is skipped."""
    return [i for i in (row_id(v) for v in values) if i is not None]


def whole(value, field: str, label: str, lo: int = 0, hi: int = 1_000_000, *,
          required: bool = False, default: int | None = None) -> int | None:
    """A whole number lo..hi ("1 500" is fine); empty gives `default` unless required."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raw = _raw(value)
        if not raw:
            if required:
                raise InputError(f"{label}: укажите число.", field)
            return default
        if not _WHOLE.fullmatch(raw):
            raise InputError(f"{label}: «{_clip(value)}» — не число; нужно целое число, например 12.", field)
        number = int(raw) if len(raw) <= 20 else None  # longer is out of any range (and of int()'s limit)
    if number is None or not lo <= number <= hi:
        raise InputError(f"{label}: от {_grouped(lo)} до {_grouped(hi)}.", field)
    return number


def number(value, field: str, label: str, lo: Decimal | int = 0, hi: Decimal | int = 1_000_000, *,
           required: bool = False, default: Decimal | None = None, above_lo: bool = False) -> Decimal | None:
    """A decimal ("1,5", "1 500.25") lo..hi; never NaN or infinity. `above_lo`: lo itself is refused."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        amount = Decimal(value)
    else:
        raw = _raw(value).replace(",", ".")
        if not raw:
            if required:
                raise InputError(f"{label}: укажите число.", field)
            return default
        try:
            amount = Decimal(raw) if len(raw) <= 30 else Decimal("NaN")
        except InvalidOperation:
            amount = Decimal("NaN")
    if not amount.is_finite():
        raise InputError(f"{label}: «{_clip(value)}» — не число. Пример: 1,5.", field)
    if amount < lo or amount > hi or (above_lo and amount == lo):
        low = f"больше {_grouped(Decimal(lo))}" if above_lo else f"от {_grouped(Decimal(lo))}"
        raise InputError(f"{label}: {low} до {_grouped(Decimal(hi))}.", field)
    return amount


def text(value, field: str, label: str, max_len: int = NAME_LEN, *, required: bool = False,
         multiline: bool = False) -> str:
    """Trimmed text no longer than max_len; one line (spaces collapsed) unless multiline."""
    result = str(value if value is not None else "")
    result = result.replace("\x00", "")
    result = result.strip() if multiline else re.sub(r"\s+", " ", result).strip()
    if required and not result:
        raise InputError(f"{label}: заполните поле.", field)
    if len(result) > max_len:
        raise InputError(f"{label}: не длиннее {_grouped(max_len)} знаков (сейчас {_grouped(len(result))}).", field)
    return result


def choice(value, field: str, label: str, choices, default: str | None = None) -> str:
    """One of `choices` (a dict's keys or a sequence); empty gives `default` when there is one."""
    raw = str(value if value is not None else "").strip()
    if not raw and default is not None:
        return default
    if raw not in choices:
        raise InputError(f"{label}: выберите значение из списка.", field)
    return raw


def day(value, field: str, label: str = "Дата") -> dt.date | None:
    """«22.11.2026» or «22.11.26» (as people type) or «2026-11-22» (as scripts and date inputs
    send); empty gives None."""
    if isinstance(value, dt.date):
        return value
    raw = str(value if value is not None else "").strip()
    if not raw:
        return None
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise InputError(f"{label} «{_clip(raw, 20)}»: нужно вида 22.11.2026.", field)


def _clip(value, n: int = 30) -> str:
    s = str(value)
    return s if len(s) <= n else s[:n] + "…"
