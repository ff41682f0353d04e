"""Every page a person opens from the menus fits a 1280 px wide window (issue 13, item 5).

The demo shop as the owner sees it (every menu and tab), plus the SMS log with a long modem
error (a nowrap status cell once made /sms 1,844 px wide), a customer card and an order.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import pytest

from appliance import customers, sms
from appliance.sms import outbox
from db.models.customers import Customer
from db.models.orders import Order
from db.models.sms import SmsMessage
from db.models.staff import Staff
from hardware.modem import pdu
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

WIDTH = 1280
SKIP = ("/logout", "/export", ".csv", "/workshop/device/", "/static/")
LONG_ERROR = ("+CMS ERROR: 500 — неизвестная ошибка сети; модем ответил: ERROR; "
              "повтор через 60 с; оператор отклонил отправку (номер не обслуживается или заблокирован)")


@pytest.fixture
def staff(demo_db):
    """The demo shop's own staff (live_server logs them in)."""
    return {s.username: s for s in Staff.select()}


@pytest.fixture
def wide_rows(staff):
    customer = Customer.select().where(Customer.deleted_at.is_null()).order_by(Customer.id).first()
    msg = sms.queue_sms(customer, text="Ваш заказ пришёл, ждём вас в магазине до 20:00. " * 2)
    SmsMessage.update(status="failed", last_error=LONG_ERROR).where(SmsMessage.id == msg.id).execute()
    phone = customers.phone_for_sms(customer)
    outbox.store_pdu(pdu.encode_deliver(phone, "Спасибо! А передние колодки на Tiggo тоже есть?",
                                        dt.datetime.now(dt.UTC))[0])
    return customer


@pytest.fixture
def owner_page(browser, live_server, login_as, wide_rows):
    context = browser.new_context(viewport={"width": WIDTH, "height": 800}, locale="ru-RU",
                                  timezone_id="Europe/Moscow")
    page = context.new_page()
    page.set_default_timeout(15_000)
    login_as(page, "owner")
    yield page
    context.close()


def _width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def _menu_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("nav a[href]", "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        url = urlparse(href)
        if url.netloc or not url.path.startswith("/") or any(s in url.path for s in SKIP):
            continue
        out.append(url.path)
    return out


def _settled(page) -> None:
    """Loaded, and the page's own htmx fragments swapped in. Not "networkidle": the pulse and
    the calls pop-up poll for as long as a page is open."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.wait_for_timeout(150)


def test_every_menu_page_fits_1280_px(owner_page, live_server, wide_rows):
    page = owner_page
    order = Order.select().where(Order.deleted_at.is_null()).order_by(Order.id.desc()).first()
    todo = ["/customers", f"/customers?q={customers.search('а')[0].customer.name.split()[0] if customers.search('а') else 'Ив'}",
            f"/customers/{wide_rows.id}", "/orders", f"/orders/{order.id}", "/orders/reports", "/notifications",
            "/sms", "/sms/templates", "/audit", "/devices/printer", "/devices", "/staff", "/workshop/board",
            "/workshop/week", "/workshop/reports", "/workshop/new", "/workshop/bookings/new", "/exchange/unmatched",
            "/exchange/consumables", "/customers/new", "/customers/duplicates"]
    seen, too_wide = set(), {}
    while todo and len(seen) < 60:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(f"{live_server}{path}")
        assert response.status < 400, f"{path}: HTTP {response.status}"
        _settled(page)
        width = _width(page)
        if width > WIDTH:
            too_wide[path] = width
        todo += [p for p in _menu_links(page, live_server) if p not in seen]
    print(f"{len(seen)} pages checked at {WIDTH} px:", " ".join(sorted(seen)))
    assert len(seen) >= 20, sorted(seen)  # the walk really went through the menus and tabs
    assert not too_wide, f"pages wider than {WIDTH} px: {too_wide}"


def test_screenshots_of_the_card_the_journal_and_the_sms_log(owner_page, live_server, wide_rows):
    page = owner_page
    for name, path in (("w1280-card", f"/customers/{wide_rows.id}"), ("w1280-journal", "/audit"),
                       ("w1280-sms", "/sms")):
        page.goto(f"{live_server}{path}")
        _settled(page)
        assert _width(page) <= WIDTH, path
        screenshot(page, name)
    assert LONG_ERROR[:20] in page.content()
    # The customer's question: on the card with its reply form, in the notifications.
    page.goto(f"{live_server}/customers/{wide_rows.id}#customer-sms")
    assert page.locator("#customer-sms form.sms-answer").count() == 1
    page.locator("#customer-sms").screenshot(path=str(screenshot(page, "w1280-card").with_name("w1280-card-sms.png")))
    page.goto(f"{live_server}/notifications")
    assert "передние колодки" in page.content()
    screenshot(page, "w1280-notifications")
