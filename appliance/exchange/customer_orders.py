"""1C customer orders («Заказ покупателя»): kept with their lines, status and prepayment,
and linked to the sales that fulfil them.

A sale names its order in a requisite «Заказ покупателя» (or its «Документ-основание»,
or the CSV column «Заказ покупателя» / «Номер заказа»), as the order's 1C Ид or as 1C
prints it («Заказ покупателя ЗК-000123 от 01.11.2026»). Either document may come first:
the sale's reference is kept (``BuyerOrderSale.ref``) and resolved when the order arrives.

What the shop uses: the order's customer and card carry over to a sale that names
neither, and its prepayment counts as money paid for the sales that fulfil it (in date
order, each up to its sum), so a sale paid partly in advance earns its points once the
rest is paid.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import peewee

from appliance import clock
from appliance.exchange.commerceml_records import base_keys, norm
from db.bulk import bulk_insert, select_in, table
from db.models.exchange import BuyerOrder, BuyerOrderLine, BuyerOrderSale
from db.models.sales import Sale

CLOSED_WORDS = ("закрыт", "выполнен", "завершен", "отгружен", "исполнен")
CANCELLED_WORDS = ("отменен", "отклонен", "аннулирован")


def status_of(text: str, cancelled: bool = False) -> str:
    """open / closed / cancelled from what 1C writes («К выполнению», «Закрыт», «Отменен»)."""
    words = norm(text)
    if cancelled or any(w in words for w in CANCELLED_WORDS):
        return "cancelled"
    if any(words.startswith(w) for w in CLOSED_WORDS):
        return "closed"
    return "open"


@dataclasses.dataclass
class OrderDoc:
    external_id: str
    number: str
    date: dt.datetime  # UTC
    content_hash: str
    customer_id: int | None = None
    customer_name: str = ""
    phone_e164: str = ""
    card: str = ""
    manager_name: str = ""
    total_kop: int = 0
    prepayment_kop: int = 0
    status_text: str = ""
    cancelled: bool = False
    deleted: bool = False
    lines: list[dict] = dataclasses.field(default_factory=list)  # BuyerOrderLine fields but the order


@dataclasses.dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    linked_sales: list[int] = dataclasses.field(default_factory=list)  # sales that found their order now


def import_orders(docs: list[OrderDoc], import_log_id: int | None = None) -> Outcome:
    """One batch of order documents, inside the importer's transaction: the same document
    again is skipped, a corrected one replaces its header and lines, a deleted one goes."""
    out = Outcome()
    now = clock.utcnow()
    existing = {o.external_id: o for o in BuyerOrder.select().where(
        BuyerOrder.external_id.in_([d.external_id for d in docs]))}
    changed: list[int] = []
    for d in docs:
        old = existing.get(d.external_id)
        if d.deleted:
            if old is not None:
                old.delete_instance(recursive=False)
                existing.pop(d.external_id)
                out.updated += 1
            else:
                out.skipped += 1
            continue
        if old is not None and old.content_hash == d.content_hash:
            out.skipped += 1
            continue
        fields = dict(number=d.number[:100], date=d.date, customer=d.customer_id, customer_name=d.customer_name[:200],
                      phone_e164=d.phone_e164, card=d.card[:64], manager_name=d.manager_name[:200],
                      total_kop=d.total_kop, prepayment_kop=max(0, d.prepayment_kop),
                      status=status_of(d.status_text, d.cancelled), status_text=d.status_text[:100],
                      content_hash=d.content_hash, import_log=import_log_id, updated_at=now)
        if old is not None:
            if old.customer_id and not d.customer_id:
                fields["customer"] = old.customer_id  # attached earlier: keep it
            BuyerOrder.update(**fields).where(BuyerOrder.id == old.id).execute()
            BuyerOrderLine.delete().where(BuyerOrderLine.order == old.id).execute()
            order_id = old.id
            out.updated += 1
        else:
            order_id = BuyerOrder.create(external_id=d.external_id, created_at=now, **fields).id
            existing[d.external_id] = BuyerOrder.get_by_id(order_id)
            out.created += 1
        bulk_insert(BuyerOrderLine, [dict(line, order=order_id) for line in d.lines])
        changed.append(order_id)
    if changed:
        out.linked_sales = _link_waiting()
    return out


def _resolve(refs: set[str]) -> dict[str, int]:
    """ref as a sale wrote it -> order id (by the order's 1C Ид, else number and day)."""
    keys = {ref: base_keys(ref) for ref in refs if ref}
    by_ext = dict(select_in(f"SELECT external_id, id FROM {table(BuyerOrder)} WHERE external_id IN",
                            {whole for whole, _, _ in keys.values()}))
    by_number: dict[str, list[tuple[int, dt.datetime]]] = {}
    for oid, number, date in select_in(f"SELECT id, number, date FROM {table(BuyerOrder)} WHERE number IN",
                                       {number for _, number, _ in keys.values() if number}):
        when = date if isinstance(date, dt.datetime) else dt.datetime.fromisoformat(str(date))
        by_number.setdefault(number, []).append((oid, when))
    out = {}
    for ref, (whole, number, day) in keys.items():
        found = by_ext.get(whole)
        if found is None:
            same = [(oid, when) for oid, when in by_number.get(number, ()) if day is None or clock.shop_date(when) == day]
            found = max(same, key=lambda t: t[1])[0] if same else None
        if found is not None:
            out[ref] = found
    return out


def link_sales(pairs: list[tuple[int, str]]) -> dict[int, int]:
    """Sales of one batch and the order each names: the references kept, and resolved where
    the order is in the box. {sale id: order id} for those resolved."""
    pairs = [(sale_id, ref.strip()[:200]) for sale_id, ref in pairs if ref and ref.strip()]
    if not pairs:
        return {}
    found = _resolve({ref for _, ref in pairs})
    sale_ids = [sale_id for sale_id, _ in pairs]
    BuyerOrderSale.delete().where(BuyerOrderSale.sale.in_(sale_ids)).execute()
    bulk_insert(BuyerOrderSale, [dict(sale=sale_id, ref=ref, order=found.get(ref)) for sale_id, ref in pairs])
    linked = {sale_id: found[ref] for sale_id, ref in pairs if ref in found}
    _carry_customer(linked)
    return linked


def _link_waiting(limit: int = 5000) -> list[int]:
    """References of sales that came before their order: resolved now. The sales linked."""
    waiting = list(BuyerOrderSale.select().where(BuyerOrderSale.order.is_null()).limit(limit))
    found = _resolve({w.ref for w in waiting})
    linked = {}
    for w in waiting:
        if w.ref in found:
            BuyerOrderSale.update(order=found[w.ref]).where(BuyerOrderSale.id == w.id).execute()
            linked[w.sale_id] = found[w.ref]
    _carry_customer(linked)
    return sorted(linked)


def _carry_customer(linked: dict[int, int]) -> None:
    """A sale without a customer takes its order's (1C often leaves the till's receipt anonymous)."""
    if not linked:
        return
    customers = dict(BuyerOrder.select(BuyerOrder.id, BuyerOrder.customer)
                     .where(BuyerOrder.id.in_(list(set(linked.values()))) & BuyerOrder.customer.is_null(False))
                     .tuples())
    for sale_id, order_id in linked.items():
        if order_id in customers:
            Sale.update(customer=customers[order_id]).where((Sale.id == sale_id) & Sale.customer.is_null()).execute()


def order_cards(sale_ids) -> dict[int, str]:
    """{sale id: card number of the order it fulfils} where the order has a card."""
    rows = (BuyerOrderSale.select(BuyerOrderSale.sale, BuyerOrder.card).join(BuyerOrder)
            .where(BuyerOrderSale.sale.in_(list(sale_ids)) & (BuyerOrder.card != "")).tuples())
    return dict(rows)


def prepaid_by_sale(sale_ids) -> dict[int, int]:
    """The part of their orders' prepayment that pays each of these sales: an order's
    prepayment goes to the sales that fulfil it in date order, each up to its sum."""
    sale_ids = list(sale_ids)
    if not sale_ids:
        return {}
    orders = (BuyerOrderSale.select(BuyerOrderSale.order).where(
        BuyerOrderSale.sale.in_(sale_ids) & BuyerOrderSale.order.is_null(False)))
    rows = (BuyerOrderSale.select(BuyerOrderSale.order, BuyerOrder.prepayment_kop, Sale.id, Sale.total_kop)
            .join(BuyerOrder).switch(BuyerOrderSale).join(Sale)
            .where(BuyerOrderSale.order.in_(orders) & (BuyerOrder.prepayment_kop > 0))
            .order_by(BuyerOrderSale.order, Sale.date, Sale.id).tuples())
    left: dict[int, int] = {}
    out: dict[int, int] = {}
    for order_id, prepayment, sale_id, total in rows:
        rest = left.setdefault(order_id, prepayment)
        share = min(rest, max(0, total))
        left[order_id] = rest - share
        if share:
            out[sale_id] = share
    return {s: out[s] for s in sale_ids if s in out}


def of_customer(customer_id: int, limit: int = 20) -> list[BuyerOrder]:
    """The customer's 1C orders, newest first, with the sales that fulfilled them."""
    return list(BuyerOrder.select().where(BuyerOrder.customer == customer_id)
                .order_by(BuyerOrder.date.desc(), BuyerOrder.id.desc()).limit(limit))


def sales_of(order: BuyerOrder) -> list[Sale]:
    return list(Sale.select().join(BuyerOrderSale).where(BuyerOrderSale.order == order.id).order_by(Sale.date))


def open_count() -> int:
    return BuyerOrder.select(peewee.fn.COUNT(BuyerOrder.id)).where(BuyerOrder.status == "open").scalar() or 0
