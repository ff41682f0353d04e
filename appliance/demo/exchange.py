"""Demo rows for the 1C exchange: bonus cards, stock of two warehouses, a week of the
import log (with one rejected file), a goods receipt and a few sales nobody could match."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from appliance.parts import article_key, brand_key
from db.models.catalog import Product
from db.models.customers import Customer
from db.models.exchange import (
    BonusCard,
    GoodsReceipt,
    GoodsReceiptLine,
    ImportedSale,
    ImportLog,
    StockLevel,
    StockSnapshot,
)
from db.models.sales import Sale, SaleLine
from db.models.staff import Staff


def build(rng: random.Random, now: dt.datetime) -> None:
    _bonus_cards(rng, now)
    products = list(Product.select().order_by(Product.id))
    _stock(rng, now, products)
    _log(rng, now)
    _receipt(rng, now, products)
    _unmatched(rng, now, products)


def _bonus_cards(rng, now):
    for customer in Customer.select().where(Customer.deleted_at.is_null()).order_by(Customer.id).limit(15):
        BonusCard.create(number=f"2000{rng.randint(10 ** 8, 10 ** 9 - 1)}", customer=customer,
                         created_at=customer.created_at)


def _stock(rng, now, products):
    taken = now - dt.timedelta(hours=rng.randint(1, 3))
    main = StockSnapshot.get_or_none(StockSnapshot.warehouse == "Основной склад") or StockSnapshot.create(
        warehouse="Основной склад", taken_at=taken, received_at=taken)
    side = StockSnapshot.create(warehouse="Склад на Лесной", taken_at=taken, received_at=taken)
    present = {(r.article_key, r.brand_key) for r in StockLevel.select().where(StockLevel.snapshot == main)}
    for p in products:
        key = (p.article_key, p.brand_key)
        if key not in present and rng.random() < 0.45:
            StockLevel.create(snapshot=main, product=p, article=p.article, brand=p.brand, article_key=key[0],
                              brand_key=key[1], name=p.name, qty=Decimal(rng.choice([1, 2, 2, 4, 6, 10])),
                              price_kop=p.price_kop)
        if rng.random() < 0.15:
            StockLevel.create(snapshot=side, product=p, article=p.article, brand=p.brand, article_key=key[0],
                              brand_key=key[1], name=p.name, qty=Decimal(rng.randint(1, 3)), price_kop=p.price_kop)
    for snap in (main, side):
        snap.lines = StockLevel.select().where(StockLevel.snapshot == snap).count()
        snap.save()


def _entry(started, source, kind, filename, seconds, status="done", **counts):
    return ImportLog.create(source=source, kind=kind, filename=filename, status=status, started_at=started,
                            finished_at=started + dt.timedelta(seconds=seconds), duration_ms=int(seconds * 1000),
                            size=counts.pop("size", 0), progress_bytes=0, **counts)


def _log(rng, now):
    manager = Staff.get_or_none(Staff.username == "manager")
    for days in range(6, -1, -1):
        day = (now - dt.timedelta(days=days)).replace(hour=14, minute=40, second=0, microsecond=0)
        if day > now:
            continue
        # 1C's scheduled exchange: catalog on Mondays, stock every evening, sales by the drop folder.
        if day.weekday() == 0:
            _entry(day - dt.timedelta(hours=11), "http", "catalog", "import0_1.xml", rng.uniform(4, 9),
                   rows=820, created=rng.randint(0, 12), updated=rng.randint(5, 40), skipped=780, size=2_400_000)
        _entry(day, "http", "offers", "offers0_1.xml", rng.uniform(2, 5), rows=820, updated=820,
               size=1_100_000)
        sales = rng.randint(35, 70)
        _entry(day + dt.timedelta(hours=6), "folder", "sales", f"продажи_{day:%d.%m.%Y}.csv",
               rng.uniform(0.4, 1.5), rows=sales, created=sales, unmatched=rng.randint(0, 2), size=sales * 190)
    failed_at = (now - dt.timedelta(days=1)).replace(hour=14, minute=5, second=0, microsecond=0)
    _entry(failed_at, "folder", "stock", f"остатки_{failed_at:%d.%m}.csv", 0.3, status="failed", size=48_000,
           error=f"Файл остатки_{failed_at:%d.%m}.csv, строка 118, колонка «Остаток»: «12 шт» — не число")
    _entry(failed_at + dt.timedelta(minutes=20), "upload", "stock", f"остатки_{failed_at:%d.%m}_исправлено.csv",
           0.6, rows=640, updated=640, size=48_000, staff=manager)


def _receipt(rng, now, products):
    when = (now - dt.timedelta(days=1)).replace(hour=7, minute=30, second=0, microsecond=0)
    receipt = GoodsReceipt.create(external_id="demo-7b2d3e55-c7a1-11f0-80d4-0cc47ab29cd1", number="ПТ-000318",
                                  date=when, supplier="ООО «Автоконтинент»", warehouse="Основной склад",
                                  content_hash="demo", created_at=when, updated_at=when)
    total = 0
    for p in rng.sample(products, min(4, len(products))):
        qty = rng.choice([2, 4, 10])
        price = int((p.price_kop or 100000) * 0.62)
        GoodsReceiptLine.create(receipt=receipt, product=p, article=p.article, brand=p.brand,
                                article_key=p.article_key, brand_key=p.brand_key, name=p.name, qty=qty,
                                price_kop=price, sum_kop=price * qty)
        total += price * qty
    GoodsReceiptLine.create(receipt=receipt, article="3550110-K00", brand="GREAT WALL",
                            article_key=article_key("3550110-K00"), brand_key=brand_key("GREAT WALL"),
                            name="Датчик ABS передний Great Wall Hover H5", qty=1, price_kop=310000, sum_kop=310000)
    receipt.total_kop = total + 310000
    receipt.save()


def _unmatched(rng, now, products):
    buyers = [("2000999000111", "", ""), ("", "+7 925 410-22-83", ""), ("", "", "Захарова Ирина Петровна")]
    for i, (card, phone, name) in enumerate(buyers):
        when = now - dt.timedelta(days=i + 1, hours=rng.randint(1, 6))
        sale = Sale.create(number=f"ЧК-00{4810 + i}", date=when, kind="parts", source="1c", created_at=when,
                           external_id=f"demo-unmatched-{i}")
        total = 0
        for p in rng.sample(products, 2):
            SaleLine.create(sale=sale, product=p, article=p.article, brand=p.brand, name=p.name, qty=1,
                            price_kop=p.price_kop or 0, sum_kop=p.price_kop or 0)
            total += p.price_kop or 0
        sale.total_kop = total
        sale.save()
        e164 = "+79254102283" if phone else ""
        ImportedSale.create(sale=sale, content_hash="demo", card=card, phone=phone, phone_e164=e164,
                            customer_name=name, status="unmatched")
