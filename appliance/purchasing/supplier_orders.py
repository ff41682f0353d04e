"""Supplier orders from the reorder list: ticked lines become one queued order per supplier
(the outbox); ``drain_outbox`` places them through the adapters and records the supplier's
refs; ``poll_statuses`` follows their lines until they ship or are refused.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable

from appliance import audit, forms, notifications
from appliance.clock import utcnow
from appliance.errors import InputError
from appliance.parts import article_key
from appliance.suppliers import registry
from appliance.suppliers.base import LinkDown, OrderLine, OrderRejected, SupplierError
from db import write_transaction
from db.models.suppliers import MandatoryItem, ReorderLine, SupplierOrder, SupplierOrderLine

log = logging.getLogger(__name__)


def order_selected(line_ids: Iterable[int], actor=None) -> list[SupplierOrder]:
    """Ticked lines -> one queued supplier order per supplier (the outbox), atomically."""
    ids = forms.row_ids(line_ids)
    if not ids:
        raise InputError("Отметьте строки, которые нужно заказать")
    now = utcnow()
    orders: list[SupplierOrder] = []
    with write_transaction():
        lines = list(ReorderLine.select(ReorderLine, MandatoryItem).join(MandatoryItem)
                     .where(ReorderLine.id.in_(ids)).order_by(ReorderLine.id))
        skipped = [ln for ln in lines if ln.status != "open" or not ln.supplier or ln.qty <= 0]
        if skipped:
            names = ", ".join(ln.item.article for ln in skipped[:5])
            raise InputError(f"Эти строки нельзя заказать (нет поставщика или уже заказаны): {names}")
        by_supplier: dict[str, list[ReorderLine]] = defaultdict(list)
        for ln in lines:
            by_supplier[ln.supplier].append(ln)
        for code, group in sorted(by_supplier.items()):
            order = SupplierOrder.create(supplier=code, status="queued", source="stock", created_by=actor,
                                         created_at=now, next_attempt_at=now)
            for ln in group:
                SupplierOrderLine.create(
                    order=order, reorder_line=ln, article=ln.offer_article or ln.item.article,
                    brand=ln.offer_brand or ln.item.brand, article_key=ln.item.article_key,
                    brand_key=ln.item.brand_key, name=ln.offer_name or ln.item.name,
                    offer_key=ln.offer_key, qty=ln.qty, price_kop=ln.price_kop, status="queued", updated_at=now)
                ln.status, ln.order, ln.ticked, ln.updated_at = "ordered", order, False, now
                ln.save()
            audit.record(actor, "supplier_order.create", order,
                         {"lines": (None, ", ".join(f"{ln.item.article} x{ln.qty}" for ln in group))})
            orders.append(order)
    return orders


def drain_outbox(now: dt.datetime | None = None, limit: int = 50) -> dict[str, int]:
    """Place queued supplier orders; a link that is down leaves them queued for later."""
    now = now or utcnow()
    result = {"placed": 0, "waiting": 0, "failed": 0}
    due = list(SupplierOrder.select()
               .where(SupplierOrder.status.in_(("queued", "placing"))
                      & (SupplierOrder.next_attempt_at.is_null() | (SupplierOrder.next_attempt_at <= now)))
               .order_by(SupplierOrder.id).limit(limit))
    for order in due:
        # claim it (another worker or `prilavok stock-check` may drain at the same time); a
        # claim left by a crash expires and the order is sent again with the same client
        # reference, which the supplier de-duplicates
        claimed = (SupplierOrder.update(status="placing", next_attempt_at=now + dt.timedelta(minutes=10))
                   .where((SupplierOrder.id == order.id) & (SupplierOrder.status == order.status)
                          & (SupplierOrder.next_attempt_at.is_null()
                             | (SupplierOrder.next_attempt_at == order.next_attempt_at)))
                   .execute())
        if not claimed:
            continue
        order = SupplierOrder.get_by_id(order.id)
        try:
            adapter = registry.get(order.supplier)
        except KeyError:
            _fail(order, f"поставщик {order.supplier} не настроен", now)
            result["failed"] += 1
            continue
        lines = list(order.lines.order_by(SupplierOrderLine.id))
        request = [OrderLine(article=ln.article, brand=ln.brand, qty=ln.qty, offer_key=ln.offer_key,
                             price_kop=ln.price_kop, ref=str(ln.id)) for ln in lines]
        try:
            ref = adapter.place_order(request, client_ref=order.client_ref)
        except LinkDown as e:
            order.status = "queued"
            order.attempts += 1
            order.next_attempt_at = now + dt.timedelta(minutes=min(30, 2 ** min(order.attempts, 5)))
            order.last_error = f"нет связи: {e.detail}"[:500]
            order.save()
            result["waiting"] += 1
            continue
        except (OrderRejected, SupplierError) as e:
            _fail(order, e.message_ru, now)
            result["failed"] += 1
            continue
        with write_transaction():
            order.status, order.ref, order.placed_at = "placed", ref.ref, now
            order.attempts += 1
            order.last_error = ""
            order.save()
            _apply_statuses(lines, ref.lines, now)
        audit.record(None, "supplier_order.placed", order, {"ref": ("", ref.ref)})
        result["placed"] += 1
    return result


def _fail(order: SupplierOrder, message: str, now: dt.datetime) -> None:
    with write_transaction():
        order.status, order.last_error = "failed", message[:500]
        order.save()
        SupplierOrderLine.update(status="refused", reason=message[:500], updated_at=now).where(
            SupplierOrderLine.order == order).execute()
        ReorderLine.update(status="open", order=None).where(ReorderLine.order == order).execute()
    notifications.raise_notification(
        "order_problem", f"supplier_order:{order.id}", f"Заказ поставщику {order.supplier} не принят",
        body=message, url="/stock/reorder")


def _apply_statuses(lines: list[SupplierOrderLine], statuses, now: dt.datetime) -> list[SupplierOrderLine]:
    """Match the supplier's line statuses to ours (by our ref, else by article)."""
    by_ref = {s.ref: s for s in statuses if s.ref}
    by_article = defaultdict(list)
    for s in statuses:
        by_article[article_key(s.article)].append(s)
    refused = []
    for ln in lines:
        st = by_ref.get(str(ln.id)) or (by_article.get(ln.article_key) or [None])[0]
        if st is None:
            if ln.status == "queued":
                ln.status, ln.updated_at = "ordered", now
                ln.save()
            continue
        if st.status != ln.status or st.reason != ln.reason or (st.line_ref and st.line_ref != ln.line_ref):
            if st.status == "refused" and ln.status != "refused":
                refused.append(ln)
            ln.status, ln.reason, ln.updated_at = st.status, st.reason, now
            ln.line_ref = st.line_ref or ln.line_ref
            ln.save()
    if refused:
        order = refused[0].order
        notifications.raise_notification(
            "order_problem", f"supplier_refusal:{order.id}",
            f"Отказ поставщика {order.supplier}: {', '.join(ln.article for ln in refused)}",
            body="; ".join(f"{ln.article}: {ln.reason}" for ln in refused), url="/stock/reorder")
    return refused


def poll_statuses(now: dt.datetime | None = None, limit: int = 100) -> int:
    """Ask suppliers about placed orders that still have open lines; returns orders polled."""
    now = now or utcnow()
    polled = 0
    orders = list(SupplierOrder.select().where(SupplierOrder.status == "placed")
                  .order_by(SupplierOrder.polled_at.asc(nulls="first"), SupplierOrder.id).limit(limit))
    for order in orders:
        lines = list(order.lines)
        if all(ln.status in ("shipped", "refused", "received") for ln in lines):
            order.status = "closed"
            order.save()
            continue
        try:
            statuses = registry.get(order.supplier).line_status(order.ref)
        except KeyError:
            continue
        except SupplierError as e:
            log.info("status poll of %s %s: %s", order.supplier, order.ref, e.detail or e)
            continue
        with write_transaction():
            _apply_statuses(lines, statuses, now)
            order.polled_at = now
            order.save()
        polled += 1
    return polled
