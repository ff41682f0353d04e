"""Helpers for the parts-orders tests: a customer with a phone, an order, a goods receipt."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest


@pytest.fixture
def customer(db, staff):
    from appliance import customers
    from appliance.customers import PhoneInput

    return customers.create_customer("Ковалёв Андрей Петрович", [PhoneInput("+7 916 123-45-67")], staff["manager"])


@pytest.fixture
def make_order(customer, staff):
    from appliance.orders import orders
    from appliance.orders.orders import LineInput

    def make(*lines, promised=None, prepayment="", who=None, **kw):
        items = [LineInput(*ln) if isinstance(ln, tuple) else ln for ln in lines] or [
            LineInput("A11-3707110CA", "CHERY", "Свеча зажигания", 4, "450")]
        return orders.create_order(kw.pop("for_customer", customer), items, who or staff["manager"],
                                   promised_date=promised, prepayment=prepayment, **kw)
    return make


@pytest.fixture
def receipt(db):
    """Create a goods receipt the way the 1C importer stores one (lines: article, brand, qty[, known])."""
    from appliance import parts
    from appliance.clock import utcnow
    from db.models.catalog import Product
    from db.models.exchange import GoodsReceipt, GoodsReceiptLine

    counter = {"n": 0}

    def make(*lines, number=None):
        counter["n"] += 1
        now = utcnow()
        doc = GoodsReceipt.create(external_id=f"test-{counter['n']}", number=number or f"ПТ-{counter['n']:04d}",
                                  date=now, supplier="ООО «Автоконтинент»", created_at=now, updated_at=now)
        for article, brand, qty, *rest in lines:
            known = rest[0] if rest else True
            product = None
            if known:
                product = Product.get_or_none(Product.article_key == parts.article_key(article)) or Product.create(
                    article=article, brand=brand, article_key=parts.article_key(article),
                    brand_key=parts.brand_key(brand), name=f"Деталь {article}", updated_at=now)
            GoodsReceiptLine.create(receipt=doc, product=product, article=article, brand=brand,
                                    article_key=parts.article_key(article), brand_key=parts.brand_key(brand),
                                    name=f"Деталь {article}", qty=Decimal(qty), price_kop=10000, sum_kop=10000 * qty)
        return doc
    return make


def days_ago(n: int) -> dt.datetime:
    from appliance.clock import utcnow

    return utcnow() - dt.timedelta(days=n)
