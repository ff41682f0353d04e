"""The morning: the reorder list made by the night run is shown, two lines are ticked,
"order selected" queues the orders, the worker places them with the simulator."""
from __future__ import annotations

import pytest

from appliance.purchasing import mandatory, stock_watch, supplier_orders
from db.models.suppliers import ReorderLine, SupplierOrder
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

PARTS = [("T11-3501080", "CHERY", "Колодки тормозные передние Chery Tiggo"),
         ("T11-1303111", "CHERY", "Патрубок радиатора верхний Chery Tiggo"),
         ("A11-3707110CA", "CHERY", "Свеча зажигания Chery")]


@pytest.fixture
def night_run(live_server, suppliers_cfg):  # noqa: F811  (suppliers after the app: they must win)
    for article, brand, name in PARTS:
        mandatory.save_item({"article": article, "brand": brand, "name": name, "min_qty": "4"})
    stock_watch.run(params=stock_watch.Params(max_delivery_days=10))
    return list(ReorderLine.select().order_by(ReorderLine.id))


def test_morning_list_two_ticked_lines_ordered_with_the_simulator(page, live_server, login_as, night_run, sim):  # noqa: F811
    login_as(page, "manager")
    page.goto(f"{live_server}/stock/reorder")
    rows = page.locator("#reorder-list tbody tr")
    assert rows.count() == 3
    text = page.locator("#reorder-list").inner_text()
    assert "Колодки тормозные" in text and "купить" in text and "поставка" in text
    screenshot(page, "reorder_morning")

    first, second = night_run[0], night_run[1]
    for line in (first, second):
        box = page.locator(f"#line-{line.id} input[type=checkbox]")
        with page.expect_response(lambda r: "/tick" in r.url):
            box.check()
    assert ReorderLine.select().where(ReorderLine.ticked).count() == 2  # ticks are kept on the server

    page.click("#order-selected")
    page.wait_for_selector(".flash.success")
    assert "поставлены в очередь" in page.locator(".flash.success").inner_text()
    queued = list(SupplierOrder.select())
    assert queued and all(o.status == "queued" for o in queued)
    assert len(queued) == len({first.supplier, second.supplier})  # one order per supplier

    # the worker's outbox job (every minute in production) places them
    assert supplier_orders.drain_outbox()["placed"] == len(queued)
    page.goto(f"{live_server}/stock/reorder")
    orders = page.locator("#orders-list").inner_text()
    placed = list(SupplierOrder.select())
    for o in placed:
        assert o.status == "placed" and o.ref in orders
        assert sim.state()[o.supplier]["orders"][o.ref]["clientOrderNumber"] == o.client_ref
    assert "отправлен" in orders
    assert page.locator("#reorder-list tbody tr").count() == 1  # the ordered lines left the list
    screenshot(page, "reorder_ordered")


def test_price_check_from_the_list_and_the_covered_filter(page, live_server, login_as, suppliers_cfg, sim):  # noqa: F811
    from appliance.purchasing import analogs
    from db.models.suppliers import PriceCheckRun

    for article, brand in (("481H-1007073", "CHERY"), ("CT1126", "CONTITECH")):
        mandatory.save_item({"article": article, "brand": brand, "name": "Ремень ГРМ", "min_qty": "3"})
    analogs.link([("481H-1007073", "CHERY"), ("CT1126", "CONTITECH")])
    stock_watch.run(params=stock_watch.Params(max_delivery_days=10))
    login_as(page, "manager")
    page.goto(f"{live_server}/stock/reorder")
    assert page.locator("#reorder-list tbody tr").count() == 1  # one line for the group
    page.select_option("select[name=state]", "covered")
    page.wait_for_function("document.querySelector('#reorder-list').innerText.includes('покрыто аналогом')")
    assert "CT1126" in page.locator("#reorder-list").inner_text()
    screenshot(page, "reorder_covered")
    runs = PriceCheckRun.select().count()
    page.goto(f"{live_server}/stock/reorder")
    page.locator("#reorder-list a[title=Проценить]").first.click()
    page.wait_for_selector("#pc-table tbody tr td >> text=Поставщик s1")  # the page asked by POST itself
    assert PriceCheckRun.select().count() == runs + 1
    screenshot(page, "price_check")
