"""Goods arrive: match receipt lines to waiting order lines, put the orders on the shelf,
tell the customer once.

Matching is by normalized article (+ brand when both sides name one) and quantity, the
oldest promise first. The matcher never guesses: a partial quantity, a tie between
orders promised for the same day, another brand under the same article, or an article
nobody knows become a ReceiptMatch for a person to decide. A receipt that comes again
(1C re-sends a corrected document) only matches what it did not match before.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import ROUND_HALF_UP, Decimal

from peewee import fn

from appliance import audit, clock, forms, notifications, parts, permissions, sms
from appliance.clock import to_local
from appliance.errors import InputError
from appliance.orders.lines import (
    MAX_QTY,
    add_event,
    awaited_lines,
    lines_of,
    money_text,
    problem_key,
    recompute,
    setting_int,
    transition,
)
from db import write_transaction
from db.models.catalog import Product
from db.models.exchange import GoodsReceiptLine
from db.models.orders import OPEN_STATUSES, Arrival, Order, OrderLine, ReceiptMatch
from db.models.sms import SmsMessage

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Incoming:
    """One arrived position, from a receipt line or typed/scanned at the counter."""
    article: str
    brand: str = ""
    qty: int = 1
    name: str = ""
    receipt_line_id: int | None = None
    known: bool = True  # the article is in the shop's catalog (a stock item, not a stranger)

    @property
    def article_key(self) -> str:
        return parts.article_key(self.article)

    @property
    def brand_key(self) -> str:
        return parts.brand_key(self.brand)


@dataclasses.dataclass
class ArrivalResult:
    arrival: Arrival | None
    arrived: list[OrderLine] = dataclasses.field(default_factory=list)
    matches: list[ReceiptMatch] = dataclasses.field(default_factory=list)
    orders: list[Order] = dataclasses.field(default_factory=list)
    messages: list = dataclasses.field(default_factory=list)  # SMS queued


# --- entry points ------------------------------------------------------------------

def on_goods_arrived(receipt) -> ArrivalResult:
    """events subscriber: a goods receipt from 1C was committed (new or changed)."""
    rows = list(GoodsReceiptLine.select().where(GoodsReceiptLine.receipt == receipt.id).order_by(GoodsReceiptLine.id))
    incoming = []
    for row in rows:
        qty = int(Decimal(row.qty or 0).quantize(Decimal(1), ROUND_HALF_UP))
        if qty <= 0 or not parts.article_key(row.article):
            continue
        incoming.append(Incoming(row.article, row.brand, qty, row.name, row.id, known=row.product_id is not None))
    incoming = _minus_already_matched(receipt.id, incoming)
    when = to_local(receipt.date).strftime("%d.%m.%Y") if receipt.date else ""
    title = f"Поступление №{receipt.number or receipt.id} от {when}" + (f", {receipt.supplier}" if receipt.supplier else "")
    result = process(incoming, source="receipt", receipt_id=receipt.id, title=title)
    log.info("receipt %s (%s): %d order line(s) arrived, %d to decide", receipt.id, receipt.number,
             len(result.arrived), len(result.matches))
    return result


def arrive_typed(article: str, brand: str = "", qty=1, actor=None, source: str = "scan") -> ArrivalResult:
    """The counter scanned a supplier's label or typed an article: same matcher as receipts."""
    if not parts.article_key(article):
        raise InputError("Укажите артикул пришедшей детали.", "article")
    qty = forms.whole(qty, "qty", "Количество", -(10**12), 10**12, required=True)
    if qty <= 0:
        raise InputError("Количество должно быть больше нуля.", "qty")
    if qty > MAX_QTY:
        raise InputError(f"Количество {qty} — проверьте.", "qty")
    known = Product.select().where(Product.article_key == parts.article_key(article)).exists()
    title = f"Приход вручную: {article.strip()} × {qty}"
    return process([Incoming(article.strip(), brand.strip(), qty, known=known)], source=source, actor=actor, title=title)


def arrive_lines(lines: list[OrderLine], actor=None, source: str = "manual", arrival: Arrival | None = None,
                 title: str = "") -> ArrivalResult:
    """A person says these lines have arrived (the order page, the board, a decision)."""
    lines = [ln for ln in lines if ln.status in OPEN_STATUSES]
    if not lines:
        raise InputError("Отмечать нечего: нет позиций, которые ещё ждут поступления.")
    with write_transaction():
        if arrival is None:
            arrival = Arrival.create(source=source, created_at=clock.utcnow(), created_by=_staff(actor),
                                     title=title or "Отмечено вручную")
        result = ArrivalResult(arrival)
        for line in lines:
            transition(line, "arrived", actor, arrival=arrival, recompute_order=False)
            result.arrived.append(line)
        _finish(result, actor)
    return result


def process(incoming: list[Incoming], *, source: str, receipt_id: int | None = None, actor=None,
            title: str = "") -> ArrivalResult:
    with write_transaction():
        arrival = Arrival.create(source=source, receipt_id=receipt_id, title=title[:250], created_at=clock.utcnow(),
                                 created_by=_staff(actor))
        result = ArrivalResult(arrival)
        for item in incoming:
            _match_one(item, result, actor)
        if not result.arrived and not result.matches:
            arrival.delete_instance()
            result.arrival = None
            return result
        _finish(result, actor)
    return result


# --- matching ----------------------------------------------------------------------

def _staff(actor):
    return actor if getattr(actor, "id", None) else None


def _minus_already_matched(receipt_id: int, incoming: list[Incoming]) -> list[Incoming]:
    """A re-sent receipt: take away what earlier runs for it already matched or put to a person."""
    used: dict[str, int] = {}
    rows = (OrderLine.select(OrderLine.article_key, fn.SUM(OrderLine.qty).alias("n")).join(Arrival)
            .where(Arrival.receipt_id == receipt_id).group_by(OrderLine.article_key))
    for row in rows:
        used[row.article_key] = used.get(row.article_key, 0) + int(row.n or 0)
    for m in ReceiptMatch.select().where((ReceiptMatch.receipt_id == receipt_id) & (ReceiptMatch.state != "resolved")):
        used[m.article_key] = used.get(m.article_key, 0) + m.qty
    if not used:
        return incoming
    result = []
    for item in incoming:
        take = min(used.get(item.article_key, 0), item.qty)
        if take:
            used[item.article_key] -= take
        if item.qty - take > 0:
            result.append(dataclasses.replace(item, qty=item.qty - take))
    return result


def candidates_for(article_key: str) -> list[OrderLine]:
    """Lines still coming for this article, oldest promise first."""
    return list(OrderLine.select(OrderLine, Order).join(Order)
                .where((OrderLine.article_key == article_key) & OrderLine.status.in_(OPEN_STATUSES)
                       & Order.deleted_at.is_null())
                .order_by(Order.promised_date.asc(nulls="LAST"), Order.created_at, OrderLine.id))


def _match_one(item: Incoming, result: ArrivalResult, actor) -> None:
    ak, bk = item.article_key, item.brand_key
    if not ak:
        return
    lines = candidates_for(ak)
    same = [ln for ln in lines if not bk or not ln.brand_key or ln.brand_key == bk]
    other = [ln for ln in lines if ln not in same]
    if not same:
        if other:
            _put_to_person(item, result, "ambiguous", other,
                           f"Артикул совпал, но бренд другой: пришло {item.brand or 'без бренда'}, "
                           f"в заказе {', '.join(sorted({ln.brand for ln in other}))}.")
        elif not item.known:
            _put_to_person(item, result, "unmatched", [],
                           "Такого артикула нет ни в каталоге, ни в открытых заказах.")
        return
    brands = {ln.brand_key for ln in same if ln.brand_key}
    if not bk and len(brands) > 1:
        _put_to_person(item, result, "ambiguous", same,
                       f"В поступлении нет бренда, а заказаны разные: {', '.join(sorted({ln.brand for ln in same}))}.")
        return
    remaining = item.qty
    groups: list[list[OrderLine]] = []
    for line in same:
        if groups and groups[-1][0].order.promised_date == line.order.promised_date:
            groups[-1].append(line)
        else:
            groups.append([line])
    for group in groups:
        need = sum(ln.qty for ln in group)
        if need <= remaining:
            for line in group:
                transition(line, "arrived", actor, arrival=result.arrival, recompute_order=False,
                                      note=result.arrival.title)
                result.arrived.append(line)
            remaining -= need
            continue
        if remaining > 0:
            waiting = [ln for ln in same if ln not in result.arrived]
            if len(group) == 1:
                reason = (f"Пришло {remaining} шт., а в заказе №{group[0].order_id} ждут {group[0].qty}: "
                          f"выдать частично или ждать остальное?")
            else:
                reason = (f"Пришло {remaining} шт., а {orders_word(len(group))} с одной обещанной датой "
                          f"ждут {need} шт.: кому отдать?")
            _put_to_person(dataclasses.replace(item, qty=remaining), result, "ambiguous", waiting, reason)
        return


def orders_word(n: int) -> str:
    """2 заказа, 5 заказов, 21 заказ."""
    if n % 10 == 1 and n % 100 != 11:
        word = "заказ"
    elif n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        word = "заказа"
    else:
        word = "заказов"
    return f"{n} {word}"


def _put_to_person(item: Incoming, result: ArrivalResult, kind: str, lines: list[OrderLine], reason: str) -> None:
    match = ReceiptMatch.create(
        kind=kind, arrival=result.arrival, receipt_id=result.arrival.receipt_id if result.arrival else None,
        receipt_line_id=item.receipt_line_id, article=item.article[:100], brand=item.brand[:100],
        article_key=item.article_key, brand_key=item.brand_key, name=(item.name or "")[:250], qty=item.qty,
        candidates=",".join(str(ln.id) for ln in lines), reason=reason, created_at=clock.utcnow())
    result.matches.append(match)
    log.info("receipt line %s %s x%d put to a person: %s", item.article, item.brand, item.qty, reason)


# --- after lines arrive -------------------------------------------------------------

def _finish(result: ArrivalResult, actor) -> None:
    order_ids = list(dict.fromkeys(ln.order_id for ln in result.arrived))
    for order_id in order_ids:
        order = Order.get_by_id(order_id)
        message = after_arrival(order, actor)
        result.orders.append(order)
        if message is not None:
            result.messages.append(message)
    arrival = result.arrival
    if arrival is None:
        return
    if result.orders:
        n = len(result.orders)
        notifications.raise_notification(
            "reminder", f"arrival:{arrival.id}:slips",
            f"{arrival.title}: пришло заказов — {n}. Напечатайте бланки на полку",
            body=", ".join(f"№{o.id} {o.customer.name}" for o in result.orders[:8]),
            url=f"/orders/arrivals/{arrival.id}")
    if result.matches:
        n = len(result.matches)
        notifications.raise_notification(
            "order_problem", f"arrival:{arrival.id}:matches",
            f"{arrival.title}: позиций для решения — {n}",
            body=" · ".join(f"{m.article} {m.brand} × {m.qty}: {m.reason}" for m in result.matches[:5]),
            url=f"/orders/matches?arrival={arrival.id}")


def after_arrival(order: Order, actor=None):
    """Recompute the order, give it a shelf place, and send the SMS if the wait is over."""
    recompute(order)
    if not order.shelf_place:
        place = free_shelf_place()
        if place:
            Order.update(shelf_place=place).where(Order.id == order.id).execute()
            order.shelf_place = place
    notifications.resolve("order_problem", problem_key(order, "late"), comment="пришло")
    return send_arrival_sms(order)


def free_shelf_place() -> str:
    """The smallest numbered place on the orders shelf that no waiting order holds."""
    total = setting_int("shelf_places")
    if total <= 0:
        return ""
    taken = {o.shelf_place for o in Order.select(Order.shelf_place).where(
        Order.deleted_at.is_null() & (Order.shelf_place != "")
        & Order.id.in_(OrderLine.select(OrderLine.order).where(OrderLine.status == "arrived")))}
    for n in range(1, total + 1):
        if str(n) not in taken:
            return str(n)
    return ""


def polite_name(name: str) -> str:
    """'Иванов Пётр Сергеевич' -> 'Пётр Сергеевич' (how a shop addresses a customer)."""
    words = (name or "").split()
    if not words or words[0] == "Клиент":
        return "Здравствуйте"
    return " ".join(words[1:3]) if len(words) == 3 else name.strip()


def hold_until(order: Order) -> dt.date:
    start = to_local(order.arrived_at or clock.utcnow()).date()
    return start + dt.timedelta(days=setting_int("decide_after_days"))


def ready_due_kop(order: Order) -> int:
    """What the customer pays when coming for what has arrived (prepayment counted)."""
    lines = lines_of(order)
    ready = sum(ln.sum_kop for ln in lines if ln.status == "arrived")
    return max(0, ready - order.prepayment_kop - order.paid_kop)


def sms_context(order: Order) -> dict:
    return {"name": polite_name(order.customer.name), "order_number": str(order.id),
            "sum": money_text(ready_due_kop(order)), "date": hold_until(order).strftime("%d.%m.%Y")}


def send_arrival_sms(order: Order):
    """One "your order arrived" SMS per order, when every awaited line is here; never twice.
    The SMS, its mark on the order and the timeline entry are one transaction."""
    with write_transaction():
        return _send_arrival_sms(order)


def send_arrival_sms_all(orders: list[Order]) -> int:
    """The list's «SMS» button: the arrival SMS for each chosen order, in one transaction;
    how many were queued (the rest had not arrived yet or were told already)."""
    with write_transaction():
        return sum(1 for order in orders if _send_arrival_sms(order) is not None)


def _send_arrival_sms(order: Order):
    if order.arrival_sms_at is not None:
        return None
    lines = lines_of(order)
    awaited = awaited_lines(lines)
    if not awaited or any(ln.status not in ("arrived", "issued") for ln in awaited):
        return None
    if all(ln.status == "issued" for ln in awaited):
        return None  # handed over before we got to tell
    now = clock.utcnow()
    try:
        with write_transaction():
            message = sms.queue_sms(customer=order.customer, template_code="order_arrived", context=sms_context(order),
                                    kind="service", dedupe_key=f"order_arrived:{order.id}")
    except InputError as exc:
        log.warning("order %s: arrival SMS not queued: %s", order.id, exc.message)
        add_event(order, "sms", note=f"SMS о поступлении не отправлено: {exc.message}")
        notifications.raise_notification(
            "order_problem", problem_key(order, "sms"), f"Заказ №{order.id} пришёл, но SMS не отправить",
            body=f"{exc.message} Позвоните клиенту «{order.customer.name}».", url=f"/orders/{order.id}",
            assignee=order.manager)
        return None
    Order.update(arrival_sms_at=now, arrival_sms_id=message.id).where(Order.id == order.id).execute()
    order.arrival_sms_at, order.arrival_sms_id = now, message.id
    add_event(order, "sms", note=f"SMS клиенту поставлено в очередь: «{message.text}»")
    return message


def sms_message(message_id: int | None):
    if not message_id:
        return None
    return SmsMessage.get_or_none(SmsMessage.id == message_id)


# --- decisions ----------------------------------------------------------------------

def open_matches(arrival_id: int | None = None):
    query = ReceiptMatch.select().where(ReceiptMatch.state == "open")
    if arrival_id:
        query = query.where(ReceiptMatch.arrival == arrival_id)
    return query.order_by(ReceiptMatch.created_at, ReceiptMatch.id)


def match_candidates(match: ReceiptMatch) -> list[OrderLine]:
    """What a person may pick: the lines named then, plus any still waiting for the article."""
    ids = set(match.candidate_ids)
    lines = candidates_for(match.article_key) if match.article_key else []
    named = [ln for ln in OrderLine.select(OrderLine, Order).join(Order).where(OrderLine.id.in_(list(ids) or [0]))
             if ln.status in OPEN_STATUSES]
    seen = {ln.id for ln in named}
    return named + [ln for ln in lines if ln.id not in seen]


def resolve_match(match: ReceiptMatch, line_ids: list[int], actor, comment: str = "") -> ArrivalResult:
    permissions.require(actor, "order.receive", match)
    if match.state != "open":
        raise InputError("Эту позицию уже решили.")
    allowed = {ln.id: ln for ln in match_candidates(match)}
    chosen = [allowed[i] for i in line_ids if i in allowed]
    if not chosen:
        raise InputError("Отметьте заказ, которому отдать деталь, или нажмите «На склад».", "line")
    with write_transaction():
        result = arrive_lines(chosen, actor, source="decision", arrival=match.arrival,
                              title=f"Решение по {match.article}")
        _close_match(match, "resolved", actor, comment or "отдано: " + ", ".join(f"заказ №{ln.order_id}" for ln in chosen))
    return result


def dismiss_match(match: ReceiptMatch, actor, comment: str = "") -> None:
    permissions.require(actor, "order.receive", match)
    if match.state != "open":
        raise InputError("Эту позицию уже решили.")
    with write_transaction():
        _close_match(match, "dismissed", actor, comment or "на склад, не для заказа")


def _close_match(match: ReceiptMatch, state: str, actor, comment: str) -> None:
    match.state, match.resolved_at, match.resolved_by, match.resolution = state, clock.utcnow(), _staff(actor), comment[:1000]
    match.save()
    audit.record(actor, "decide", match, {"state": ("open", state)}, note=comment)
    if match.arrival_id and not ReceiptMatch.select().where(
            (ReceiptMatch.arrival == match.arrival_id) & (ReceiptMatch.state == "open")).exists():
        notifications.resolve("order_problem", f"arrival:{match.arrival_id}:matches", by=_staff(actor),
                              comment="все позиции решены")


def arrival_orders(arrival: Arrival) -> list[Order]:
    """Orders with lines that came in this arrival, for the "print all N slips" page."""
    ids = [r.order_id for r in OrderLine.select(OrderLine.order).where(OrderLine.arrival == arrival.id).distinct()]
    return list(Order.select().where(Order.id.in_(ids or [0]) & Order.deleted_at.is_null()).order_by(Order.id))


def recent_arrivals(limit: int = 10):
    return Arrival.select().order_by(Arrival.created_at.desc(), Arrival.id.desc()).limit(limit)


def waiting_for_slips(limit: int = 5) -> list[Arrival]:
    """Recent arrivals whose slips were never printed while some of their orders wait on the shelf."""
    # An order whose lines came in two arrivals is offered once, with the newest one (its slip
    # lists every line); an order already printed with a newer arrival is not offered again.
    offered, seen = [], set()
    for a in recent_arrivals(limit):
        waiting = {o.id for o in arrival_orders(a) if o.status == "arrived"}
        if a.slips_job_id is None and waiting - seen:
            offered.append(a)
        seen |= waiting
    return offered

