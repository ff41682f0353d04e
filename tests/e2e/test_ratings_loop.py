"""Ratings end to end, with the devices process and the modem simulator on a real pty:

a sale comes from 1C; the next day the worker's job queues the request and the modem
transmits it; the customer answers «7, долго ждал заказ»; the card shows 7, another manager
has the call-back, and the owner's report counts it. The shop clock is pinned (Tuesday
noon in Moscow, ticking) so the send window is open whatever hour the suite runs at.
"""
from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine

from appliance import customers
from appliance import staff as staff_mod
from appliance.customers import PhoneInput
from appliance.exchange.importer import import_file
from db.models.ratings import RatingCallback, RatingRequest
from tests.conftest import configure_settings, wait_for
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.clock]

NOON = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)  # 12:00 in Moscow
SALES = ("Номер чека;Дата;Артикул;Производитель;Номенклатура;Количество;Цена;Сумма;Дисконтная карта;Телефон;"
         "Покупатель;Продавец;Склад\n"
         "ЧК-000901;23.11.2026 17:40;T11-3502080;CHERY;Колодки тормозные задние Chery Tiggo;2;1 150,00;2 300,00;;"
         "8 916 123-45-67;Ковалёв Андрей;Соколова Анна Сергеевна;Основной склад\n")


@pytest.fixture
def pinned():
    with time_machine.travel(NOON, tick=True):
        yield


@pytest.fixture
def devices(pinned, settings, live_server):
    from appliance.device_process import Devices

    cfg = configure_settings(settings.var_dir, modem={"port": "sim", "send_interval_seconds": "0", "tick_seconds": "0.2",
                                                      "sim_profile": "huawei"})
    running = Devices(cfg)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    yield running
    running.stop_event.set()
    thread.join(timeout=10)


def test_rating_loop(page, live_server, login_as, staff, devices, tmp_path):
    from jobs.ratings import send_due_ratings

    petrov = staff_mod.create_staff("petrov", "Петров Илья Андреевич", "manager", "demo")
    buyer = customers.create_customer("Ковалёв Андрей Петрович", [PhoneInput("+7 916 123-45-67")], staff["manager"])
    path = tmp_path / "sales-0901.csv"
    path.write_text(SALES, encoding="utf-8")
    assert import_file(path, source="folder", kind="sales").created == 1

    # 1. The next day, in the window: the worker's job queues the request, the modem transmits it.
    wait_for(lambda: RatingRequest.select().exists() or send_due_ratings.call_local()["queued"], what="the request")
    sent = wait_for(lambda: [t for t in devices.sim.transmitted if t.number == "+79161234567"], what="the request SMS")
    assert sent[0].text == ("Андрей Петрович, спасибо за покупку! Оцените нас от 1 до 10 — просто ответьте цифрой "
                            "на это SMS. Автозапчасти Китай-Сервис")

    # 2. The customer answers; the devices process stores it and the ratings area takes it.
    devices.sim.inject_sms("+79161234567", "7, долго ждал заказ")
    req = wait_for(lambda: RatingRequest.get_or_none(RatingRequest.score.is_null(False)), what="the score")
    assert (req.score, req.comment) == (7, "долго ждал заказ")
    cb = RatingCallback.get()
    assert cb.assignee_id == petrov.id  # not Соколова, who was rated

    # 3. The card shows the score; Петров sees his call-back.
    login_as(page, "petrov")
    page.goto(f"{live_server}/customers/{buyer.id}")
    assert page.locator("#customer-ratings .rating-score").inner_text() == "7"
    assert "долго ждал заказ" in page.locator("#customer-ratings").inner_text()
    screenshot(page, "ratings_card")
    page.goto(f"{live_server}/ratings/callbacks")
    row = page.locator(f"#callback-{cb.id}")
    assert "Петров Илья Андреевич" in row.locator(".assignee").inner_text() and "вы" in row.inner_text()
    screenshot(page, "ratings_callbacks")
    row.locator("select[name=reason]").select_option("срок заказа")
    row.locator("input[name=outcome]").fill("Извинились, колодки пришли позже обещанного")
    row.locator("button", has_text="Перезвонил").click()
    page.wait_for_selector("text=Итог звонка записан.")

    # 4. The owner's report counts it.
    page.context.clear_cookies()
    login_as(page, "owner")
    page.goto(f"{live_server}/ratings?from=2026-11-01&to=2026-11-30")
    assert page.locator("#kpi-average").inner_text() == "7"
    assert page.locator("#kpi-response").inner_text() == "100 %"
    assert "срок заказа" in page.locator("#ratings-reasons").inner_text()
    assert "«7, долго ждал заказ»" in page.locator("#ratings-replies").inner_text()
    screenshot(page, "ratings_report")


@pytest.fixture
def demo_ratings(db, staff):
    """The demo step of this area on twenty customers (the whole demo also makes staff)."""
    import random

    from appliance.clock import utcnow
    from appliance.demo import ratings as demo_ratings
    from appliance.demo.fake import mobile, person_name

    staff_mod.create_staff("petrov", "Петров Илья Андреевич", "manager", "demo")
    rng, used = random.Random(7), set()
    for _ in range(20):
        customers.create_customer(person_name(rng), [PhoneInput(mobile(rng, used))], staff["manager"])
    demo_ratings.build(rng, utcnow())


def test_ratings_pages_on_the_demo_shop(page, live_server, login_as, demo_ratings):
    """The owner's report on the demo's months of answers, «Разобрать» with a one-click decision."""
    login_as(page, "owner")
    page.goto(f"{live_server}/ratings")
    assert page.locator("#ratings-trend circle").count() >= 8
    average = float(page.locator("#kpi-average").inner_text().replace(",", "."))
    assert 9.0 <= average <= 9.9
    screenshot(page, "ratings_report_demo")
    page.goto(f"{live_server}/ratings/review")
    screenshot(page, "ratings_review_demo")
    before = page.locator("#review-rows tr[id^=reply-]").count()
    assert before >= 1
    page.locator("#review-rows tr[id^=reply-]").first.locator("button", has_text="Не оценка").click()
    page.wait_for_selector("text=Ответ разобран.")
    assert page.locator("#review-rows tr[id^=reply-]").count() == before - 1
    page.goto(f"{live_server}/ratings/callbacks")
    screenshot(page, "ratings_callbacks_demo")
