"""Customers' SMS replies reach a person and are answered (issue 13, item 2)."""
import datetime as dt

import pytest

from appliance import customers, notifications
from appliance import staff as staff_mod
from appliance.customers import PhoneInput
from appliance.orders import orders
from appliance.orders.orders import LineInput
from appliance.sms import outbox
from db.models.audit import AuditEntry
from db.models.notifications import Notification
from db.models.sms import SmsMessage
from hardware.modem import pdu


def receive(phone: str, text: str) -> SmsMessage:
    """The modem's path: a delivered PDU is stored, assembled and offered to the areas."""
    return outbox.store_pdu(pdu.encode_deliver(phone, text, dt.datetime.now(dt.UTC))[0])


@pytest.fixture
def petrov(staff):
    return staff_mod.create_staff("petrov", "Петров Илья Андреевич", "manager", "demo")


@pytest.fixture
def anna(db, staff):
    return customers.create_customer("Соколова Анна", [PhoneInput("+79161234567")], staff["manager"])


@pytest.fixture
def order(anna, petrov, staff):
    return orders.create_order(anna, [LineInput("T11-3502080", "CHERY", "Колодки", 1, "1500")], petrov,
                               manager=petrov)


def _open_replies():
    return list(Notification.select().where((Notification.kind == "customer_reply") & Notification.is_open))


def test_a_reply_goes_to_the_manager_of_the_latest_order(order, petrov, staff):
    receive("+79161234567", "Спасибо, заберу завтра")
    [item] = _open_replies()
    assert item.audience_person_id == petrov.id and item.url == f"/orders/{order.id}#sms-replies"
    assert "Соколова Анна" in item.title and "заберу завтра" in item.title
    assert [n.id for n in notifications.open_items(user=petrov)] == [item.id]
    assert list(notifications.open_items(user=staff["manager"])) == []  # another manager's desk stays quiet
    # A second SMS of the same customer refreshes the one question.
    receive("+79161234567", "И колодки на Tiggo есть?")
    assert len(_open_replies()) == 1 and "колодки" in _open_replies()[0].title


def test_a_reply_without_an_order_or_from_a_stranger_goes_to_the_counter(anna, staff):
    receive("+79161234567", "Подскажите, есть ли колодки на Tiggo 4?")
    receive("+79035550000", "Кто это?")
    items = _open_replies()
    assert len(items) == 2 and all(n.audience_person_id is None and ",manager," in n.audience_roles for n in items)
    assert {n.url for n in items} == {f"/customers/{anna.id}#customer-sms",
                                      f"/sms/{SmsMessage.get(SmsMessage.phone == '+79035550000').id}/answer"}


def test_stop_is_an_opt_out_not_a_question(anna):
    receive("+79161234567", "СТОП")
    assert _open_replies() == []


def test_the_reply_shows_on_the_card_and_the_order_and_is_answered_once(order, petrov, login, client):
    receive("+79161234567", "Колодки точно передние?")
    browser = login("manager")
    card = browser.get(f"/customers/{order.customer_id}").get_data(as_text=True)
    assert "Колодки точно передние?" in card and 'id="customer-sms"' in card
    page = browser.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'id="sms-replies"' in page and "Колодки точно передние?" in page
    form_html = page.split('class="sms-answer"', 1)[1]
    token = form_html.split('name="form_token" value="', 1)[1].split('"', 1)[0]
    message_id = SmsMessage.get(SmsMessage.direction == "in").id
    form = {"text": "Да, передние, ждём вас завтра", "form_token": token, "back": f"/orders/{order.id}"}
    first = browser.post(f"/sms/{message_id}/answer", form)
    second = browser.post(f"/sms/{message_id}/answer", form)  # a double click
    assert first.status_code == 302 and second.status_code == 302
    sent = list(SmsMessage.select().where(SmsMessage.direction == "out"))
    assert [(m.phone, m.text, m.status) for m in sent] == [("+79161234567", "Да, передние, ждём вас завтра", "queued")]
    assert AuditEntry.select().where(AuditEntry.action == "sms.queue").count() == 1
    assert _open_replies() == []
    assert "Да, передние" in browser.get(f"/customers/{order.customer_id}").get_data(as_text=True)


def test_an_empty_answer_is_refused_in_russian(anna, login):
    msg = receive("+79161234567", "Алло?")
    response = login("manager").post(f"/sms/{msg.id}/answer", {"text": "  "})
    assert response.status_code == 422 and "Напишите текст ответа" in response.get_data(as_text=True)
    assert not SmsMessage.select().where(SmsMessage.direction == "out").exists()


def test_a_stranger_is_answered_from_the_sms_log(db, login):
    msg = receive("+79035550000", "Есть ли у вас свечи на Geely?")
    browser = login("manager")
    log_page = browser.get("/sms").get_data(as_text=True)
    assert f'href="/sms/{msg.id}/answer"' in log_page
    form = browser.get(f"/sms/{msg.id}/answer").get_data(as_text=True)
    assert "Есть ли у вас свечи на Geely?" in form and "номер не в базе" in form
    browser.post(f"/sms/{msg.id}/answer", {"text": "Есть, приезжайте"})
    assert SmsMessage.get(SmsMessage.direction == "out").phone == "+79035550000"
    assert _open_replies() == []


def test_the_demo_shop_has_a_customers_question_waiting(demo_db):
    questions = _open_replies()
    assert questions and any("колодки" in n.body for n in questions)
