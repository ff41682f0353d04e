"""Reorder arithmetic, free of storage: how many to buy and why, and is the price high.

The policy is a periodic review (s, S) one, the textbook choice for a shop that checks
its shelves every night and buys from distributors with known lead times:

- demand rate ``d`` = units sold over the history window / days in the window;
- demand variability ``sigma`` = standard deviation of the daily sales;
- cover period = supplier lead time ``L`` + review period ``R`` (days until the next
  chance to order that will arrive);
- safety stock = ``z * sigma * sqrt(L + R)`` (``z`` = 1.65 for ~95 % of days in stock);
- order-up-to level ``S`` = max(min qty, target qty, ceil(d * (L + R) + safety));
- reorder point ``s`` = max(min qty, ceil(d * L + safety)): below it we buy;
- quantity = ``S`` - (on hand incl. analogs + already on order), rounded up to the
  supplier's pack size / minimum order.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from appliance.suppliers.base import round_to_pack


@dataclass(frozen=True)
class SalesStats:
    days: int
    total: float
    avg_daily: float
    std_daily: float

    @classmethod
    def from_daily(cls, daily: list[float]) -> SalesStats:
        days = len(daily)
        if days == 0:
            return cls(0, 0.0, 0.0, 0.0)
        total = float(sum(daily))
        return cls(days, total, total / days, statistics.pstdev(daily) if days > 1 else 0.0)


@dataclass(frozen=True)
class Need:
    order: bool  # below the reorder point: buy
    qty: int  # rounded to pack/MOQ, 0 when not ordering
    raw_qty: int  # before rounding
    reorder_point: int
    order_up_to: int
    demand: float
    safety: float
    position: int
    reasoning: str


def _num(x: float) -> str:
    if abs(x - round(x)) < 0.05:
        return str(int(round(x)))
    return f"{x:.1f}".replace(".", ",")


def compute_need(
    stats: SalesStats,
    *,
    on_hand: int,
    on_order: int = 0,
    analog_stock: int = 0,
    lead_days: int,
    review_days: int = 7,
    min_qty: int = 0,
    target_qty: int | None = None,
    pack: int = 1,
    moq: int = 1,
    z: float = 1.65,
    buying: bool = False,
) -> Need:
    """``buying``: the reorder point was already crossed (at the default lead time) and an offer
    chosen; the quantity then fills up to the order-up-to level for that offer's lead time,
    even when its shorter lead alone would not have crossed the point."""
    lead_days = max(0, int(lead_days))
    cover = lead_days + max(0, int(review_days))
    demand = stats.avg_daily * cover
    safety = z * stats.std_daily * math.sqrt(cover) if cover else 0.0
    lead_demand = stats.avg_daily * lead_days
    order_up_to = max(int(min_qty or 0), int(target_qty or 0), math.ceil(demand + safety - 1e-9))
    reorder_point = max(int(min_qty or 0), math.ceil(lead_demand + safety - 1e-9))
    position = int(on_hand) + int(analog_stock) + int(on_order)
    short = order_up_to - position
    order = buying or position < reorder_point or (position <= 0 and order_up_to > 0)
    raw = max(0, short) if order else 0
    qty = round_to_pack(raw, pack, moq) if raw else 0

    parts = []
    if stats.total > 0:
        weekly = stats.avg_daily * 7
        parts.append(f"продано {_num(stats.total)} шт. за {stats.days} дн. ({_num(weekly)} в неделю)")
    else:
        parts.append(f"продаж за {stats.days} дн. не было" if stats.days else "истории продаж нет")
    parts.append(f"поставка {lead_days} дн. + до следующей проверки {review_days} дн.")
    need_txt = ""
    if demand >= 0.05:
        need_txt = f"нужно {_num(demand)}"
        if safety >= 0.05:
            need_txt += f" + страховой запас {_num(safety)}"
        need_txt += " → "
    need_txt += f"держать {order_up_to}"
    if order_up_to in (min_qty, target_qty) and order_up_to > math.ceil(demand + safety - 1e-9):
        need_txt += " (минимум по списку)" if order_up_to == min_qty else " (целевой остаток)"
    parts.append(need_txt)
    have = f"есть {on_hand}"
    if analog_stock:
        have += f" + аналоги {analog_stock}"
    if on_order:
        have += f", в заказе {on_order}"
    parts.append(have)
    if not order:
        parts.append(f"не ниже точки заказа {reorder_point} — не заказываем")
    elif qty != raw:
        step = max(pack, 1)
        how = f"кратность {step}" if step > 1 else f"минимальный заказ {moq}"
        parts.append(f"не хватает {raw}, {how} → заказать {qty}")
    else:
        parts.append(f"заказать {qty}")
    return Need(order, qty, raw, reorder_point, order_up_to, demand, safety, position, "; ".join(parts))


def median_best_price(quotes: list[tuple[object, int]]) -> int | None:
    """Median over days of the day's best price; ``quotes`` are (date, price_kop)."""
    best: dict[object, int] = {}
    for day, price in quotes:
        if price and (day not in best or price < best[day]):
            best[day] = price
    if not best:
        return None
    return int(statistics.median(best.values()))


def is_high_price(price_kop: int, median_kop: int | None, factor: float = 1.5, *, min_days: int = 3,
                  days_known: int = 0) -> bool:
    """"Wait, the price is high": today's best is above ``factor`` x the usual median."""
    if not median_kop or days_known < min_days:
        return False
    return price_kop > factor * median_kop
