"""The ratings pages as the owner and the managers use them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from appliance.ratings import replies
from db.models.audit import AuditEntry
from db.models.ratings import RatingCallback, RatingRequest
from tests.ratings.conftest import MON, rated

pytestmark = pytest.mark.clock


def test_report_page_for_the_owner_only(period, login):
    page = login("owner").get("/ratings?from=2026-11-16&to=2026-11-29")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="kpi-average">7,57<' in html and 'id="kpi-nps">14 %<' in html and 'id="kpi-response">88 %<' in html
    assert "мало ответов" in html and "<svg viewBox" in html and "Соколова Анна Сергеевна (менеджер)" in html
    assert "срок заказа" in html
    assert login("manager").get("/ratings").status_code == 403


def test_report_page_bad_date_is_a_russian_422(db, staff, login):
    page = login("owner").get("/ratings?from=завтра")
    assert page.status_code == 422 and "нужно вида 22.11.2026" in page.get_data(as_text=True)


def test_review_queue_one_click_ten(shop_clock, buyer, staff, login):
    req = rated(buyer, MON, None, [(staff["manager"], "manager")], status="queued")
    replies.take_reply(req, "5")
    browser = login("manager")
    html = browser.get("/ratings/review").get_data(as_text=True)
    assert "Это 10" in html and "просто «5»" in html and 'id="review-count">1<' in html
    rep = replies.review_queue()[0]
    done = browser.post(f"/ratings/review/{rep.id}", {"action": "ten"}, follow_redirects=True)
    assert "Ответ разобран." in done.get_data(as_text=True) and "Всё разобрано." in done.get_data(as_text=True)
    assert RatingRequest.get_by_id(req.id).score == 10
    assert AuditEntry.get(AuditEntry.action == "ratings.review").actor_id == staff["manager"].id
    card = browser.get(f"/customers/{buyer.id}").get_data(as_text=True)
    assert 'id="customer-ratings"' in card and '<b class="rating-score">10</b>' in card


def test_late_reply_accepted_from_the_review_page(shop_clock, modem_up, buyer, import_sales, login, staff):
    from appliance.ratings import requests
    from appliance.sms import outbox
    from db import write_transaction
    from db.models.sms import SmsMessage
    from hardware.modem import pdu
    from tests.ratings.conftest import NOON, msk
    from tests.ratings.test_requests import SALE

    import_sales([SALE])
    requests.send_due()
    with write_transaction():
        SmsMessage.update(status="sent", sent_at=NOON.replace(tzinfo=None)).execute()
    shop_clock.move_to(msk(dt.date(2026, 11, 28), "10:00"))
    msg = outbox.store_pdu(pdu.encode_deliver("+79161234567", "10, спасибо", dt.datetime.now(dt.UTC))[0])
    browser = login("manager")
    html = browser.get("/ratings/review").get_data(as_text=True)
    assert "Пришли позже 72\u00a0часов после просьбы" in html and "10, спасибо" in html
    done = browser.post(f"/ratings/late/{msg.id}", follow_redirects=True).get_data(as_text=True)
    assert "Опоздавший ответ принят как оценка." in done
    assert RatingRequest.get().score == 10


def test_review_bad_score_says_why(shop_clock, buyer, staff, login):
    req = rated(buyer, MON, None, [], status="queued")
    replies.take_reply(req, "заеду в 14:45")
    rep = replies.review_queue()[0]
    page = login("manager").post(f"/ratings/review/{rep.id}", {"action": "score", "score": "двенадцать"})
    assert page.status_code == 422 and "Оценка — число от 1 до 10" in page.get_data(as_text=True)
    assert RatingRequest.get_by_id(req.id).score is None


def test_callbacks_page_records_the_outcome(shop_clock, buyer, staff, login):
    req = rated(buyer, MON, None, [(staff["owner"], "manager")], status="queued")
    replies.take_reply(req, "6, долго")
    browser = login("manager")
    html = browser.get("/ratings/callbacks").get_data(as_text=True)
    assert "Перезвонить по оценкам" in html and "«долго»" in html and "Соколова Анна Сергеевна" in html
    cb = RatingCallback.get()
    bad = browser.post(f"/ratings/callbacks/{cb.id}", {"reason": "", "outcome": "x"})
    assert bad.status_code == 422 and "Выберите причину из списка." in bad.get_data(as_text=True)
    ok = browser.post(f"/ratings/callbacks/{cb.id}", {"reason": "цена", "outcome": "Дали скидку"}, follow_redirects=True)
    assert "Итог звонка записан." in ok.get_data(as_text=True)
    assert RatingCallback.get().status == "done"
    assert login("mechanic").get("/ratings/callbacks").status_code == 403


def test_owner_edits_the_reasons(db, staff, login):
    browser = login("owner")
    assert "срок заказа" in browser.get("/ratings/reasons").get_data(as_text=True)
    browser.post("/ratings/reasons", {"reasons": "срок заказа\nхамство"}, follow_redirects=True)
    assert "хамство" in browser.get("/ratings/reasons").get_data(as_text=True)
    assert browser.post("/ratings/reasons", {"reasons": "  "}).status_code == 422


def test_card_block_hidden_from_the_mechanic(shop_clock, buyer, staff, login):
    rated(buyer, MON, Decimal(9), [(staff["manager"], "manager")])
    assert 'id="customer-ratings"' not in login("mechanic").get(f"/customers/{buyer.id}").get_data(as_text=True)
    part = login("manager").get(f"/customers/{buyer.id}/ratings").get_data(as_text=True)
    assert '<b class="rating-score">9</b>' in part
    assert dt.date(2026, 11, 16).strftime("%d.%m.%Y") in part


def test_owner_edits_the_request_text(shop_clock, modem_up, buyer, import_sales, login, staff):
    from appliance.ratings import requests
    from db.models.sms import SmsMessage
    from tests.ratings.test_requests import SALE

    browser = login("owner")
    bad = browser.post("/ratings/reasons", {"body": "{name}, оцените {nonsense}"})
    assert bad.status_code == 422 and "Неизвестная подстановка: {nonsense}" in bad.get_data(as_text=True)
    browser.post("/ratings/reasons", {"body": "{name}, как мы справились? Ответьте цифрой от 1 до 10."})
    assert login("manager").post("/ratings/reasons", {"body": "x"}).status_code == 403
    import_sales([SALE])
    requests.send_due()
    assert SmsMessage.get().text == "Андрей Петрович, как мы справились? Ответьте цифрой от 1 до 10."
