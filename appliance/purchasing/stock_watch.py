"""Stock watch: the nightly run over the mandatory assortment and the living reorder list.

For each active position: in stock (with analogs)? enough? already on order? If it
needs buying, every supplier is asked (in parallel, bounded per supplier), the best
offer within the acceptable delivery time is chosen, the quantity is worked out from
sales history (``appliance.purchasing.quantity``) and written to the position's one
``ReorderLine`` with the reasoning. A price far above its usual median is flagged "wait".

When suppliers cannot be reached, lines keep state ``waiting_link`` and ``catch_up`` (a
frequent job) prices them once a link is back. Ticked lines become supplier orders
(``appliance.purchasing.supplier_orders``); the list itself is ``appliance.purchasing.mandatory``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import as_completed
from dataclasses import dataclass

import peewee

from appliance import audit, settings
from appliance.clock import shop_date, to_local, utcnow, whole_days_before
from appliance.errors import InputError
from appliance.orders.lines import money_text as format_money
from appliance.orders.stock import stock_on_order
from appliance.parts import article_key, brand_key
from appliance.purchasing import analogs, price_check
from appliance.purchasing.mandatory import item_matches
from appliance.purchasing.quantity import SalesStats, compute_need, is_high_price, median_best_price
from appliance.suppliers import registry
from appliance.suppliers.base import (
    Offer,
    SupplierAdapter,
)
from db import write_transaction
from db.models.sales import Sale, SaleLine
from db.models.staff import Staff
from db.models.suppliers import (
    MandatoryItem,
    PriceQuote,
    ReorderLine,
    StockWatchRun,
    SupplierOrder,
    SupplierOrderLine,
)

log = logging.getLogger(__name__)

STATE_LABELS = {
    "buy": "купить",
    "high_price": "подождать: цена высокая",
    "waiting_link": "ждёт связи с поставщиками",
    "no_offer": "нет предложений",
    "on_order": "уже в заказе",
    "enough": "хватает",
    "analog": "покрыто аналогом",
}
TO_BUY_STATES = ("buy", "high_price", "waiting_link", "no_offer")
# what the list's filter offers besides one state: every line the shelf or an analog covers
FILTER_GROUPS = {"covered": ("enough", "analog")}
OPEN_LINE_STATUSES = ("queued", "ordered", "confirmed", "shipped")


@dataclass
class Params:
    review_days: int = settings.setting("suppliers", "review_days", int)
    history_days: int = settings.setting("suppliers", "history_days", int)
    z: float = settings.setting("suppliers", "service_z", float)
    default_lead_days: int = settings.setting("suppliers", "default_lead_days", int)
    max_delivery_days: int = settings.setting("suppliers", "max_delivery_days", int)
    high_price_factor: float = settings.setting("suppliers", "high_price_factor", float)
    high_price_window_days: int = settings.setting("suppliers", "high_price_window_days", int)
    high_price_min_days: int = settings.setting("suppliers", "high_price_min_days", int)
    on_order_days: int = settings.setting("suppliers", "on_order_days", int)

    @classmethod
    def from_settings(cls) -> Params:
        return settings.read_into(cls)


@dataclass
class RunSummary:
    positions: int = 0
    enough: int = 0
    on_order: int = 0
    to_buy: int = 0
    high_price: int = 0
    no_offer: int = 0
    waiting_link: int = 0
    seconds: float = 0.0
    requests: int = 0

    def text_ru(self) -> str:
        return (f"позиций {self.positions}: хватает {self.enough}, в заказе {self.on_order}, "
                f"купить {self.to_buy}, цена высокая {self.high_price}, нет предложений {self.no_offer}, "
                f"ждут связи {self.waiting_link}" + (f"; {self.seconds:.0f} с" if self.seconds >= 1 else ""))


# -- inputs: stock, sales, what is on order -----------------------------------------

def _keys_with_analogs(item: MandatoryItem) -> list[tuple[str, str]]:
    return [(item.article_key, item.brand_key)] + analogs.analog_keys(item.article_key, item.brand_key)


def daily_sales(since: dt.datetime, until: dt.datetime) -> dict[tuple[str, str], dict[dt.date, float]]:
    """Units sold per part per day in the window, keyed by (article_key, brand_key)."""
    from db.models.catalog import Product

    out: dict[tuple[str, str], dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    q = (SaleLine.select(SaleLine.article, SaleLine.brand, SaleLine.qty, Sale.date,
                         Product.article_key, Product.brand_key)
         .join(Sale).switch(SaleLine).join(Product, peewee.JOIN.LEFT_OUTER)
         .where((Sale.date >= since) & (Sale.date < until)).tuples())
    for article, brand, qty, date, pkey, pbrand in q:
        key = (pkey, pbrand) if pkey else (article_key(article), brand_key(brand))
        out[key][shop_date(date)] += float(qty or 0)
    return out


def stats_for(keys: Iterable[tuple[str, str]], sales, first_day: dt.date, days: int) -> SalesStats:
    """Daily series over ``days`` shop days from ``first_day``."""
    series = [0.0] * days
    start = first_day
    for k in keys:
        for day, qty in sales.get(k, {}).items():
            i = (day - start).days
            if 0 <= i < days:
                series[i] += qty
    return SalesStats.from_daily(series)


def on_order_qty(keys: list[tuple[str, str]], since: dt.datetime) -> int:
    """Open supplier order lines for these parts (ours and customer orders' ones), plus
    customer-order lines ordered by phone or e-mail."""
    total = 0
    for akey, bkey in keys:
        q = (SupplierOrderLine.select(SupplierOrderLine.qty).join(SupplierOrder)
             .where((SupplierOrderLine.article_key == akey) & (SupplierOrderLine.brand_key == bkey)
                    & SupplierOrderLine.status.in_(OPEN_LINE_STATUSES)
                    & (SupplierOrder.created_at >= since)))
        total += sum(r.qty for r in q)
        total += stock_on_order(akey, bkey, since)
    return total


# -- choosing an offer ---------------------------------------------------------------

def best_offer(offers: list[Offer], item: MandatoryItem, wanted: int, max_days: int) -> tuple[Offer | None, str]:
    """Cheapest offer of this very part within the acceptable delivery; note if none fits."""
    mine = [o for o in offers if not o.is_analog and o.qty != 0
            and article_key(o.article) == item.article_key
            and (not item.brand_key or brand_key(o.brand) == item.brand_key)]
    if not mine:
        return None, ""
    enough = [o for o in mine if o.qty is None or o.qty >= wanted] or mine
    fast = [o for o in enough if o.days_max <= max_days]
    if fast:
        return min(fast, key=lambda o: (o.price_kop, o.days_max)), ""
    o = min(enough, key=lambda o: (o.days_max, o.price_kop))
    return o, f"быстрее {max_days} дн. никто не везёт"


def price_median(item: MandatoryItem, before: dt.datetime, window_days: int) -> tuple[int | None, int]:
    since = before - dt.timedelta(days=window_days)
    q = (PriceQuote.select(PriceQuote.quoted_at, PriceQuote.price_kop)
         .where((PriceQuote.article_key == item.article_key) & (PriceQuote.brand_key == item.brand_key)
                & (PriceQuote.quoted_at >= since) & (PriceQuote.quoted_at < before)).tuples())
    quotes = [(shop_date(at), price) for at, price in q]
    return median_best_price(quotes), len({d for d, _ in quotes})


def price_history(item: MandatoryItem, days: int = 90) -> list[tuple[dt.date, int]]:
    """Best price per day (for the small chart)."""
    since = utcnow() - dt.timedelta(days=days)
    best: dict[dt.date, int] = {}
    for at, price in (PriceQuote.select(PriceQuote.quoted_at, PriceQuote.price_kop)
                      .where((PriceQuote.article_key == item.article_key)
                             & (PriceQuote.brand_key == item.brand_key) & (PriceQuote.quoted_at >= since))
                      .tuples()):
        d = shop_date(at)
        if d not in best or price < best[d]:
            best[d] = price
    return sorted(best.items())


# -- the run -------------------------------------------------------------------------

@dataclass
class _Position:
    """One position of the list: a mandatory item, or every mandatory member of one analog
    group (they stand in for each other, so the group has one need and one line)."""

    item: MandatoryItem  # the lead: the group's line when no offer is chosen
    members: list[MandatoryItem]
    keys: list[tuple[str, str]]
    stats: SalesStats
    stock: dict[tuple[str, str], int]  # on hand per part of the group
    on_order: int
    min_qty: int
    target_qty: int | None

    def on_hand_of(self, item: MandatoryItem) -> int:
        return self.stock.get((item.article_key, item.brand_key), 0)

    @property
    def on_hand(self) -> int:
        return self.on_hand_of(self.item)

    @property
    def analog_stock(self) -> int:
        return sum(self.stock.values()) - self.on_hand


def _line_for(item: MandatoryItem, now: dt.datetime) -> ReorderLine:
    line = ReorderLine.get_or_none(ReorderLine.item == item)
    if line is None:
        line = ReorderLine(item=item, created_at=now, updated_at=now)
    return line


def _positions(items: list[MandatoryItem], sales, first_day: dt.date, order_since: dt.datetime,
               p: Params) -> list[_Position]:
    out = []
    for members in analogs.mandatory_groups(items):
        lead = members[0]
        keys = _keys_with_analogs(lead)
        targets = [m.target_qty for m in members if m.target_qty is not None]
        out.append(_Position(
            item=lead, members=members, keys=keys, stats=stats_for(keys, sales, first_day, p.history_days),
            stock={k: price_check.stock_on_hand(*k) for k in keys}, on_order=on_order_qty(keys, order_since),
            min_qty=max(m.min_qty for m in members), target_qty=max(targets) if targets else None,
        ))
    return out


def run(*, now: dt.datetime | None = None, adapters: list[SupplierAdapter] | None = None,
        items: list[MandatoryItem] | None = None, params: Params | None = None,
        kind: str = "nightly", actor=None) -> RunSummary:
    """The nightly run, a person's «Проверить сейчас» (``kind="manual"``, ``actor``), or a
    catch-up over ``items`` (with the rest of their analog groups). Safe to run twice."""
    t0 = time.monotonic()
    p = params or Params.from_settings()
    now = now or utcnow()
    adapters = adapters if adapters is not None else registry.all_suppliers()
    requests_before = sum(getattr(getattr(a, "http", None), "calls", 0) for a in adapters)
    run_row = StockWatchRun.create(started_at=now, kind=kind, started_by=actor) if items is None else None
    active = list(MandatoryItem.select().where(MandatoryItem.active).order_by(MandatoryItem.id))
    if items is not None:
        items = analogs.with_group_mates(items, active)
    else:
        items = active
    # whole shop days before today: a run at 23:50 and one at 00:10 see the same history shape
    since, until = whole_days_before(p.history_days, shop_date(now))
    sales = daily_sales(since, until)
    order_since = now - dt.timedelta(days=p.on_order_days)
    positions = _positions(items, sales, shop_date(since), order_since, p)
    summary = RunSummary(positions=len(positions))

    to_price: list[_Position] = []
    for pos in positions:
        need = _need(pos, p.default_lead_days, pos.item.pack, 1, p)
        if need.order:
            to_price.append(pos)
            continue
        state = "on_order" if pos.on_order and sum(pos.stock.values()) < need.reorder_point else "enough"
        setattr(summary, state, getattr(summary, state) + 1)
        with write_transaction():
            for member in pos.members:
                line = _line_for(member, now)
                _fill_counts(line, pos, member)
                line.state, line.qty, line.reasoning, line.updated_at = state, 0, need.reasoning, now
                if state == "enough" and line.status == "ordered":
                    line.status = "open"
                line.ticked = False
                line.save()

    # ask every supplier about every part that needs buying; each supplier's pool
    # bounds its own concurrency, so a slow one does not hold up the rest
    futures = {}
    remaining: dict[int, int] = {}
    answers: dict[int, list[tuple[MandatoryItem, price_check.Answer]]] = defaultdict(list)
    for pos in to_price:
        remaining[pos.item.id] = len(adapters) * len(pos.members)
        for member in pos.members:
            for a in adapters:
                f = price_check.submit(a, member.article, member.brand or None,
                                       use_cache=False, record=False, learn=False)
                futures[f] = (pos, member)
    for pos in to_price:
        if not adapters:
            _settle(pos, [], now, p, summary)
    for f in as_completed(futures):
        pos, member = futures[f]
        answers[pos.item.id].append((member, f.result()))
        remaining[pos.item.id] -= 1
        if remaining[pos.item.id] == 0:
            _settle(pos, answers.pop(pos.item.id), now, p, summary)

    summary.seconds = time.monotonic() - t0
    summary.requests = sum(getattr(getattr(a, "http", None), "calls", 0) for a in adapters) - requests_before
    if run_row is not None:
        run_row.finished_at = utcnow()
        run_row.status = "waiting_link" if summary.waiting_link else "done"
        run_row.positions, run_row.to_buy, run_row.waiting = summary.positions, summary.to_buy, summary.waiting_link
        run_row.summary = summary.text_ru()
        run_row.save()
    log.info("stock watch: %s", summary.text_ru())
    return summary


def run_manual(staff_id: int | None) -> RunSummary:
    """«Проверить сейчас»: the nightly run, recorded as a manual one by this person."""
    who = Staff.get_or_none(Staff.id == staff_id) if staff_id else None
    return run(kind="manual", actor=who)


def _need(pos: _Position, lead_days: int, pack: int, moq: int, p: Params, buying: bool = False):
    return compute_need(pos.stats, on_hand=pos.on_hand, analog_stock=pos.analog_stock, on_order=pos.on_order,
                        lead_days=lead_days, review_days=p.review_days, min_qty=pos.min_qty,
                        target_qty=pos.target_qty, pack=pack, moq=moq, z=p.z, buying=buying)


def _fill_counts(line: ReorderLine, pos: _Position, member: MandatoryItem) -> None:
    line.on_hand = pos.on_hand_of(member)
    line.analog_stock = sum(pos.stock.values()) - line.on_hand
    line.on_order = pos.on_order


def _choose(pos: _Position, offers: list[Offer], wanted: int, max_days: int):
    """The member with the best offer: within the acceptable delivery first, then cheapest."""
    best = None
    for member in pos.members:
        offer, note = best_offer(offers, member, wanted, max_days)
        if offer is None:
            continue
        rank = (bool(note), offer.days_max, offer.price_kop) if note else (False, offer.price_kop, offer.days_max)
        if best is None or rank < best[0]:
            best = (rank, member, offer, note)
    return (None, None, "") if best is None else best[1:]


def _mark_covered(pos: _Position, holder: MandatoryItem, now: dt.datetime) -> None:
    """The other members of the group: «покрыто аналогом», the holder's line carries the need."""
    for member in pos.members:
        if member.id == holder.id:
            continue
        line = _line_for(member, now)
        _fill_counts(line, pos, member)
        line.state, line.qty, line.ticked, line.updated_at = "analog", 0, False, now
        line.supplier, line.offer_key, line.price_kop, line.quote_at = "", "", None, None
        line.offer_article = line.offer_brand = line.offer_name = ""
        line.days_min = line.days_max = None
        if line.status == "ordered":
            line.status, line.order = "open", None
        line.reasoning = (f"покрыто аналогом {holder.article} {holder.brand}".rstrip()
                          + ": группа аналогов заказывается одной строкой")
        line.save()


def _settle(pos: _Position, answers: list[tuple[MandatoryItem, price_check.Answer]], now: dt.datetime,
            p: Params, summary: RunSummary) -> None:
    """One position's answers are all in: choose, flag and write its line."""
    offers = [o for _, a in answers for o in a.offers]
    replies = [a for _, a in answers]
    down = {a.supplier: a.supplier_name for a in replies if a.link_down}
    any_ok = any(a.ok for a in replies)
    prelim = _need(pos, p.default_lead_days, pos.item.pack, 1, p)
    item, offer, note = _choose(pos, offers, prelim.raw_qty, p.max_delivery_days)
    item = item or pos.item
    with write_transaction():
        median, days_known = price_median(item, now, p.high_price_window_days)
        for member, answer in answers:
            quotes = [dict(article_key=member.article_key, brand_key=brand_key(o.brand), supplier=o.supplier,
                           price_kop=o.price_kop, qty=o.qty, days_min=o.days_min, days_max=o.days_max,
                           quoted_at=now)
                      for o in answer.offers if not o.is_analog and article_key(o.article) == member.article_key
                      and o.price_kop > 0]
            if quotes:
                PriceQuote.insert_many(quotes).execute()
            for o in answer.offers:
                if o.is_analog and o.brand and member.brand:
                    analogs.learn((member.article, member.brand), (o.article, o.brand))
        _mark_covered(pos, item, now)
        line = _line_for(item, now)
        _fill_counts(line, pos, item)
        line.updated_at = now
        line.median_kop = median
        line.quote_at = None
        if line.status == "ordered":
            line.status, line.order = "open", None
        if offer is None:
            line.supplier, line.offer_key, line.price_kop = "", "", None
            line.days_min = line.days_max = None
            if not answers:
                line.state = "no_offer"
                summary.no_offer += 1
                why = "поставщики не настроены"
            elif down:
                # a supplier that did not answer may carry it: wait for it, never «нет предложений»
                line.state = "waiting_link"
                summary.waiting_link += 1
                names = ", ".join(sorted(down.values()))
                why = (f"нет связи: {names} — проценка будет сделана, когда связь появится" if len(down) < len(replies)
                       else "нет связи с поставщиками — проценка будет сделана, когда связь появится")
                last = last_quote(pos.members, list(down), now)
                if last is not None:
                    why += "; " + _fill_last_quote(line, last, down, now)
            elif not any_ok:
                line.state = "no_offer"
                summary.no_offer += 1
                why = "поставщики ответили ошибкой: " + "; ".join(
                    f"{a.supplier_name}: {a.error}" for a in replies if a.error)
            else:
                line.state = "no_offer"
                summary.no_offer += 1
                why = "ни у одного поставщика нет в наличии"
            line.qty = prelim.qty
            line.reasoning = f"{prelim.reasoning}. {why}"
            line.save()
            return
        pack = max(item.pack or 1, offer.pack or 1)
        # the decision to buy is taken; how much comes from this offer's delivery time
        need = _need(pos, offer.days_max, pack, offer.min_qty, p, buying=True)
        qty = need.qty
        high = is_high_price(offer.price_kop, median, p.high_price_factor,
                             min_days=p.high_price_min_days, days_known=days_known)
        line.state = "high_price" if high else "buy"
        if high:
            summary.high_price += 1
        else:
            summary.to_buy += 1
        line.qty = qty
        line.supplier, line.offer_key = offer.supplier, offer.offer_key
        line.offer_article, line.offer_brand, line.offer_name = offer.article, offer.brand, offer.name
        line.price_kop, line.days_min, line.days_max, line.pack = offer.price_kop, offer.days_min, offer.days_max, pack
        line.priced_at = now
        reasoning = need.reasoning
        if note:
            reasoning += f"; {note}"
        if high:
            reasoning += (f"; лучшая цена {offer.price_kop / 100:.0f} ₽ выше обычной "
                          f"({median / 100:.0f} ₽) более чем в {p.high_price_factor:g} раза — подождать").replace(".", ",")
        line.reasoning = reasoning
        line.save()


def last_quote(members: list[MandatoryItem], suppliers: list[str], now: dt.datetime,
               days: int | None = None) -> PriceQuote | None:
    """The newest quote of these parts from these suppliers within ``[suppliers] last_quote_days``."""
    days = days if days is not None else settings.get().getint("suppliers", "last_quote_days")
    cond = None
    for m in members:
        c = (PriceQuote.article_key == m.article_key) & (PriceQuote.brand_key == m.brand_key)
        cond = c if cond is None else (cond | c)
    return (PriceQuote.select().where(cond & PriceQuote.supplier.in_(suppliers)
                                      & (PriceQuote.quoted_at >= now - dt.timedelta(days=days))
                                      & (PriceQuote.quoted_at <= now))
            .order_by(PriceQuote.quoted_at.desc(), PriceQuote.price_kop).first())


def age_ru(delta: dt.timedelta) -> str:
    """How old a quote is, as the list says it: «40 мин назад», «3 ч назад», «2 дн. назад»."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} мин назад"
    if minutes < 48 * 60:
        return f"{minutes // 60} ч назад"
    return f"{minutes // (24 * 60)} дн. назад"


def _fill_last_quote(line: ReorderLine, quote: PriceQuote, names: dict[str, str], now: dt.datetime) -> str:
    """Show the down supplier's last price (not orderable: no supplier on the line) and say how old it is."""
    line.price_kop, line.days_min, line.days_max, line.quote_at = (quote.price_kop, quote.days_min,
                                                                   quote.days_max, quote.quoted_at)
    return (f"последняя цена {names.get(quote.supplier, quote.supplier)}: {format_money(quote.price_kop)} "
            f"от {to_local(quote.quoted_at):%d.%m.%Y %H:%M} ({age_ru(now - quote.quoted_at)})")


def catch_up(adapters: list[SupplierAdapter] | None = None) -> RunSummary | None:
    """Price the lines that waited for the link; None when there is nothing to do."""
    waiting = list(MandatoryItem.select().join(ReorderLine)
                   .where((ReorderLine.state == "waiting_link") & MandatoryItem.active))
    if not waiting:
        return None
    summary = run(items=waiting, adapters=adapters)
    if summary.waiting_link < len(waiting):
        with write_transaction():
            last = StockWatchRun.select().order_by(StockWatchRun.id.desc()).first()
            if last and last.status == "waiting_link" and summary.waiting_link == 0:
                last.status = "done"
                last.summary += f"; догнали после восстановления связи: {summary.text_ru()}"
                last.save()
    return summary


# -- the morning page: list, ticks, ordering ----------------------------------------

def reorder_lines(state: str = "", supplier: str = "", search: str = "", show_all: bool = False):
    q = (ReorderLine.select(ReorderLine, MandatoryItem).join(MandatoryItem)
         .order_by(ReorderLine.supplier, MandatoryItem.article))
    if state:  # a chosen state shows its lines, the «хватает» ones too
        q = q.where(ReorderLine.status == "open", ReorderLine.state.in_(FILTER_GROUPS.get(state, (state,))))
    elif not show_all:
        q = q.where(ReorderLine.status == "open", ReorderLine.state.in_(TO_BUY_STATES))
    if supplier:
        q = q.where(ReorderLine.supplier == supplier)
    if search:
        q = q.where(item_matches(search))
    order = {s: i for i, s in enumerate((*TO_BUY_STATES, "on_order", "enough", "analog"))}
    return sorted(q, key=lambda ln: (order.get(ln.state, 9), ln.supplier, ln.item.article))


def set_ticked(line_id: int, ticked: bool, actor=None) -> ReorderLine:
    line = ReorderLine.get_by_id(line_id)
    if line.ticked != ticked:
        line.ticked = ticked
        line.save()
    return line


def set_qty(line_id: int, qty: int, actor=None) -> ReorderLine:
    if qty < 0 or qty > 100000:
        raise InputError("Количество должно быть от 0 до 100 000", field="qty")
    with write_transaction():
        line = ReorderLine.get_by_id(line_id)
        changes = audit.diff(line, {"qty": qty})
        if changes:
            line.save()
            audit.record(actor, "reorder.qty", line, changes)
    return line
