"""The supplier adapter interface and the plain values adapters return.

Every supplier, whatever it speaks (an ABCP-like JSON API, a CSV price list), is an
adapter with three calls: ``search`` (price check), ``place_order`` and ``line_status``.
Callers (the counter's price check, the nightly stock watch, the parts-orders tracking
job) depend on this module only, never on a concrete adapter.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from appliance import clock
from appliance.parts import article_key, brand_key

ORDERED = "ordered"
CONFIRMED = "confirmed"
SHIPPED = "shipped"
REFUSED = "refused"
LINE_STATUSES = (ORDERED, CONFIRMED, SHIPPED, REFUSED)

STATUS_LABELS_RU = {
    ORDERED: "заказано",
    CONFIRMED: "подтверждено",
    SHIPPED: "отгружено",
    REFUSED: "отказ",
}


class SupplierError(Exception):
    """A supplier call failed; ``message_ru`` is what a person may be shown."""

    def __init__(self, message_ru: str, *, supplier: str = "", detail: str = ""):
        super().__init__(message_ru)
        self.message_ru = message_ru
        self.supplier = supplier
        self.detail = detail


class LinkDown(SupplierError):
    """The supplier cannot be reached now (network, timeout, 5xx after retries).

    Work that needs the link waits and is retried later; never shown as an error.
    """


class AuthFailed(SupplierError):
    """Login or password rejected: a person has to fix the supplier settings."""


class OrderRejected(SupplierError):
    """The supplier answered but did not accept the order (nothing was placed)."""


@dataclass(frozen=True)
class Offer:
    """One supplier's answer for one part: price in kopecks, days are calendar days."""

    supplier: str
    article: str
    brand: str
    name: str
    price_kop: int
    qty: int | None  # None: "available", quantity not disclosed
    days_min: int
    days_max: int
    pack: int = 1  # sold in multiples of this
    min_qty: int = 1  # minimum order quantity
    offer_key: str = ""  # what the adapter needs to order exactly this offer
    retail_kop: int | None = None  # shop's selling price after the supplier markup
    is_analog: bool = False  # the supplier proposed a replacement article
    own_stock: bool = False  # the shop's own warehouse, not a supplier
    supplier_name: str = ""

    @property
    def article_key(self) -> str:
        return article_key(self.article)

    @property
    def brand_key(self) -> str:
        return brand_key(self.brand)

    def with_(self, **changes) -> Offer:
        return replace(self, **changes)

    def order_qty(self, wanted: int) -> int:
        """Smallest quantity >= ``wanted`` that the supplier will accept."""
        return round_to_pack(wanted, self.pack, self.min_qty)


def round_to_pack(qty: int | float, pack: int = 1, min_qty: int = 1) -> int:
    """Round a wanted quantity up to the pack size and at least the minimum order."""
    pack = max(1, int(pack or 1))
    min_qty = max(1, int(min_qty or 1))
    if qty <= 0:
        return 0
    need = max(math.ceil(qty), min_qty)
    return math.ceil(need / pack) * pack


@dataclass(frozen=True)
class OrderLine:
    """A line to order: which offer and how many. ``ref`` is ours, echoed back."""

    article: str
    brand: str
    qty: int
    offer_key: str = ""
    price_kop: int | None = None
    ref: str = ""
    comment: str = ""


@dataclass(frozen=True)
class LineStatus:
    """Where one ordered line stands at the supplier."""

    order_ref: str
    article: str
    brand: str
    qty: int
    status: str  # one of LINE_STATUSES
    reason: str = ""  # the supplier's words on a refusal
    line_ref: str = ""  # the supplier's position id
    ref: str = ""  # our OrderLine.ref when the supplier echoes it

    @property
    def label_ru(self) -> str:
        return STATUS_LABELS_RU.get(self.status, self.status)


@dataclass(frozen=True)
class OrderRef:
    """What a placed order is known by at the supplier, with each line's first status."""

    supplier: str
    ref: str
    lines: tuple[LineStatus, ...] = field(default_factory=tuple)


@dataclass
class SupplierConfig:
    """One supplier's settings, from an INI section or a settings-UI row."""

    code: str
    kind: str = "abcp"  # abcp | pricelist
    name: str = ""
    url: str = ""
    login: str = ""
    password: str = ""
    markup: float = 0.0  # percent the shop adds to this supplier's price for retail
    lead_days: int = 0  # extra days to get the goods from the supplier to the shop
    working_days: str = "1-5"  # ISO weekdays the supplier ships on, "1-5" or "1,3,5"
    concurrency: int = 4
    rate_limit: float = 5.0  # requests per second, 0 = unlimited
    enabled: bool = True
    options: dict = field(default_factory=dict)  # kind-specific (price-list columns...)
    source: str = "ini"  # ini | db

    @property
    def display_name(self) -> str:
        return self.name or self.code

    def weekdays(self) -> frozenset[int]:
        return parse_weekdays(self.working_days)


def parse_weekdays(text: str | None) -> frozenset[int]:
    """'1-5' -> {1..5}; '1,3,5' -> {1,3,5}; empty -> every day."""
    days: set[int] = set()
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            days.update(range(int(a), int(b) + 1))
        else:
            days.add(int(part))
    days &= set(range(1, 8))
    return frozenset(days) if days else frozenset(range(1, 8))


def calendar_days(working: int, start_weekday: int, weekdays: Iterable[int]) -> int:
    """Calendar days needed for ``working`` supplier working days from a weekday (1=Mon).

    A supplier that quotes "2 days" and ships Mon-Fri delivers a Friday order on Tuesday.
    """
    weekdays = frozenset(weekdays) or frozenset(range(1, 8))
    if working <= 0:
        return 0
    day, done, passed = start_weekday, 0, 0
    while done < working:
        day = day % 7 + 1
        passed += 1
        if day in weekdays:
            done += 1
    return passed


class SupplierAdapter:
    """Base class: one instance per configured supplier."""

    kind = ""

    def __init__(self, config: SupplierConfig):
        self.config = config
        self.code = config.code

    @property
    def name(self) -> str:
        return self.config.display_name

    def search(self, article: str, brand: str | None = None) -> list[Offer]:
        """Price check: every offer for this article (and replacements if offered)."""
        raise NotImplementedError

    def place_order(self, lines: list[OrderLine], client_ref: str = "") -> OrderRef:
        """Order lines; ``client_ref`` is our idempotency key for safe retries."""
        raise NotImplementedError

    def line_status(self, order_ref: str) -> list[LineStatus]:
        """Current status of every line of a placed order."""
        raise NotImplementedError

    def ping(self) -> bool:
        """Is the supplier reachable right now (cheap call)?"""
        return True

    # helpers shared by adapters
    def _retail(self, price_kop: int) -> int:
        return int(round(price_kop * (1 + (self.config.markup or 0) / 100.0)))

    def _days(self, days: int, weekday: int | None = None) -> int:
        """Supplier working days + our own lead days -> calendar days."""
        wd = weekday or clock.local_now().isoweekday()
        return calendar_days(days, wd, self.config.weekdays()) + int(self.config.lead_days or 0)
