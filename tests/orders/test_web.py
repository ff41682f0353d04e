"""The orders pages through the Flask test client, as a manager at the counter uses them."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from appliance.clock import local_today
from appliance.orders import orders
from db.models.customers import Customer, Phone
from db.models.orders import Order, OrderLine

pytestmark = pytest.mark.clock  # rules that count days and hours: run at four instants


def _line(i, article, qty="1", price="", brand="CHERY", name="Деталь"):
    return {f"article-{i}": article, f"brand-{i}": brand, f"name-{i}": name, f"qty-{i}": qty,
            f"price-{i}": price, f"supplier-{i}": "", f"supplier_days-{i}": "2", f"notify-{i}": "1"}


def test_new_order_from_the_customer_card(login, customer):
    browser = login("manager")
    card = browser.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert f'href="/orders/new?customer_id={customer.id}"' in card and "Заказы запчастей" in card
    page = browser.get(f"/orders/new?customer_id={customer.id}")
    assert page.status_code == 200 and customer.name in page.get_data(as_text=True)
    form = {"customer_id": customer.id, "line_count": "2", **_line(0, "A11-3707110CA", "4", "450"),
            **_line(1, "", "1", brand="", name=""), "prepayment": "500", "comment": "Позвонить после 18"}
    response = browser.post("/orders/new", form)
    assert response.status_code == 302
    order = Order.get()
    assert response.headers["Location"].endswith(f"/orders/{order.id}")
    shown = browser.get(f"/orders/{order.id}").get_data(as_text=True)
    assert f"Заказ №{order.id}" in shown and "A11-3707110CA" in shown and "1\u00a0300\u00a0₽" in shown  # due
    assert "SMS уйдёт клиенту само" in shown
    card = browser.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert f"/orders/{order.id}" in card


def test_order_from_an_unknown_phone_creates_the_customer(login):
    browser = login("manager")
    response = browser.post("/orders/new", {"phone": "8 (903) 555-12-34", "name": "Лебедев Олег", "line_count": "1",
                                           **_line(0, "B14-1234", "1", "990", "GEELY")})
    assert response.status_code == 302
    customer = Customer.get(Customer.name == "Лебедев Олег")
    assert Phone.get(Phone.customer == customer).e164 == "+79035551234"
    assert Order.get().customer_id == customer.id


def test_bad_input_shows_russian_message_and_saves_nothing(login, customer):
    browser = login("manager")
    cases = [
        ({**_line(0, "", "1", "100", name="Свеча")}, "укажите артикул"),
        ({**_line(0, "A11", "-1")}, "больше нуля"),
        ({**_line(0, "A11", "1"), "promised_date": (local_today() - dt.timedelta(days=1)).isoformat()}, "уже прошла"),
    ]
    for fields, message in cases:
        response = browser.post("/orders/new", {"customer_id": customer.id, "line_count": "1", **fields})
        text = response.get_data(as_text=True)
        assert response.status_code == 422 and message in text.lower(), text[:500]
    bad_phone = browser.post("/orders/new", {"phone": "12", "line_count": "1", **_line(0, "A11")})
    assert bad_phone.status_code == 422 and "номер" in bad_phone.get_data(as_text=True).lower()
    assert Order.select().count() == 0 and Customer.select().count() == 1


def test_list_filters_batch_ordered_board_move_and_copy(login, make_order, staff):
    a = make_order()
    b = make_order()
    browser = login("manager")
    page = browser.get("/orders").get_data(as_text=True)
    assert f"№{a.id}" in page and f"№{b.id}" in page
    response = browser.post("/orders/batch", {"order": [str(a.id)], "action": "ordered", "supplier_ref": "AC-1"})
    assert response.status_code == 302
    assert orders.get(a.id).status == "ordered" and orders.get(b.id).status == "new"
    rows = browser.get("/orders?status=ordered", headers={"HX-Request": "true", "HX-Target": "order-rows"})
    text = rows.get_data(as_text=True)
    assert f"№{a.id}" in text and f"№{b.id}" not in text and "<html" not in text
    board = browser.post(f"/orders/{b.id}/move", {"to": "ordered", "from": "board"}, htmx=True)
    assert board.status_code == 200 and 'data-status="ordered"' in board.get_data(as_text=True)
    assert orders.get(b.id).status == "ordered"
    copied = browser.post(f"/orders/{a.id}/copy")
    new_id = int(re.search(r"/orders/(\d+)$", copied.headers["Location"]).group(1))
    assert orders.get(new_id).copied_from_id == a.id and orders.get(new_id).status == "new"


def test_late_filter_and_prepaid_filter(login, make_order):
    late = make_order(prepayment="100")
    make_order()
    Order.update(promised_date=local_today() - dt.timedelta(days=1)).where(Order.id == late.id).execute()
    browser = login("manager")
    text = browser.get("/orders?late=1").get_data(as_text=True)
    assert text.count('name="order" value=') == 1 and "опаздывает" in text
    text = browser.get("/orders?prepaid=1").get_data(as_text=True)
    assert text.count('name="order" value=') == 1


def test_issue_with_sum_and_reports_count_it(login, make_order, staff):
    order = make_order(prepayment="300")
    browser = login("manager")
    browser.post(f"/orders/{order.id}/move", {"to": "arrived"})
    page = browser.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "SMS ещё не отправлено" in page and 'value="1500"' in page  # 4 × 450 − 300
    response = browser.post(f"/orders/{order.id}/issue", {"paid": "1500", "line": [str(orders.lines_of(order)[0].id)]})
    assert response.status_code == 302
    assert orders.get(order.id).status == "issued"
    report = browser.get("/orders/reports").get_data(as_text=True)
    assert 'id="kpi-buyout">100 %' in report and 'id="kpi-ontime">100 %' in report


def test_scanned_slip_barcode_opens_the_order(login, make_order):
    order = make_order()
    browser = login("manager")
    response = browser.get(f"/search?go=1&q={order.barcode}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orders/{order.id}")


def test_mechanic_sees_but_cannot_change(login, make_order):
    order = make_order()
    browser = login("mechanic")
    assert browser.get(f"/orders/{order.id}").status_code == 200
    assert browser.post(f"/orders/{order.id}/move", {"to": "ordered"}).status_code == 403
    assert OrderLine.get().status == "new"


def test_every_page_renders(login, make_order, receipt, staff):
    from appliance.orders import arrival

    order = make_order()
    result = arrival.on_goods_arrived(receipt(("A11-3707110CA", "CHERY", 4), ("NEW-1", "HAVAL", 1, False)))
    browser = login("owner")
    for url in ("/orders", "/orders/board", "/orders/new", f"/orders/{order.id}", "/orders/arrive",
                "/orders/matches", "/orders/reports", f"/orders/arrivals/{result.arrival.id}"):
        response = browser.get(url)
        assert response.status_code == 200, url
    assert "NEW-1" in browser.get("/orders/matches").get_data(as_text=True)
    assert "Напечатать бланк<" in browser.get(f"/orders/arrivals/{result.arrival.id}").get_data(as_text=True)


def test_printer_off_slips_wait_and_the_page_says_so(login, make_order, staff):
    from appliance.clock import utcnow
    from db.models.printing import PrinterStatus, PrintJob

    order = make_order()
    orders.transition_order(order, "arrived", staff["manager"])
    PrinterStatus.create(name="default", state="offline", reason="Принтер не отвечает", down_since=utcnow())
    browser = login("manager")
    response = browser.post("/orders/batch", {"order": [str(order.id)], "action": "slips"})
    assert response.status_code == 302
    job = PrintJob.get()
    assert job.status == "queued" and orders.get(order.id).slip_job_id == job.id
    page = browser.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Бланк ждёт печати" in page and "Принтер этикеток не печатает с" in page
    assert "напечатаются сами" in page


def test_batch_sms_never_twice(login, make_order, staff):
    from db.models.sms import SmsMessage

    waiting, arrived = make_order(), make_order()
    orders.transition_order(arrived, "arrived", staff["manager"])
    assert SmsMessage.select().count() == 1
    browser = login("manager")
    browser.post("/orders/batch", {"order": [str(waiting.id), str(arrived.id)], "action": "sms"})
    assert SmsMessage.select().count() == 1
    page = browser.get("/orders").get_data(as_text=True)
    assert "Пропущено 2" in page


def test_unreadable_supplier_settings_are_said_near_the_promised_date(login, make_order, caplog):
    """A typo in a supplier's working days: the date falls back to the default days, the log
    warns, and the order page says the supplier's days were not counted."""
    from appliance.clock import utcnow
    from appliance.orders.orders import LineInput
    from db.models.suppliers import SupplierAccount

    SupplierAccount.create(code="avto", name="АвтоОпт", working_days="пн-пт", created_at=utcnow())
    with caplog.at_level("WARNING", logger="appliance.orders.orders"):
        order = make_order(LineInput("A11-3707110CA", "CHERY", "Свеча", 1, "450", supplier="avto", supplier_days=2))
    assert any("avto" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    page = login("manager").get(f"/orders/{order.id}").get_data(as_text=True)
    note = re.search(r'id="supplier-note">([^<]*)<', page)
    assert note and "не читаются" in note.group(1) and "по умолчанию" in note.group(1)


def test_readable_supplier_settings_need_no_note(login, make_order):
    from appliance.clock import utcnow
    from appliance.orders.orders import LineInput
    from db.models.suppliers import SupplierAccount

    SupplierAccount.create(code="avto", name="АвтоОпт", working_days="1-5", created_at=utcnow())
    order = make_order(LineInput("A11-3707110CA", "CHERY", "Свеча", 1, "450", supplier="avto", supplier_days=2))
    assert 'id="supplier-note"' not in login("manager").get(f"/orders/{order.id}").get_data(as_text=True)


def test_check_now_runs_the_tracking_task_and_shows_its_answer(login, make_order, worker):
    make_order()
    browser = login("manager")
    page = browser.get("/orders").get_data(as_text=True)
    assert "Проверить сейчас" in page and 'hx-post="/orders/track"' in page
    response = browser.post("/orders/track", {}, htmx=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Проверено заказов: 1. Открытых проблем: 0." in text
    assert "hx-get" not in text  # done: nothing left to poll
    plain = browser.post("/orders/track", {}, follow_redirects=True).get_data(as_text=True)
    assert "Проверено заказов: 1." in plain  # without htmx: a flash on the orders list


def test_check_now_polls_until_the_worker_answers(login, make_order):
    from jobs import huey

    huey.flush()
    make_order()
    browser = login("owner")
    text = browser.post("/orders/track", {}, htmx=True).get_data(as_text=True)
    assert "Проверка идёт…" in text
    poll_url = re.search(r'hx-get="([^"]+)"', text).group(1).replace("&amp;", "&")
    again = browser.get(poll_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Проверка идёт…" in again and "n=2" in again
    task = huey.dequeue()
    assert task.name.endswith("track_orders_now")
    huey.execute(task)  # what the worker does
    done = browser.get(poll_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Проверено заказов: 1." in done and "hx-get" not in done
    late = browser.get(poll_url.replace("n=1", "n=150"), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Проверка ещё не закончилась" in late


def test_check_now_failure_is_said_in_russian(login, worker, monkeypatch):
    from appliance.orders import tracking

    def broken(**kw):
        raise RuntimeError("supplier module crashed")

    monkeypatch.setattr(tracking, "run", broken)
    text = login("manager").post("/orders/track", {}, htmx=True).get_data(as_text=True)
    assert "Проверка не удалась" in text


def test_check_now_is_for_managers_and_the_owner(login, worker):
    browser = login("mechanic")
    assert "Проверить сейчас" not in browser.get("/orders").get_data(as_text=True)
    assert browser.post("/orders/track", {}, htmx=True).status_code == 403
    assert browser.get("/orders/track/some-task").status_code == 403
