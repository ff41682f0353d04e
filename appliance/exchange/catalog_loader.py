"""Catalog, offers and stock from 1C: products updated in place, prices, stock snapshots
replaced per warehouse; and the later linking of lines that came before their product.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from appliance import clock, parts
from appliance.exchange import commerceml as cml
from appliance.exchange.csv_import import Row
from appliance.exchange.loading import ProductIndex, Tally, akey, bkey, cfg, default_warehouse, fold, to_kop
from db import write_transaction
from db.bulk import bulk_insert, chunks, select_in, table
from db.models.catalog import Product
from db.models.exchange import GoodsReceiptLine, StockLevel, StockSnapshot
from db.models.sales import SaleLine


class CatalogLoader(Tally):
    """Products, offers and stock levels of one import (a mixin of ``importer._Import``)."""

    def _catalog_batch(self, items: list[dict]) -> None:
        by_ext = {i["external_id"]: i for i in items if i.get("external_id")}
        existing_ext = {p.external_id: p for p in Product.select().where(Product.external_id.in_(list(by_ext)))} \
            if by_ext else {}
        keys = {(i["article_key"], i["brand_key"]) for i in items}
        existing_key = {(p.article_key, p.brand_key): p for p in Product.select().where(
            Product.article_key.in_([k[0] for k in keys]))}
        now = clock.utcnow()
        for item in items:
            self.rows += 1
            if item.pop("deleted", False) or not item["article_key"]:
                self.skipped += 1
                continue
            product = existing_ext.get(item.get("external_id")) if item.get("external_id") else None
            product = product or existing_key.get((item["article_key"], item["brand_key"]))
            if product is None:
                clash = item.get("external_id") and Product.get_or_none(Product.external_id == item["external_id"])
                if clash:
                    item.pop("external_id")
                product = Product.create(updated_at=now, **item)
                existing_key[(product.article_key, product.brand_key)] = product
                self.created += 1
                self.products_changed = True
                self.product_keys.add(item["article_key"])
                continue
            changes = {k: v for k, v in item.items()
                       if v not in (None, "") and getattr(product, k) != v}
            if "external_id" in changes and product.external_id and product.external_id != changes["external_id"]:
                changes.pop("external_id")  # a second 1C item for the same part: keep the first link
            if (product.article_key, product.brand_key) != (item["article_key"], item["brand_key"]):
                changes.pop("article_key", None)
                changes.pop("brand_key", None)
                changes.pop("article", None)
                changes.pop("brand", None)
            if changes:
                for k, v in changes.items():
                    setattr(product, k, v)
                product.updated_at = now
                product.save()
                self.updated += 1
                self.products_changed = True
                self.product_keys.add(item["article_key"])
            else:
                self.skipped += 1

    def _offers_batch(self, offers: list[cml.Offer], reader: cml.CommerceMLReader, only_changes: bool) -> None:
        price_type = choose_price_type(reader.price_types)
        ids = {o.product_id for o in offers}
        products = {p.external_id: p for p in Product.select().where(Product.external_id.in_(list(ids)))}
        levels: dict[str, list[dict]] = {}
        now = clock.utcnow()
        for offer in offers:
            self.rows += 1
            product = products.get(offer.product_id)
            article = offer.article or (product.article if product else "")
            if not article:
                self.skipped += 1
                self._skipped_kinds["предложения без артикула и без товара в каталоге"] = \
                    self._skipped_kinds.get("предложения без артикула и без товара в каталоге", 0) + 1
                continue
            brand = product.brand if product else ""
            changed = False
            if product is not None and price_type and price_type in offer.prices:
                kop = to_kop(offer.prices[price_type])
                if product.price_kop != kop and "#" not in offer.onec_id:
                    product.price_kop, product.updated_at = kop, now
                    product.save()
                    changed = True
            if offer.quantity is not None or offer.per_warehouse:
                per = offer.per_warehouse or {"": offer.quantity}
                before = self._levels_before()
                for wid, qty in per.items():
                    wname = reader.warehouses.get(wid, wid) if wid else default_warehouse()
                    row = dict(
                        product=product.id if product else None, article=article, brand=brand,
                        article_key=akey(article), brand_key=bkey(brand),
                        name=offer.name or (product.name if product else ""), qty=qty,
                        price_kop=to_kop(offer.prices[price_type]) if price_type in offer.prices else None)
                    levels.setdefault(wname, []).append(row)
                    was = before.get((wname, row["article_key"], row["brand_key"]))
                    if was is None or was[0] != Decimal(str(qty or 0)) or was[1] != row["price_kop"]:
                        changed = True  # the same balance again is no change («обновлено» counts real ones)
            if changed:
                self.updated += 1
            else:
                self.skipped += 1
        taken = self.generated_at
        for wname, rows in levels.items():
            self._put_levels(wname, rows, replace=not only_changes, taken_local=taken)

    def _levels_before(self) -> dict[tuple[str, str, str], tuple[Decimal, int | None]]:
        """Every stock line as it was before this file (read once: the file replaces them as it goes)."""
        if getattr(self, "_before", None) is None:
            self._before = {}
            q = (StockLevel.select(StockSnapshot.warehouse, StockLevel.article_key, StockLevel.brand_key,
                                   StockLevel.qty, StockLevel.price_kop).join(StockSnapshot).tuples())
            for wname, ak, bk, qty, price in q:
                self._before[(wname, ak, bk)] = (Decimal(str(qty or 0)), price)
        return self._before

    def _finish_full_stock(self, reader: cml.CommerceMLReader) -> None:
        """A full offers export lists every warehouse; one with no lines now has nothing."""
        if not self.stock_warehouses:
            return
        for wname in reader.warehouses.values():
            if wname not in self.stock_warehouses:
                self._put_levels(wname, [], replace=True, taken_local=self.generated_at)

    def _stock_rows(self, rows: list[Row]) -> None:
        keys = {akey(r.article) for r in rows}
        index = ProductIndex(keys)
        by_wh: dict[str, list[dict]] = {}
        for r in rows:
            self.rows += 1
            ak, bk = akey(r.article), bkey(r.brand)
            product_id = index.find(ak, bk)
            by_wh.setdefault(r.warehouse or default_warehouse(), []).append(dict(
                product=product_id, article=r.article, brand=r.brand, article_key=ak, brand_key=bk,
                name=r.name, qty=r.quantity, price_kop=to_kop(r.price) if r.price is not None else None))
            self.updated += 1
        for wname, levels in by_wh.items():
            self._put_levels(wname, levels, replace=True, taken_local=None)

    def _stock_taken_at(self, taken_local: datetime | None) -> None:
        if taken_local is None:
            return
        (StockSnapshot.update(taken_at=clock.local_to_utc(taken_local))
         .where(StockSnapshot.warehouse.in_(list(self.stock_warehouses))).execute())

    def _put_levels(self, warehouse: str, rows: list[dict], replace: bool, taken_local: datetime | None) -> None:
        now = clock.utcnow()
        taken = clock.local_to_utc(taken_local) if taken_local else now
        snap = StockSnapshot.get_or_none(StockSnapshot.warehouse == warehouse)
        first_time = warehouse not in self.stock_warehouses
        if snap is None:
            snap = StockSnapshot.create(warehouse=warehouse, taken_at=taken, received_at=now, lines=0,
                                        import_log=self.entry.id)
        elif first_time:
            snap.taken_at, snap.received_at, snap.import_log = taken, now, self.entry.id
        self.stock_warehouses.add(warehouse)
        if replace and first_time:
            StockLevel.delete().where(StockLevel.snapshot == snap.id).execute()
            snap.lines = 0
        elif not replace:
            keys = [(r["article_key"], r["brand_key"]) for r in rows]
            for ak, bk in keys:
                (StockLevel.delete().where((StockLevel.snapshot == snap.id) & (StockLevel.article_key == ak)
                                           & (StockLevel.brand_key == bk)).execute())
        for r in rows:
            r["snapshot"] = snap.id
        bulk_insert(StockLevel, rows)
        snap.lines = StockLevel.select().where(StockLevel.snapshot == snap.id).count()
        snap.save()


def product_from_xml(p: cml.Product, reader: cml.CommerceMLReader) -> dict:
    group = reader.groups.get(p.group_ids[0]).name if p.group_ids and p.group_ids[0] in reader.groups else ""
    return dict(article=p.article[:100], brand=p.brand[:100], article_key=akey(p.article),
                brand_key=bkey(p.brand), name=p.name[:250], group=group[:100],
                external_id=p.onec_id, deleted=p.deleted)


def product_from_row(r: Row) -> dict:
    item = dict(article=r.article[:100], brand=r.brand[:100], article_key=akey(r.article),
                brand_key=bkey(r.brand), name=r.name[:250], group=r.group[:100],
                external_id=r.onec_id or None)
    if r.price is not None:
        item["price_kop"] = to_kop(r.price)
    return item


def choose_price_type(types: dict[str, str]) -> str | None:
    wanted = fold(cfg("price_type", "Розничная"))
    for pid, name in types.items():
        if fold(name) == wanted:
            return pid
    return next(iter(types)) if len(types) == 1 else None


# ---------------------------------------------------------------- matching later


_SQL_ARTICLE_KEY = parts.sql_article_key("article")


def match_products(article_keys: Iterable[str] | None = None) -> int:
    """Link sale/receipt/stock lines that came before their product did. Returns lines linked.

    With ``article_keys`` (the products a catalog import just created or changed) only
    lines with those articles are looked at; without, every unlinked line is.
    """
    linked = 0
    wanted = sorted(set(article_keys)) if article_keys is not None else None
    for model in (GoodsReceiptLine, StockLevel):
        if wanted is None:
            keys = [ak for (ak,) in model.select(model.article_key).where(model.product.is_null()).distinct().tuples()]
        else:
            keys = wanted
        for chunk in chunks(keys, 500):
            index = ProductIndex(chunk)
            for pid_pair, pid in index.by_pair.items():
                ak, bk = pid_pair
                linked += model.update(product=pid).where(
                    model.product.is_null() & (model.article_key == ak) & (model.brand_key == bk)).execute()
            for ak, ids in index.by_article.items():
                if len(ids) == 1:
                    linked += model.update(product=ids[0]).where(
                        model.product.is_null() & (model.article_key == ak)).execute()
    # Sale lines keep the article as written: normalise in SQL to narrow, confirm in Python.
    if wanted is not None:
        for chunk in chunks(wanted, 500):
            rows = list(select_in(
                f"SELECT id, article, brand FROM {table(SaleLine)} WHERE product_id IS NULL AND {_SQL_ARTICLE_KEY} IN",
                chunk))
            linked += _link_sale_lines(rows)
        return linked
    last = 0
    while True:
        rows = list(SaleLine.select(SaleLine.id, SaleLine.article, SaleLine.brand)
                    .where(SaleLine.product.is_null() & (SaleLine.article != "") & (SaleLine.id > last))
                    .order_by(SaleLine.id).limit(5000).tuples())
        if not rows:
            break
        last = rows[-1][0]
        linked += _link_sale_lines(rows)
    return linked


def _link_sale_lines(rows: list[tuple]) -> int:
    index = ProductIndex(akey(a) for _, a, _ in rows)
    if not index.by_article:
        return 0
    linked = 0
    with write_transaction():
        for line_id, article, brand in rows:
            pid = index.find(akey(article), bkey(brand))
            if pid:
                SaleLine.update(product=pid).where(SaleLine.id == line_id).execute()
                linked += 1
    return linked
