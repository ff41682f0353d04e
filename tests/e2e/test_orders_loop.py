"""The parts-order loop in Chromium, with the devices process and the printer simulator running:

a manager creates an order from the customer card and marks it ordered; a goods receipt
comes in through `prilavok import` (a separate process, as the 1C exchange folder would);
the modem simulator transmits the customer's SMS; the slips of the receipt print as one
batch on the simulated printer, whose preview carries the order's barcode; the barcode
typed into the header search box (as a scanner does) opens the order; it is issued; the
reports count it.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from appliance import customers
from appliance.customers import PhoneInput
from hardware.sim.printer_sim import PrinterSimulator
from tests.conftest import configure_settings, wait_for
from tests.e2e.conftest import ARTIFACTS, screenshot

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def printer_sim(tmp_path):
    with PrinterSimulator(tmp_path / "printer-sim", port=0) as sim:
        yield sim


@pytest.fixture
def devices(settings, printer_sim, live_server):
    """`prilavok devices` in a thread: the modem simulator on a real pty, SMS and print drainers."""
    from appliance.device_process import Devices

    cfg = configure_settings(settings.var_dir, **{
        "modem": {"port": "sim", "send_interval_seconds": "0", "tick_seconds": "0.2", "sim_profile": "huawei"},
        "printer": {"url": "sim", "sim_port": str(printer_sim.port), "sim_dir": str(printer_sim.dir)},
    })
    running = Devices(cfg)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    yield running
    running.stop_event.set()
    thread.join(timeout=10)


@pytest.fixture
def customer(db, staff):
    return customers.create_customer("Ковалёв Андрей Петрович", [PhoneInput("+7 916 123-45-67")], staff["manager"])




def _import_receipt(tmp_path: Path, settings, order_article: str) -> subprocess.CompletedProcess:
    """The accounting system's receipt, taken in by `prilavok import` in its own process."""
    text = ("Номер документа;Дата;Поставщик;Артикул;Производитель;Номенклатура;Количество;Цена закупки;Сумма\n"
            f"ПТ-0815;22.11.2026 09:30;ООО «Автоконтинент»;{order_article};CHERY;Колодки тормозные задние Chery Tiggo;"
            "2;1 150,00;2 300,00\n"
            "ПТ-0815;22.11.2026 09:30;ООО «Автоконтинент»;A11-3707110CA;CHERY;Свеча зажигания Chery;20;290,00;5 800,00\n")
    path = tmp_path / "receipt-0815.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    env = {**os.environ, "PRILAVOK_APP_DATA_DIR": str(settings.var_dir),
           "PRILAVOK_CONFIG": str(settings.var_dir / "none.ini"), "PRILAVOK_DISCOVERY_ENABLED": "no"}
    return subprocess.run([sys.executable, "-m", "appliance.cli", "import", str(path), "--kind", "receipts"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_order_loop(page, live_server, login_as, settings, customer, devices, printer_sim, tmp_path):
    from appliance.orders import arrival
    from appliance.orders import orders as orders_mod

    login_as(page, "manager")

    # 1. From the customer card: a new order for a part the shop does not have.
    page.goto(f"{live_server}/customers/{customer.id}")
    page.locator(".page-head a", has_text="+ Заказ").click()
    page.wait_for_url("**/orders/new?customer_id=*")
    page.fill("input[name=article-0]", "T11-3502080")
    page.fill("input[name=brand-0]", "CHERY")
    page.fill("input[name=name-0]", "Колодки тормозные задние Chery Tiggo")
    page.fill("input[name=qty-0]", "2")
    page.fill("input[name=price-0]", "1650")
    page.fill("input[name=supplier_days-0]", "2")
    page.locator("input[name=supplier_days-0]").dispatch_event("change")
    page.wait_for_selector("#promise-hint b")  # the promised date, computed as lines are typed
    page.fill("input[name=prepayment]", "1000")
    screenshot(page, "orders_new")
    page.click("#create-order")
    page.wait_for_url("**/orders/*")
    order_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    order = orders_mod.get(order_id)
    assert f"Заказ №{order_id} создан" in page.content()

    # 2. Ordered at the supplier, with the supplier's order number.
    page.fill("input[name=supplier_ref]", "АК-55120")
    page.click("#mark-ordered")
    page.wait_for_selector("text=«заказано» — позиций 1")
    assert orders_mod.get(order_id).status == "ordered"
    screenshot(page, "orders_ordered")

    # 3. The receipt arrives through the accounting exchange (`prilavok import`).
    done = _import_receipt(tmp_path, settings, "T11-3502080")
    assert done.returncode == 0, done.stderr
    assert orders_mod.get(order_id).status == "arrived"

    # 4. The devices process sends the SMS; the modem simulator transmitted it over the pty.
    hold_until = arrival.hold_until(orders_mod.get(order_id)).strftime("%d.%m.%Y")
    expected = (f"Андрей Петрович, ваш заказ №{order_id} пришёл. Сумма к оплате 2\u00a0300 ₽. Ждём вас до {hold_until}. "
                "Автозапчасти Китай-Сервис, +7 495 000-00-00")
    sent = wait_for(lambda: [t for t in devices.sim.transmitted if t.number == "+79161234567"], what="the SMS")
    assert [t.text for t in sent] == [expected]

    # 5. "Print all N slips" for the receipt: one batch to the simulated printer.
    page.goto(f"{live_server}/orders")
    page.locator(".arrival-offer a", has_text="Поступление №ПТ-0815").click()
    page.wait_for_selector("#slips-form")
    assert page.locator("#slips-form input[name=order]").count() == 1
    screenshot(page, "orders_arrival_slips")
    page.click("#print-all")
    page.wait_for_selector("#slips-job")
    job = wait_for(lambda: [j for j in printer_sim.jobs if order.barcode in j.barcodes], what="the slip print job")[0]
    assert job.labels == 1  # Cyrillic goes to a TSPL printer as a bitmap: read the preview, not texts
    preview = printer_sim.dir / job.preview_file
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(preview, ARTIFACTS / "orders_slip_printed.png")
    page.reload()
    assert "напечатано" in page.locator("#slips-job").inner_text()

    # 6. The slip's barcode scanned into the header search box opens the order.
    page.goto(f"{live_server}/customers")
    page.fill("#global-search", order.barcode)
    page.press("#global-search", "Enter")
    page.wait_for_url(f"**/orders/{order_id}")
    assert re.match(r"SMS о поступлении (отправлено|доставлено)", page.locator("#sms-state").inner_text().strip())
    assert "Бланк напечатан" in page.locator("#slip-state").inner_text()
    screenshot(page, "orders_scanned")

    # 7. Issued, with the sum the customer paid.
    assert page.input_value("#paid") == "2300"
    page.click("#issue-button")
    page.wait_for_selector("text=Выдано позиций: 1")
    assert orders_mod.get(order_id).status == "issued"
    screenshot(page, "orders_issued")

    # 8. The reports count it.
    page.goto(f"{live_server}/orders/reports")
    assert page.locator("#kpi-buyout").inner_text() == "100 %"
    assert page.locator("#kpi-ontime").inner_text() == "100 %"
    assert "Соколова" in page.locator("#report-managers").inner_text()
    screenshot(page, "orders_reports")
    page.goto(f"{live_server}/orders/board")
    screenshot(page, "orders_board")


@pytest.fixture
def demo_orders(db, staff):
    """The demo step of this area on a dozen customers (the whole demo also makes staff)."""
    import random

    from appliance.clock import utcnow
    from appliance.demo import orders as demo_orders
    from appliance.demo.fake import mobile, person_name

    rng, used = random.Random(7), set()
    for _ in range(12):
        customers.create_customer(person_name(rng), [PhoneInput(mobile(rng, used))], staff["manager"])
    demo_orders.build(rng, utcnow())


def test_orders_pages_on_the_demo_shop(page, live_server, login_as, demo_orders):
    """The demo's orders as the owner sees them in the morning: problems, the board, decisions."""
    from appliance.orders import orders as orders_mod
    from db.models.orders import Order, ReceiptMatch

    login_as(page, "owner")
    page.goto(f"{live_server}/orders?status=open")
    assert page.locator("#order-rows tr.late").count() >= 1
    screenshot(page, "orders_list_demo")
    page.check("input[name=late]")
    page.wait_for_function("document.querySelectorAll('#order-rows tr').length === document.querySelectorAll('#order-rows tr.late').length")
    page.goto(f"{live_server}/notifications?kind=order_problem")
    titles = page.locator(".notification .n-title").all_inner_texts()
    assert any("не заказано у поставщика" in t for t in titles)
    assert any("отказ поставщика" in t for t in titles) and any("опаздывает" in t for t in titles)
    screenshot(page, "orders_notifications_demo")

    page.goto(f"{live_server}/orders/board")
    card = Order.select().where(Order.status == "new").order_by(Order.id).first()
    # Drag and drop as the browser delivers it (dragstart on the card, dragover/drop on the column).
    page.evaluate("""id => {
        const card = document.getElementById('card-' + id), col = document.querySelector('.board-col[data-status=ordered]');
        const dt = new DataTransfer();
        card.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
        col.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));
        col.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
    }""", card.id)
    page.wait_for_selector(f".board-col[data-status=ordered] #card-{card.id}")
    assert orders_mod.get(card.id).status == "ordered"
    # The arrow button does the same without a mouse.
    page.locator(f"#card-{card.id} button").click()
    page.wait_for_selector(f".board-col[data-status=confirmed] #card-{card.id}")
    assert orders_mod.get(card.id).status == "confirmed"
    screenshot(page, "orders_board_demo")

    page.goto(f"{live_server}/orders/matches")
    assert page.locator(".match").count() == ReceiptMatch.select().where(ReceiptMatch.state == "open").count() >= 1
    screenshot(page, "orders_matches_demo")
