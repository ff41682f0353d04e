"""The one article key: Python and its SQL form agree, and every caller uses it."""
import datetime as dt

import pytest

from appliance import parts
from appliance.exchange import importer
from appliance.suppliers.base import Offer
from db import database
from db.models.catalog import Product
from db.models.sales import Sale, SaleLine

SPELLINGS = [" lr-0 21.3456 ", "21\\3456", "21\t3456", "a11_3707/110ca", "T11-3501080\xa0", "BKR 6EZ\r\n"]


@pytest.mark.parametrize("text", SPELLINGS)
def test_sql_form_is_the_python_key(db, text):
    (got,) = database.execute_sql(f"SELECT {parts.sql_article_key('?')}", (text,)).fetchone()
    assert got == parts.article_key(text)


def test_supplier_offers_use_the_shop_key():
    offer = Offer(supplier="s1", article="21\\3456", brand="gwm", name="", price_kop=1, qty=1,
                  days_min=1, days_max=1)
    assert (offer.article_key, offer.brand_key) == (parts.article_key("213456"), parts.brand_key("GREAT WALL"))


def test_sale_line_written_with_a_backslash_finds_its_product_later(db):
    sale = Sale.create(number="ЧК-1", date=dt.datetime(2026, 1, 5), created_at=dt.datetime(2026, 1, 5))
    line = SaleLine.create(sale=sale, article="21\\3456", brand="CHERY")
    product = Product.create(article="21-3456", brand="CHERY", article_key="213456", brand_key="CHERY",
                             name="Датчик", updated_at=dt.datetime(2026, 1, 5))
    assert importer.match_products(["213456"]) == 1
    assert SaleLine.get_by_id(line.id).product_id == product.id
