"""What the CommerceML reader yields (one dataclass per record element) and how it reads 1C's
numbers, dates and flags: shared by the reader and the importer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from appliance.exchange.errors import ExchangeFileError

# ---------------------------------------------------------------- records


@dataclass(slots=True)
class Header:
    """The root element: schema version and when 1C made the file."""

    version: str
    generated_at: datetime | None


@dataclass(slots=True)
class Group:
    onec_id: str
    name: str
    parent_id: str | None = None


@dataclass(slots=True)
class Warehouse:
    onec_id: str
    name: str


@dataclass(slots=True)
class PriceType:
    onec_id: str
    name: str
    currency: str = ""


@dataclass(slots=True)
class CatalogStart:
    """``<Каталог>`` began; ``only_changes`` false means the export is complete."""

    onec_id: str
    only_changes: bool


@dataclass(slots=True)
class Product:
    onec_id: str
    article: str
    name: str
    brand: str = ""
    group_ids: list[str] = field(default_factory=list)
    barcode: str = ""
    deleted: bool = False
    line: int = 0


@dataclass(slots=True)
class OffersStart:
    """``<ПакетПредложений>`` began."""

    onec_id: str
    only_changes: bool


@dataclass(slots=True)
class Offer:
    """Price and stock of a product (``onec_id`` may carry ``#variant``)."""

    onec_id: str
    article: str
    name: str
    prices: dict[str, Decimal] = field(default_factory=dict)  # price type id -> price per unit
    quantity: Decimal | None = None  # total over warehouses, None when the file has no stock
    per_warehouse: dict[str, Decimal] = field(default_factory=dict)  # warehouse id -> qty
    deleted: bool = False
    line: int = 0

    @property
    def product_id(self) -> str:
        return self.onec_id.split("#", 1)[0]


@dataclass(slots=True)
class DocumentLine:
    onec_id: str
    article: str
    name: str
    brand: str
    quantity: Decimal
    price: Decimal | None
    amount: Decimal | None


@dataclass(slots=True)
class Document:
    """A ``<Документ>``: kind is ``sale``, ``return``, ``receipt``, ``order`` or ``other``."""

    onec_id: str
    number: str
    date: datetime
    operation: str
    role: str
    kind: str
    total: Decimal | None
    counterparty: str = ""
    phones: list[str] = field(default_factory=list)
    card: str = ""
    manager: str = ""
    warehouse: str = ""
    comment: str = ""
    deleted: bool = False
    posted: bool = True
    lines: list[DocumentLine] = field(default_factory=list)
    line: int = 0
    base: str = ""  # a return: the sale it returns goods of
    points: Decimal | None = None  # a sale: paid with bonus points
    paid: Decimal | None = None  # a sale: money paid so far, when 1C says
    order_ref: str = ""  # a sale: the customer order it fulfils («Заказ покупателя»)
    prepayment: Decimal | None = None  # a customer order: money taken in advance
    status: str = ""  # a customer order: its status as 1C writes it
    cancelled: bool = False  # a customer order: «Отменен»


Record = Header | Group | Warehouse | PriceType | CatalogStart | Product | OffersStart | Offer | Document


# ---------------------------------------------------------------- value parsing


def parse_decimal(text: str | None, where: str, line: int = 0) -> Decimal | None:
    """A number as 1C writes it: ``1234.5``, ``1 234,5`` (decimal comma, nbsp groups)."""
    if text is None:
        return None
    s = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not s:
        return None
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    else:
        s = s.replace(",", ".")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise ExchangeFileError(f"«{text.strip()[:40]}» — не число", line, where) from None
    if not value.is_finite():
        raise ExchangeFileError(f"«{text.strip()[:40]}» — не число", line, where)
    return value


_ISO_DT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_RU_DT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_datetime(text: str | None, where: str, line: int = 0) -> datetime | None:
    """ISO dates (``2026-11-20``, ``2026-11-20T14:05:00``) and Russian ``20.11.2026 14:05``."""
    if text is None or not text.strip():
        return None
    s = text.strip()
    m = _ISO_DT.match(s)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _RU_DT.match(s)
        if not m:
            raise ExchangeFileError(f"«{s[:40]}» — не дата", line, where)
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    try:
        return datetime(y, mo, d, int(m[4] or 0), int(m[5] or 0), int(m[6] or 0))
    except ValueError:
        raise ExchangeFileError(f"«{s[:40]}» — такой даты нет", line, where) from None


def parse_time(text: str | None) -> time | None:
    if not text or not text.strip():
        return None
    m = re.match(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?", text.strip())
    if not m:
        return None
    try:
        return time(int(m[1]), int(m[2]), int(m[3] or 0))
    except ValueError:
        return None


def truthy(text: str | None) -> bool:
    return (text or "").strip().lower() in {"true", "1", "да", "истина"}


def paid_amount(text: str, where: str, line: int) -> Decimal | None:
    """«Оплачено»: a sum, or a flag some configurations write (да/true: paid, нет/false: nothing yet)."""
    flag = (text or "").strip().lower()
    if flag in {"true", "да", "истина", ""}:
        return None
    if flag in {"false", "нет", "ложь"}:
        return Decimal(0)
    return parse_decimal(text, where, line)


_BASE = re.compile(r"(?:^|\s)(?P<number>[^\s]+)\s+от\s+(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})", re.I)


def base_keys(base: str) -> tuple[str, str, date | None]:
    """(1C Ид or whole text, document number, document day) from a reference to another
    document as 1C prints it: «Реализация товаров ЧК-000301 от 02.11.2026 12:05:41», a bare
    number, or the document's Ид."""
    base = " ".join((base or "").split())
    m = _BASE.search(base)
    if m:
        try:
            return base, m["number"], date(int(m["year"]), int(m["month"]), int(m["day"]))
        except ValueError:
            return base, m["number"], None
    return base, base.split()[-1] if base else "", None


def norm(text: str | None) -> str:
    return " ".join((text or "").replace("ё", "е").replace("Ё", "Е").split()).lower()


# ---------------------------------------------------------------- hardened streaming core
