"""The demo shows the exchange in full swing."""

from db.models.exchange import BonusCard, GoodsReceipt, ImportedSale, ImportLog, StockSnapshot


def test_demo_has_exchange_rows(demo_db, app):
    from appliance.staff import DEMO_PASSWORD
    from tests.conftest import Browser

    assert BonusCard.select().count() >= 10
    assert StockSnapshot.select().count() == 2
    assert GoodsReceipt.get().lines.count() == 5
    assert ImportLog.select().where(ImportLog.status == "failed").count() == 1
    assert ImportedSale.select().where(ImportedSale.status == "unmatched").count() == 3
    browser = Browser(app.test_client())
    assert browser.post("/login", {"username": "owner", "password": DEMO_PASSWORD}).status_code == 302
    html = browser.get("/exchange").get_data(as_text=True)
    assert "«12 шт» — не число" in html and "Склад на Лесной" in html
    assert "ЧК-004810" in browser.get("/exchange/unmatched").get_data(as_text=True)
