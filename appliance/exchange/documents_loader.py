"""Documents from 1C: sales (with the buyer matched to a customer), goods receipts, returns
(handed to appliance.loyalty.returns, which applies them to bonus cards once) and customer
orders (appliance.exchange.customer_orders, linked to the sales that fulfil them).

Idempotent per document: keyed by the 1C Ид (or number + day), a content hash tells "the
same again" (skipped) from "corrected in 1C" (lines replaced, header updated).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from appliance import clock
from appliance.customers import matching, record_visit
from appliance.customers.matching import clean_card
from appliance.errors import InputError
from appliance.exchange import commerceml as cml
from appliance.exchange import customer_orders
from appliance.exchange.csv_import import Row
from appliance.exchange.loading import ProductIndex, Tally, akey, bkey, fold, to_kop
from appliance.loyalty import cards as loyalty_cards
from appliance.loyalty import returns as loyalty_returns
from appliance.phones import normalize
from db.bulk import bulk_insert, insert_returning_ids, insert_tuples, select_in, table
from db.models.exchange import GoodsReceipt, GoodsReceiptLine, ImportedSale
from db.models.sales import Sale, SaleLine
from db.models.staff import Staff

# What 1C writes as the buyer when the cashier did not ask: no customer to look for.
ANONYMOUS_BUYERS = {"розничный покупатель", "частное лицо", "покупатель", "физическое лицо", "розница", ""}
SALE_LINE_COLUMNS = ("sale", "product", "article", "brand", "name", "qty", "price_kop", "sum_kop")


@dataclass
class Doc:
    kind: str  # sale | receipt | return | order
    external_id: str
    number: str
    date: datetime  # local
    counterparty: str = ""
    card: str = ""
    phones: list[str] = field(default_factory=list)
    manager: str = ""
    warehouse: str = ""
    total: Decimal | None = None
    deleted: bool = False
    lines: list[tuple] = field(default_factory=list)  # (article, brand, name, qty, price, amount)
    line: int = 0
    base: str = ""  # a return: the sale it names
    points: Decimal | None = None  # a sale: paid with bonus points
    paid: Decimal | None = None  # a sale: money paid so far (None: paid at the till)
    order_ref: str = ""  # a sale: the customer order it fulfils
    prepayment: Decimal | None = None  # an order: paid in advance
    status: str = ""  # an order: as 1C writes it
    cancelled: bool = False  # an order

    def content_hash(self) -> str:
        parts = [self.kind, self.number, self.date.isoformat(), self.counterparty, self.card, "|".join(self.phones),
                 self.manager, self.warehouse, str(self.total)]
        if self.base or self.points is not None or self.paid is not None:  # old hashes stay as they were
            parts += [self.base, str(self.points), str(self.paid)]
        if self.order_ref or self.prepayment is not None or self.status or self.cancelled:
            parts += [self.order_ref, str(self.prepayment), self.status, str(self.cancelled)]
        parts += [f"{a}\x1f{b}\x1f{n}\x1f{norm_dec(q)}\x1f{norm_dec(p)}\x1f{norm_dec(s)}"
                  for a, b, n, q, p, s in self.lines]
        return hashlib.sha1("\x1e".join(parts).encode()).hexdigest()


def norm_dec(value) -> str:
    return str(value.normalize()) if isinstance(value, Decimal) else str(value)


def doc_key(doc_id: str, number: str, when: datetime) -> str:
    return doc_id.strip() if doc_id and doc_id.strip() else f"{number.strip()}@{when.date().isoformat()}"


@dataclass
class _SalesBatch:
    """One batch of sale documents on its way in."""

    existing: dict[str, tuple[int, str]]  # external id -> (sale id, content hash)
    index: ProductIndex
    now: datetime
    new: dict[str, tuple[Doc, dict, dict]] = field(default_factory=dict)
    lines: list[tuple] = field(default_factory=list)
    visits: dict[int, datetime] = field(default_factory=dict)
    with_card: list[loyalty_cards.ArrivedSale] = field(default_factory=list)
    order_refs: list[tuple[int, str, Doc, bool]] = field(default_factory=list)  # sale id, ref, doc, has a card


class DocumentsLoader(Tally):
    """Sales and receipts of one import (a mixin of ``importer._Import``)."""

    def _docs_batch(self, docs: list[Doc]) -> None:
        sales = [d for d in docs if d.kind == "sale"]
        receipts = [d for d in docs if d.kind == "receipt"]
        returns = [d for d in docs if d.kind == "return"]
        orders = [d for d in docs if d.kind == "order"]
        if sales:
            self._sales(sales)
        if receipts:
            self._receipts(receipts)
        if returns:
            self._returns(returns)
        if orders:
            self._orders(orders)

    def _orders(self, docs: list[Doc]) -> None:
        """Customer orders: the buyer matched like a sale's; sales that named an order before it
        came get its card now (1C's till often leaves the card off a sale made from an order)."""
        e164s = [[p for p in (self._phone(x) for x in d.phones) if p] for d in docs]
        found = matching.customers_for((d.card, phones) for d, phones in zip(docs, e164s, strict=True))
        index = ProductIndex(akey(ln[0]) for d in docs for ln in d.lines if ln[0])
        rows = []
        for d, phones, customer_id in zip(docs, e164s, found, strict=True):
            self.rows += 1
            buyer = d.counterparty if fold(d.counterparty) not in ANONYMOUS_BUYERS else ""
            lines = []
            for article, brand, name, qty, price, amount in d.lines:
                price_kop, sum_kop = line_money(qty, price, amount)
                lines.append(dict(product=index.find(akey(article), bkey(brand)), article=article[:100],
                                  brand=brand[:100], name=name[:250], qty=qty, price_kop=price_kop, sum_kop=sum_kop))
            rows.append(customer_orders.OrderDoc(
                external_id=d.external_id, number=d.number, date=clock.local_to_utc(d.date),
                content_hash=d.content_hash(), customer_id=customer_id, customer_name=buyer,
                phone_e164=phones[0] if phones else "", card=clean_card(d.card), manager_name=d.manager,
                total_kop=to_kop(doc_total(d)), prepayment_kop=to_kop(d.prepayment), status_text=d.status,
                cancelled=d.cancelled, deleted=d.deleted, lines=lines))
        outcome = customer_orders.import_orders(rows, self.entry.id)
        self.created += outcome.created
        self.updated += outcome.updated
        self.skipped += outcome.skipped
        if outcome.linked_sales:
            self.sales_touched = True
            self._cards_from_orders(outcome.linked_sales, {})

    @staticmethod
    def _cards_from_orders(sale_ids: list[int], docs: dict[int, Doc]) -> None:
        """Sales without a card of their own whose order has one: sales made with that card."""
        own = {sid for (sid,) in select_in(f"SELECT sale_id FROM {table(ImportedSale)} WHERE card != '' AND sale_id IN",
                                           sale_ids)}
        cards = customer_orders.order_cards([s for s in sale_ids if s not in own])
        items = []
        for sale_id, card in cards.items():
            d = docs.get(sale_id)
            items.append(loyalty_cards.ArrivedSale(sale_id, card, to_kop(d.points) if d else 0,
                                                   None if d is None or d.paid is None else to_kop(d.paid)))
        loyalty_cards.sales_arrived(items)

    def _returns(self, docs: list[Doc]) -> None:
        rows = [loyalty_returns.ReturnDoc(
            external_id=d.external_id, number=d.number, date=clock.local_to_utc(d.date), base=d.base,
            card=clean_card(d.card), total_kop=to_kop(doc_total(d)), content_hash=d.content_hash(),
            lines=[(a, b, n, q, line_money(q, p, s)[1]) for a, b, n, q, p, s in d.lines]) for d in docs if not d.deleted]
        self.rows += len(docs)
        self.skipped += len(docs) - len(rows)
        outcome = loyalty_returns.import_returns(rows, self.entry.id)
        self.created += outcome.created
        self.skipped += outcome.skipped
        if outcome.flagged:
            self.notes.append(f"Возвратов не проведено по бонусным картам: {outcome.flagged} — "
                              f"они сохранены и ждут решения на странице «Бонусные карты».")

    def _staff_id(self, name: str) -> int | None:
        if not name:
            return None
        if self._staff is None:
            self._staff = {}
            for s in Staff.select():
                for variant in {s.full_name, s.username, getattr(s, "short_name", "")}:
                    if variant:
                        self._staff.setdefault(fold(variant), s.id)
                parts = s.full_name.split()
                if len(parts) >= 2:  # 1C often writes "Фамилия Имя" without patronymic
                    self._staff.setdefault(fold(" ".join(parts[:2])), s.id)
        return self._staff.get(fold(name))

    def _phone(self, text: str) -> str:
        if text not in self._phones:
            try:
                self._phones[text] = normalize(text)
            except InputError:
                self._phones[text] = ""
        return self._phones[text]

    def _sales(self, docs: list[Doc]) -> None:
        self.sales_touched = True
        existing = {ext: (sid, h or "") for sid, ext, h in select_in(
            f"SELECT s.id, s.external_id, o.content_hash FROM {table(Sale)} s LEFT OUTER JOIN {table(ImportedSale)} o "
            f"ON o.sale_id = s.id WHERE s.external_id IN", [d.external_id for d in docs])}
        batch = _SalesBatch(existing, ProductIndex(akey(ln[0]) for d in docs for ln in d.lines if ln[0]), clock.utcnow())
        e164s = [[p for p in (self._phone(x) for x in d.phones) if p] for d in docs]
        found = matching.customers_for((d.card, phones) for d, phones in zip(docs, e164s, strict=True))
        for d, phones, customer_id in zip(docs, e164s, found, strict=True):
            self.rows += 1
            self._sale(d, phones, customer_id, batch)
        self._insert_new_sales(batch)
        insert_tuples(SaleLine, SALE_LINE_COLUMNS, batch.lines)
        linked = customer_orders.link_sales([(sale_id, ref) for sale_id, ref, _d, _card in batch.order_refs])
        for customer_id, when in batch.visits.items():
            record_visit(customer_id, when)
        loyalty_cards.sales_arrived(batch.with_card, batch.now)
        cardless = {sale_id: d for sale_id, _ref, d, has_card in batch.order_refs if not has_card and sale_id in linked}
        if cardless:
            self._cards_from_orders(list(cardless), cardless)
        loyalty_returns.retry_waiting()

    def _sale(self, d: Doc, e164s: list[str], customer_id: int | None, batch: _SalesBatch) -> None:
        """One sale document: its lines added to one seen before, deleted, skipped, updated, or queued as new."""
        digest = d.content_hash()
        old = batch.existing.get(d.external_id)
        if d.external_id in batch.new:
            # the same document again further down the file: its lines are added to it
            batch.new[d.external_id][0].lines.extend(d.lines)
            return
        if d.external_id in self._seen_keys and old is not None:
            self._append_sale_lines(old[0], d, batch.index, digest)
            return
        self._seen_keys.add(d.external_id)
        if d.deleted:
            if old is not None:
                Sale.delete().where(Sale.id == old[0]).execute()
                self.updated += 1
            else:
                self.skipped += 1
            return
        if old is not None and old[1] == digest:
            self.skipped += 1
            return
        header, origin = self._sale_rows(d, e164s, customer_id, digest)
        when = header["date"]
        if customer_id and (customer_id not in batch.visits or batch.visits[customer_id] < when):
            batch.visits[customer_id] = when
        if old is not None:
            self._update_sale(old[0], d, header, origin, batch)
            self._card_sale(old[0], d, origin, batch)
        else:
            header["created_at"] = batch.now
            batch.new[d.external_id] = (d, header, origin)
            self.created += 1

    def _sale_rows(self, d: Doc, e164s: list[str], customer_id: int | None, digest: str) -> tuple[dict, dict]:
        """The Sale row and its ImportedSale origin (how the buyer was, or was not, matched)."""
        card = clean_card(d.card)
        buyer = d.counterparty if fold(d.counterparty) not in ANONYMOUS_BUYERS else ""
        if customer_id:
            status = "matched"
        elif card or d.phones or buyer:
            status = "unmatched"
            self.unmatched += 1
        else:
            status = "anonymous"
        header = dict(number=d.number, date=clock.local_to_utc(d.date), customer=customer_id,
                      manager=self._staff_id(d.manager), kind="parts", total_kop=to_kop(doc_total(d)),
                      external_id=d.external_id, source="1c")
        origin = dict(content_hash=digest, card=card, phone=d.phones[0] if d.phones else "",
                      phone_e164=e164s[0] if e164s else "", customer_name=buyer[:200],
                      manager_name=d.manager[:200], status=status, import_log=self.entry.id)
        return header, origin

    def _update_sale(self, sale_id: int, d: Doc, header: dict, origin: dict, batch: _SalesBatch) -> None:
        """A sale corrected in 1C: header and lines replaced; a customer a manager attached stays."""
        current = Sale.get_by_id(sale_id)
        if current.customer_id and not header["customer"]:
            header["customer"] = current.customer_id  # attached by a manager: keep it
            if origin["status"] == "unmatched":
                self.unmatched -= 1
            origin["status"] = "attached"
        Sale.update(**header).where(Sale.id == sale_id).execute()
        SaleLine.delete().where(SaleLine.sale == sale_id).execute()
        n = ImportedSale.update(**origin).where(ImportedSale.sale == sale_id).execute()
        if not n:
            ImportedSale.create(sale=sale_id, **origin)
        batch.lines.extend(sale_lines(sale_id, d, batch.index))
        self.updated += 1

    def _insert_new_sales(self, batch: _SalesBatch) -> None:
        if not batch.new:
            return
        rows = []
        for d, header, _origin in batch.new.values():
            if d.total is None:
                header["total_kop"] = to_kop(doc_total(d))
            rows.append(header)
        ids = insert_returning_ids(Sale, rows)
        origins = []
        for sale_id, (d, _header, origin) in zip(ids, batch.new.values(), strict=True):
            origin["sale"] = sale_id
            origins.append(origin)
            batch.lines.extend(sale_lines(sale_id, d, batch.index))
            self._card_sale(sale_id, d, origin, batch)
        bulk_insert(ImportedSale, origins)

    @staticmethod
    def _card_sale(sale_id: int, d: Doc, origin: dict, batch: _SalesBatch) -> None:
        ref = d.order_ref or d.base
        if ref:
            batch.order_refs.append((sale_id, ref, d, bool(origin["card"])))
        if origin["card"]:
            batch.with_card.append(loyalty_cards.ArrivedSale(
                sale_id, origin["card"], to_kop(d.points), None if d.paid is None else to_kop(d.paid)))

    def _append_sale_lines(self, sale_id: int, d: Doc, index, digest: str) -> None:
        insert_tuples(SaleLine, SALE_LINE_COLUMNS, list(sale_lines(sale_id, d, index)))
        Sale.update(total_kop=Sale.total_kop + to_kop(doc_total(d))).where(Sale.id == sale_id).execute()
        old = ImportedSale.get_or_none(ImportedSale.sale == sale_id)
        if old is not None:
            combined = hashlib.sha1((old.content_hash + digest).encode()).hexdigest()
            ImportedSale.update(content_hash=combined).where(ImportedSale.sale == sale_id).execute()

    def _receipts(self, docs: list[Doc]) -> None:
        keys = [d.external_id for d in docs]
        existing = {r.external_id: r for r in GoodsReceipt.select().where(GoodsReceipt.external_id.in_(keys))}
        article_keys = {akey(ln[0]) for d in docs for ln in d.lines if ln[0]}
        index = ProductIndex(article_keys)
        now = clock.utcnow()
        for d in docs:
            self.rows += 1
            old = existing.get(d.external_id)
            digest = d.content_hash()
            if d.external_id in self._seen_keys and old is not None:
                bulk_insert(GoodsReceiptLine, receipt_lines(old.id, d, index))
                continue
            self._seen_keys.add(d.external_id)
            if d.deleted:
                if old is not None:
                    old.delete_instance(recursive=True)
                    self.updated += 1
                else:
                    self.skipped += 1
                continue
            if old is not None and old.content_hash == digest:
                self.skipped += 1
                continue
            fields = dict(number=d.number, date=clock.local_to_utc(d.date), supplier=d.counterparty[:200],
                          warehouse=d.warehouse[:200], total_kop=to_kop(doc_total(d)), content_hash=digest,
                          import_log=self.entry.id, updated_at=now)
            if old is not None:
                GoodsReceipt.update(**fields).where(GoodsReceipt.id == old.id).execute()
                GoodsReceiptLine.delete().where(GoodsReceiptLine.receipt == old.id).execute()
                receipt_id = old.id
                self.updated += 1
            else:
                receipt_id = GoodsReceipt.create(external_id=d.external_id, created_at=now, **fields).id
                existing[d.external_id] = GoodsReceipt.get_by_id(receipt_id)
                self.created += 1
            lines = receipt_lines(receipt_id, d, index)
            bulk_insert(GoodsReceiptLine, lines)
            self.unknown_articles += sum(1 for ln in lines if ln["product"] is None)
            if receipt_id not in self.receipts_changed:
                self.receipts_changed.append(receipt_id)


def doc_total(d: Doc) -> Decimal:
    if d.total is not None:
        return d.total
    total = Decimal(0)
    for _a, _b, _n, qty, price, amount in d.lines:
        total += amount if amount is not None else (price or 0) * qty
    return total


def line_money(qty: Decimal, price: Decimal | None, amount: Decimal | None) -> tuple[int, int]:
    if amount is None and price is not None:
        amount = price * qty
    if price is None and amount is not None:
        price = amount / qty if qty else amount
    return to_kop(price), to_kop(amount)


def sale_lines(sale_id: int, d: Doc, index: ProductIndex) -> Iterator[tuple]:
    qty_value = SaleLine.qty.db_value
    for article, brand, name, qty, price, amount in d.lines:
        price_kop, sum_kop = line_money(qty, price, amount)
        yield (sale_id, index.find(akey(article), bkey(brand)), article[:100], brand[:100], name[:250],
               qty_value(qty), price_kop, sum_kop)


def receipt_lines(receipt_id: int, d: Doc, index: ProductIndex) -> list[dict]:
    out = []
    for article, brand, name, qty, price, amount in d.lines:
        ak, bk = akey(article), bkey(brand)
        price_kop, sum_kop = line_money(qty, price, amount)
        out.append(dict(receipt=receipt_id, product=index.find(ak, bk), article=article[:100], brand=brand[:100],
                        article_key=ak, brand_key=bk, name=name[:250], qty=qty, price_kop=price_kop,
                        sum_kop=sum_kop))
    return out


def doc_from_xml(doc: cml.Document) -> Doc | None:
    if doc.kind not in ("sale", "receipt", "return", "order"):
        return None
    return Doc(
        kind=doc.kind,
        external_id=doc_key(doc.onec_id, doc.number, doc.date),
        number=doc.number, date=doc.date, counterparty=doc.counterparty, card=doc.card,
        phones=list(doc.phones), manager=doc.manager, warehouse=doc.warehouse, total=doc.total,
        deleted=doc.deleted or (not doc.posted and doc.kind != "order"), line=doc.line, base=doc.base,
        points=doc.points, paid=doc.paid, order_ref=doc.order_ref, prepayment=doc.prepayment, status=doc.status,
        cancelled=doc.cancelled,
        lines=[(ln.article, ln.brand, ln.name, ln.quantity, ln.price, ln.amount) for ln in doc.lines],
    )


def group_rows(rows: Iterator[Row], kind: str) -> Iterator[Doc]:
    """Consecutive rows with the same document key make one document."""
    current: Doc | None = None
    for r in rows:
        key = doc_key(r.doc_id, r.number, r.date)
        if current is None or current.external_id != key:
            if current is not None:
                yield current
            current = Doc(kind=kind, external_id=key, number=r.number or r.doc_id, date=r.date,
                           counterparty=r.supplier if kind == "receipt" else r.customer,
                           card=r.card, phones=[r.phone] if r.phone else [], manager=r.manager,
                           warehouse=r.warehouse, total=None, line=r.line, base=r.base, points=r.points,
                           paid=r.paid, order_ref=r.order, prepayment=r.prepayment, status=r.status)
        current.lines.append((r.article, r.brand, r.name, r.quantity, r.price, r.amount))
    if current is not None:
        yield current
