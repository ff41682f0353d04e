"""Importing files into the shop's database: atomic, idempotent, matched to customers."""

import datetime as dt
from decimal import Decimal

import pytest
from conftest import DATA, SAMPLES

from appliance import customers
from appliance.exchange import originals, stock, unmatched
from appliance.exchange.importer import import_file
from db.models.catalog import Product
from db.models.exchange import BonusCard, BuyerOrder, GoodsReceipt, GoodsReceiptLine, ImportedSale, ImportLog
from db.models.notifications import Notification
from db.models.sales import Sale, SaleLine

pytestmark = pytest.mark.clock  # rules that count days and hours: run at four instants


def _customer(name, phone, card=None):
    c = customers.create_customer(name, [customers.PhoneInput(phone)])
    if card:
        BonusCard.create(number=card, customer=c, created_at=dt.datetime(2026, 1, 1))
    return c


def test_sales_csv_cp1251_attaches_by_card_and_phone(db, staff, data_file, published):
    from appliance import staff as staff_mod

    seller = staff_mod.create_staff("petrova", "Петрова Анна Викторовна", "manager", "demo-pass")
    ivanov = _customer("Иванов Сергей", "+79031112233", card="2000012345678")
    by_phone = _customer("Кузнецов Павел", "+79165551234")
    entry = import_file(data_file("sales_cp1251.csv"), source="cli")
    assert entry.status == "done", entry.error
    assert (entry.kind, entry.rows, entry.created, entry.updated, entry.skipped) == ("sales", 3, 3, 0, 0)
    sale = Sale.get(Sale.number == "ЧК-000123")
    assert sale.customer_id == ivanov.id and sale.manager_id == seller.id
    assert sale.total_kop == 218050 and sale.source == "1c"
    # 1C time 10:15:32 Moscow is stored as UTC
    assert sale.date == dt.datetime(2026, 11, 20, 7, 15, 32)
    assert [(ln.article, ln.qty, ln.sum_kop) for ln in sale.lines.order_by(SaleLine.id)] == [
        ("A11-3707110CA", 4, 180000), ("480-1012010", 1, 38050)]
    assert Sale.get(Sale.number == "ЧК-000124").customer_id == by_phone.id
    anonymous = ImportedSale.get(ImportedSale.sale == Sale.get(Sale.number == "ЧК-000125"))
    assert anonymous.status == "anonymous"
    stats = customers.stats(ivanov)
    assert (stats.receipts, stats.total_kop) == (1, 218050)
    assert customers.get(ivanov.id).last_visit_at == sale.date


def test_same_file_twice_changes_nothing_and_correction_updates(db, data_file):
    first = import_file(data_file("sales_cp1251.csv"), source="cli")
    again = import_file(data_file("sales_cp1251.csv"), source="upload")
    assert (again.status, again.created, again.updated, again.skipped) == ("done", 0, 0, 3)
    assert Sale.select().count() == 3 and SaleLine.select().count() == 5
    text = (DATA / "sales_cp1251.csv").read_bytes().decode("cp1251").replace(
        "Ремень ГРМ Lifan X60;1;3 470,00;3 470,00", "Ремень ГРМ Lifan X60;2;3 470,00;6 940,00")
    fixed = import_file(data_file("sales_fixed.csv", text, "cp1251"), source="folder")
    assert (fixed.created, fixed.updated, fixed.skipped) == (0, 1, 2)
    sale = Sale.get(Sale.number == "ЧК-000125")
    assert sale.total_kop == 694000 + 315000
    assert Sale.select().count() == 3 and SaleLine.select().count() == 5
    assert first.id != again.id


def test_bad_line_rejects_the_whole_file(db, data_file):
    good = "\n".join(f"Ч-{i};20.11.2026 10:00;A{i};Свеча;1;100" for i in range(1200))
    text = "Номер чека;Дата;Артикул;Номенклатура;Количество;Сумма\n" + good + "\nЧ-x;20.11.2026;B;Фильтр;1;сто\n"
    entry = import_file(data_file("big_bad.csv", text, "cp1251"), source="upload")
    assert entry.status == "failed"
    assert entry.error == "Файл big_bad.csv, строка 1202, колонка «Сумма»: «сто» — не число"
    assert Sale.select().count() == 0 and ImportedSale.select().count() == 0
    assert entry.created == 0
    note = Notification.get(Notification.kind == "exchange")
    assert "big_bad.csv" in note.title and "строка 1202" in note.body


def test_missing_column_and_hostile_xml_rejected(db, data_file):
    entry = import_file(data_file("sales_missing_column.csv"), source="upload")
    assert entry.status == "failed" and "нет обязательной колонки «Количество»" in entry.error
    for name in ("xxe.xml", "billion_laughs.xml", "xxe_remote_dtd.xml"):
        entry = import_file(data_file(name), source="http")
        assert entry.status == "failed" and "DOCTYPE" in entry.error, entry.error
    assert Product.select().count() == 0


def test_original_file_is_kept(db, data_file):
    entry = import_file(data_file("receipts_utf8bom.csv"), source="upload")
    path = originals.original_path(entry)
    assert path.read_bytes() == (DATA / "receipts_utf8bom.csv").read_bytes()
    assert entry.size == path.stat().st_size and len(entry.sha256) == 64


def test_receipts_raise_goods_arrived_and_unknown_articles_match_later(db, data_file, published):
    entry = import_file(data_file("receipts_utf8bom.csv"), source="folder")
    assert (entry.status, entry.created) == ("done", 1), entry.error
    receipt = GoodsReceipt.get()
    assert receipt.number == "ПТ-0042" and receipt.supplier == "ООО «Автоконтинент»"
    assert receipt.total_kop == 1100000
    assert [(n, kw["receipt"].id) for n, kw in published] == [("goods_arrived", receipt.id)]
    assert "артикулом, которого ещё нет" in entry.notes
    line = GoodsReceiptLine.get(GoodsReceiptLine.article == "NEW-0001")
    assert line.product_id is None and line.qty == 1
    published.clear()
    assert import_file(data_file("receipts_utf8bom.csv"), source="folder").skipped == 1
    assert published == []  # nothing new arrived
    import_file(data_file("sales_cp1251.csv"), source="folder")
    sold = SaleLine.get(SaleLine.article == "A11-3707110CA")
    assert sold.product_id is None
    catalog = import_file(data_file("import_2_10_autoparts.xml"), source="http")
    assert (catalog.kind, catalog.created) == ("catalog", 3), catalog.error
    line = GoodsReceiptLine.get_by_id(line.id)
    assert line.product.name == "Датчик ABS передний Haval Jolion"
    assert Product.get(Product.article_key == "A113707110CA").group == "Свечи зажигания"
    assert SaleLine.get_by_id(sold.id).product.article == "A11-3707110CA"  # the sale line found its product


def test_documents_xml_sale_receipt_and_order(db, data_file, published):
    ivanov = _customer("Иванов", "+79031112233", card="2000012345678")
    entry = import_file(data_file("documents_2_08.xml"), source="http")
    assert (entry.kind, entry.created, entry.skipped) == ("documents", 3, 0), entry.error
    order = BuyerOrder.get(BuyerOrder.number == "ЗК-000007")  # «Заказ товара» is kept now
    assert (order.total_kop, order.status, [ln.article for ln in order.lines]) == (45000, "open", ["A11-3707110CA"])
    sale = Sale.get(Sale.external_id == "6f1c2a10-c7a1-11f0-80d4-0cc47ab29cd1")
    assert sale.customer_id == ivanov.id and sale.total_kop == 263050
    assert GoodsReceipt.get().lines.count() == 3
    cp = import_file(data_file("documents_2_05_cp1251.xml"), source="http")
    assert cp.created == 1, cp.error
    origin = ImportedSale.get(ImportedSale.sale == Sale.get(Sale.number == "ЧК-000202"))
    assert (origin.status, origin.phone_e164, origin.customer_name) == ("unmatched", "+79035550011", "Смирнова Ольга")
    # the customer turns up later with that phone: the next import attaches the sale
    smirnova = _customer("Смирнова Ольга", "8 903 555-00-11")
    import_file(data_file("documents_2_05_cp1251.xml"), source="http")
    assert Sale.get(Sale.number == "ЧК-000202").customer_id == smirnova.id


def test_unmatched_sale_attached_by_manager_brings_card_along(db, staff, data_file):
    text = ("Номер чека;Дата;Артикул;Номенклатура;Количество;Сумма;Дисконтная карта\n"
            "1;01.11.2026 10:00;A;Свеча зажигания;4;1800;777\n2;05.11.2026 12:00;B;Фильтр;1;500;777\n")
    import_file(data_file("s.csv", text, "cp1251"), source="upload")
    pending = list(unmatched.unmatched_sales())
    assert len(pending) == 2
    c = _customer("Орлов", "+79161230000")
    assert unmatched.attach_sale(pending[0], c, staff["manager"]) == 2
    assert list(unmatched.unmatched_sales()) == []
    assert BonusCard.get(BonusCard.number == "777").customer_id == c.id
    assert Sale.select().where(Sale.customer == c.id).count() == 2


def test_stock_csv_replaces_per_warehouse(db, data_file):
    entry = import_file(data_file("stock_utf8.csv"), source="folder")
    assert entry.status == "done", entry.error
    assert stock.on_hand("A113707110CA", "CHERY") == 24
    assert stock.on_hand("4801012010", "CHERY") == Decimal("3.5")
    assert stock.on_hand("A113707110CA", "GEELY") == 0
    text = "Склад;Артикул;Производитель;Остаток\nОсновной склад;A11-3707110CA;CHERY;2\n"
    import_file(data_file("stock2.csv", text), source="folder")
    assert stock.on_hand("A113707110CA", "CHERY") == 10  # 2 here + 8 still at «Склад на Лесной»
    assert stock.on_hand("4801012010", "CHERY") == 0
    assert {lv.warehouse for lv in stock.levels("A113707110CA", "CHERY")} == {"Основной склад", "Склад на Лесной"}


def test_real_1c_catalog_and_offers(db, data_file):
    """dobromyslov/commerceml-parser data/ (a real 1C export), see samples README."""
    cat = import_file(SAMPLES / "dobromyslov_import0_1.xml", source="http", filename="import0_1.xml")
    # 36 products, one of them marked Статус="Удален" in 1C: not created
    assert (cat.status, cat.created, cat.skipped) == ("done", 35, 1), cat.error
    offers = import_file(SAMPLES / "dobromyslov_offers0_1.xml", source="http", filename="offers0_1.xml")
    assert offers.status == "done", offers.error
    product = Product.get(Product.article == "PM-421-WP")
    assert product.brand == "Crazy Boom" and product.price_kop == 10000
    assert stock.on_hand(product.article_key, product.brand_key) == 377
    moscow = [lv for lv in stock.levels(product.article_key, product.brand_key) if lv.warehouse == "Москва"]
    assert moscow[0].qty == 376
    again = import_file(SAMPLES / "dobromyslov_import0_1.xml", source="http", filename="import0_1.xml")
    assert (again.created, again.updated, again.skipped) == (0, 0, 36)


def test_offers_2_10_rests_after_autoparts_catalog(db, data_file):
    import_file(data_file("import_2_10_autoparts.xml"), source="http")
    entry = import_file(data_file("offers_2_10_rests.xml"), source="http")
    assert entry.status == "done", entry.error
    assert stock.on_hand("A113707110CA", "CHERY") == 24
    assert stock.on_hand("4801012010", "CHERY") == Decimal("3.5")
    assert ImportLog.select().where(ImportLog.status == "done").count() == 2
