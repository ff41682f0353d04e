"""Queueing SMS: templates, placeholders, opt-outs, dedupe, the live counter."""
import pytest

from appliance import customers, sms
from appliance.customers import PhoneInput
from appliance.errors import InputError
from db.models.audit import AuditEntry
from db.models.sms import SmsMessage, SmsTemplate

pytestmark = pytest.mark.clock  # rules that count days and hours: run at four instants


@pytest.fixture
def anna(db):
    return customers.create_customer("Анна Соколова", [PhoneInput("8 916 123-45-67")])


def test_default_templates_are_russian_and_valid(db):
    codes = {t.code: t for t in SmsTemplate.select()}
    assert set(codes) >= {"order_arrived", "order_reminder", "rating_request", "winback", "test"}
    assert codes["winback"].kind == "marketing"
    for t in codes.values():
        sms.validate_template(t.body)
        assert any("а" <= ch <= "я" for ch in t.body.lower())


def test_queue_from_template_renders_placeholders(anna):
    msg = sms.queue_sms(anna, "order_arrived", {"order_number": 4711, "sum": "3 450 ₽"})
    assert msg.status == "queued" and msg.phone == "+79161234567" and msg.customer_id == anna.id
    assert msg.text.startswith("Анна Соколова, ваш заказ №4711 пришёл. Сумма к оплате 3 450 ₽.")
    assert "Автозапчасти Китай-Сервис" in msg.text
    assert msg.encoding == "ucs2" and msg.parts_total == 2


def test_dedupe_key_makes_the_second_call_a_no_op(anna):
    first = sms.queue_sms(anna, "order_arrived", {"order_number": 1}, dedupe_key="order:1:arrived")
    second = sms.queue_sms(anna, "order_arrived", {"order_number": 1}, dedupe_key="order:1:arrived")
    assert first.id == second.id
    assert SmsMessage.select().count() == 1


def test_marketing_refused_after_stop(anna):
    sms.opt_out("+79161234567", anna, source="sms")
    with pytest.raises(sms.OptedOut) as err:
        sms.queue_sms(anna, "winback", {"bonus_balance": 300})
    assert "отказался" in err.value.message
    # service messages still go
    assert sms.queue_sms(anna, "order_arrived", {"order_number": 2}).status == "queued"


def test_stop_words():
    assert sms.is_stop_reply("СТОП") and sms.is_stop_reply(" stop! ") and sms.is_stop_reply("Стоп.")
    assert not sms.is_stop_reply("стоп-сигнал есть?")


def test_free_text_to_a_number_finds_the_customer(anna):
    msg = sms.queue_sms(phone="+7 (916) 123-45-67", text="Проверка")
    assert msg.customer_id == anna.id and msg.text == "Проверка" and msg.parts_total == 1


def test_bad_phone_and_empty_text_are_refused(db):
    with pytest.raises(InputError):
        sms.queue_sms(phone="12", text="x")
    with pytest.raises(InputError):
        sms.queue_sms(phone="+79161234567", text="   ")
    assert SmsMessage.select().count() == 0


def test_template_editing_validates_and_audits(staff):
    with pytest.raises(InputError) as err:
        sms.update_template("order_arrived", "Заказ {nomer} пришёл", staff["owner"])
    assert "{nomer}" in err.value.message
    with pytest.raises(InputError):
        sms.update_template("order_arrived", "Заказ {order_number пришёл", staff["owner"])
    sms.update_template("order_arrived", "Заказ №{order_number} ждёт вас", staff["owner"])
    assert SmsTemplate.get(SmsTemplate.code == "order_arrived").body == "Заказ №{order_number} ждёт вас"
    assert AuditEntry.select().where(AuditEntry.action == "sms_template.update").count() == 1


@pytest.mark.parametrize("text,parts,encoding", [
    ("Hello", 1, "gsm7"), ("Привет", 1, "ucs2"), ("Я" * 70, 1, "ucs2"), ("Я" * 71, 2, "ucs2"),
])
def test_counter(text, parts, encoding):
    c = sms.counter(text)
    assert (c["parts"], c["encoding"]) == (parts, encoding)


def test_resend_creates_a_new_row(anna, staff):
    msg = sms.queue_sms(anna, text="x")
    with pytest.raises(InputError):
        sms.resend(msg, staff["manager"])
    SmsMessage.update(status="failed").execute()
    new = sms.resend(SmsMessage.get_by_id(msg.id), staff["manager"])
    assert new.id != msg.id and new.status == "queued" and new.resent_from_id == msg.id


def test_resend_of_a_marketing_sms_after_stop_is_refused(anna, staff):
    msg = sms.queue_sms(anna, "winback", {"bonus_balance": 300})
    SmsMessage.update(status="failed").execute()
    sms.opt_out("+79161234567", anna, source="sms", note="ответ «СТОП»")  # what the modem's inbox does
    with pytest.raises(sms.OptedOut) as err:
        sms.resend(SmsMessage.get_by_id(msg.id), staff["manager"])
    assert err.value.message == "+7 916 123-45-67 отказался от рекламных SMS."
    assert SmsMessage.select().count() == 1
    service = sms.queue_sms(anna, text="Заказ пришёл")
    SmsMessage.update(status="uncertain").where(SmsMessage.id == service.id).execute()
    assert sms.resend(SmsMessage.get_by_id(service.id), staff["manager"]).status == "queued"  # service still goes


def test_demo_shows_every_status_replies_and_missed_calls(demo_db):
    from db.models.sms import Call, ModemStatus, SmsOptOut

    statuses = {m.status for m in SmsMessage.select()}
    assert {"delivered", "uncertain", "failed", "received"} <= statuses
    assert Call.select().where(~Call.answered).count() == 3
    assert SmsOptOut.select().count() == 1
    assert ModemStatus.get_by_id(1).operator == "MegaFon"


@pytest.mark.parametrize("typed", ["8 916", "+7 (916)", "4567", "8 (916) 123-45-67", "9161234567"])
def test_sms_log_finds_a_phone_as_people_type_it(anna, typed):
    to_anna = sms.queue_sms(anna, text="Заказ пришёл")
    sms.queue_sms(phone="+74957654321", text="Другому")
    assert [m.id for m in sms.log_rows(query=typed)] == [to_anna.id]


def test_sms_log_filters_by_text_name_direction_and_status(anna):
    first = sms.queue_sms(anna, text="Заказ пришёл")
    second = sms.queue_sms(phone="+74957654321", text="Заказ ждёт")
    SmsMessage.update(status="failed").where(SmsMessage.id == second.id).execute()
    assert [m.id for m in sms.log_rows(query="Заказ")] == [second.id, first.id]
    assert [m.id for m in sms.log_rows(query="Соколова")] == [first.id]
    assert [m.id for m in sms.log_rows(status="failed")] == [second.id]
    assert sms.log_rows(direction="in") == []
