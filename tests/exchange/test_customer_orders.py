"""1C customer orders from a cp1251 CSV (written here as a 1C processing saves it), and the
sale that names its order: linked whichever comes first, the order's customer carried over."""
from __future__ import annotations

from appliance.exchange.importer import import_file
from db.models.exchange import BuyerOrder, BuyerOrderSale
from db.models.sales import Sale

ORDERS = ("Номер заказа;Дата;Артикул;Производитель;Номенклатура;Количество;Цена;Сумма;Покупатель;Телефон;"
          "Предоплата;Статус заказа\r\n"
          "ЗК-000123;01.11.2026 10:15;B11-3502080;CHERY;Колодки тормозные задние Chery;1;1250,00;1 250,00;"
          "Иванов Сергей;+7 916 555-12-34;500,00;К выполнению\r\n"
          "ЗК-000123;01.11.2026 10:15;480-1012010;CHERY;Фильтр масляный Chery 1.6/1.8;2;380,50;761,00;"
          "Иванов Сергей;+7 916 555-12-34;500,00;К выполнению\r\n")
SALES = ("Номер чека;Дата;Артикул;Производитель;Количество;Сумма;Заказ покупателя\r\n"
         "ЧК-000410;05.11.2026 16:02;B11-3502080;CHERY;1;1250,00;Заказ покупателя ЗК-000123 от 01.11.2026\r\n")


def test_orders_csv_and_the_sale_that_fulfils_it(db, tmp_path):
    sales, orders = tmp_path / "sales.csv", tmp_path / "orders.csv"
    sales.write_bytes(SALES.encode("cp1251"))
    orders.write_bytes(ORDERS.encode("cp1251"))
    first = import_file(sales, source="folder")  # the sale comes before its order
    assert first.status == "done", first.error
    sale = Sale.get(Sale.number == "ЧК-000410")
    assert BuyerOrderSale.get(BuyerOrderSale.sale == sale.id).order_id is None
    entry = import_file(orders, source="folder")
    assert (entry.status, entry.kind, entry.created) == ("done", "orders", 1), entry.error
    order = BuyerOrder.get(BuyerOrder.number == "ЗК-000123")
    assert (order.total_kop, order.prepayment_kop, order.status, order.status_label) == (201100, 50000, "open",
                                                                                       "К выполнению")
    assert [ln.sum_kop for ln in order.lines.order_by("id")] == [125000, 76100]
    assert BuyerOrderSale.get(BuyerOrderSale.sale == sale.id).order_id == order.id
    assert import_file(orders, source="folder").skipped == 1  # the same file again changes nothing
