"""The arithmetic of points, pure and exact: integers and fractions, never floats.

Points are kopecks of a rouble (1 балл = 1 ₽ = 100 units). A percent is kept in basis
points (5 % = 500, 2,5 % = 250). Rounding is always down, and every split of a whole among
lines or among partial returns adds up to the whole exactly.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from appliance import settings


@dataclasses.dataclass(frozen=True)
class Rules:
    percent_bp: int  # basis points of the money paid
    hold_days: int
    expiry_months: int
    excluded_groups: frozenset[str]
    levels: tuple[tuple[int, int], ...] = ()  # (spent in 12 months, kopecks; basis points), rising

    def level_bp(self, spent_kop: int) -> int:
        """The accrual percent for a customer who bought for `spent_kop` in the last 12 months."""
        bp = self.percent_bp
        for threshold, level in self.levels:
            if spent_kop >= threshold:
                bp = level
        return bp


def percent_bp(text: str) -> int:
    """'5' -> 500, '2,5' -> 250; a percent outside 0..100 is a configuration error."""
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"[loyalty] percent: «{text}» is not a number") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValueError(f"[loyalty] percent must be 0..100, got {text}")
    return int(value * 100)


def group_key(name: str | None) -> str:
    return " ".join((name or "").replace("ё", "е").lower().split())


def parse_levels(text: str) -> tuple[tuple[int, int], ...]:
    """'50000:7 | 150000:10' (roubles bought in 12 months : percent) -> ((5000000, 700), (15000000, 1000))."""
    out = []
    for item in (text or "").split("|"):
        if not item.strip():
            continue
        threshold, sep, percent = item.partition(":")
        if not sep:
            raise ValueError(f"[loyalty] levels: «{item.strip()}» is not «roubles:percent»")
        try:
            roubles = Decimal(threshold.strip().replace(" ", "").replace(",", "."))
        except InvalidOperation:
            raise ValueError(f"[loyalty] levels: «{threshold.strip()}» is not a sum") from None
        out.append((int(roubles * 100), percent_bp(percent)))
    return tuple(sorted(out))


def current() -> Rules:
    cfg = settings.get()
    groups = frozenset(group_key(g) for g in (cfg.get("loyalty", "excluded_groups") or "").split("|") if g.strip())
    return Rules(percent_bp(cfg.get("loyalty", "percent")), cfg.getint("loyalty", "hold_days"),
                 cfg.getint("loyalty", "expiry_months"), groups, parse_levels(cfg.get("loyalty", "levels")))


def shares(amounts: list[int], whole: int) -> list[int]:
    """`whole` split in proportion to `amounts` (largest remainder): the parts add up to it."""
    total = sum(amounts)
    if whole <= 0 or total <= 0:
        return [0] * len(amounts)
    exact = [Fraction(a * whole, total) for a in amounts]
    parts = [int(x) for x in exact]
    rest = whole - sum(parts)
    order = sorted(range(len(amounts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:rest]:
        parts[i] += 1
    return parts


def points_for(paid_kop: int, bp: int) -> int:
    """Points earned by money paid: rounded down to the kopeck."""
    return max(0, paid_kop) * bp // 10000


def part(value: int, done_qty, qty) -> int:
    """The share of `value` that belongs to `done_qty` of `qty` (rounded down, cumulative):
    the differences of successive parts add up to `value` when all of `qty` is done."""
    qty = Fraction(Decimal(str(qty)))
    done = min(Fraction(Decimal(str(done_qty))), qty)
    if qty <= 0:
        return value
    return int(value * done / qty) if value >= 0 else -int(-value * done / qty)


def line_points(lines: list[tuple[int, str]], redeemed_kop: int, rules: Rules,
                bp: int | None = None) -> tuple[list[int], list[int]]:
    """(points, points spent) per line of a sale; lines are (sum_kop, product group).

    The points spent on the sale are spread over its lines in proportion to their sums; a
    line earns the percent of what was paid for it in money, nothing if its group is excluded.
    """
    spent = shares([max(0, s) for s, _ in lines], redeemed_kop)
    bp = rules.percent_bp if bp is None else bp
    points = [0 if group_key(g) in rules.excluded_groups else points_for(s - sp, bp)
              for (s, g), sp in zip(lines, spent, strict=True)]
    return points, spent


def add_months(when: dt.datetime, months: int) -> dt.datetime:
    """The same day N months later (31 January + 1 month = 28/29 February)."""
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def fully_paid(total_kop: int, redeemed_kop: int, paid_kop: int | None) -> bool:
    """A sale earns points only once its money part is paid in full (None: paid at the till)."""
    return paid_kop is None or paid_kop >= total_kop - redeemed_kop


def points_text(kop: int) -> str:
    """12345 -> '123,45' (for logs, SMS and the CLI; pages use the money filter)."""
    sign = "-" if kop < 0 else ""
    kop = abs(int(kop))
    whole = f"{kop // 100:,}".replace(",", "\u00a0")
    return f"{sign}{whole},{kop % 100:02d}" if kop % 100 else f"{sign}{whole}"
