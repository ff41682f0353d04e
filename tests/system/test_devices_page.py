"""/devices, /sms and /sms/templates as a manager and the owner see them."""
from appliance import customers, sms, status
from appliance.customers import PhoneInput
from appliance.sms import outbox as sms_outbox
from db.models.sms import ModemStatus, SmsMessage, SmsTemplate


def test_devices_page_shows_the_modem_state(login, db):
    status.beat("devices")
    ModemStatus.update(up=True, operator="MegaFon", signal_rssi=20, signal_dbm=-73, model="huawei E173",
                       imei="867530012345678", sim_status="READY").where(ModemStatus.id == 1).execute()
    page = login("manager").get("/devices").get_data(as_text=True)
    assert "GSM-модем" in page and "На связи" in page
    assert "MegaFon" in page and "-73 дБм" in page and "IMEI 867530012345678" in page
    assert "SIM-карта</dt><dd>готова" in page
    assert "Пробное SMS" in page


def test_outage_is_shown_with_the_reason(login, db):
    status.beat("devices")
    sms_outbox.record_modem_state(False, "порт /dev/ttyUSB2 не найден — модем отключён от USB?", "/dev/ttyUSB2")
    html = login("manager").get("/devices/modem").get_data(as_text=True)
    assert "Нет связи с модемом с" in html and "модем отключён от USB" in html


def test_a_dead_devices_process_is_not_hidden_behind_a_stale_up(login, db):
    ModemStatus.update(up=True, operator="MegaFon").where(ModemStatus.id == 1).execute()
    html = login("manager").get("/devices/modem").get_data(as_text=True)
    assert "Процесс устройств не запущен" in html and "На связи" not in html


def test_test_sms_is_queued(login, db):
    b = login("manager")
    r = b.post("/devices/test-sms", {"phone": "8 916 123-45-67", "text": ""})
    assert r.status_code == 302 and "/sms" in r.headers["Location"]
    msg = SmsMessage.get()
    assert msg.phone == "+79161234567" and msg.status == "queued" and "Проверка связи" in msg.text


def test_test_sms_with_a_bad_number_says_why(login, db):
    r = login("manager").post("/devices/test-sms", {"phone": "12", "text": "x"})
    assert r.status_code == 422
    assert "не похоже на номер" in r.get_data(as_text=True) or "ошибкой" in r.get_data(as_text=True)
    assert SmsMessage.select().count() == 0


def test_sms_log_filters_highlights_uncertain_and_resends(login, db):
    anna = customers.create_customer("Анна Соколова", [PhoneInput("+79161234567")])
    ok = sms.queue_sms(anna, text="Заказ пришёл")
    lost = sms.queue_sms(anna, text="Может быть дошло")
    SmsMessage.update(status="delivered").where(SmsMessage.id == ok.id).execute()
    SmsMessage.update(status="uncertain", last_error="SMS могло уйти").where(SmsMessage.id == lost.id).execute()
    b = login("manager")
    page = b.get("/sms").get_data(as_text=True)
    assert 'class="sms-uncertain"' in page and "Статус неизвестен у 1\u00a0SMS" in page
    assert "доставлено" in page and "Анна Соколова" in page
    rows = b.get("/sms?status=uncertain", headers={"HX-Request": "true", "HX-Target": "sms-rows"}).get_data(as_text=True)
    assert rows.startswith("<tbody") and "Может быть дошло" in rows and "Заказ пришёл" not in rows
    r = b.post(f"/sms/{lost.id}/resend")
    assert r.status_code == 302
    assert SmsMessage.select().where(SmsMessage.resent_from == lost.id, SmsMessage.status == "queued").count() == 1


def test_templates_page_is_for_the_owner(login, db):
    assert login("manager").get("/sms/templates").status_code == 403


def test_owner_edits_a_template_with_the_live_counter(login, db):
    b = login("owner")
    page = b.get("/sms/templates").get_data(as_text=True)
    assert "Заказ пришёл" in page and "{order_number}" in page and "кириллица" in page
    counter = b.post("/sms/counter", {"body": "Я" * 71, "template": "1"}, htmx=True).get_data(as_text=True)
    assert "71" in counter and "2\u00a0SMS" in counter and "по 67" in counter
    bad = b.post("/sms/counter", {"body": "Заказ {nomer}", "template": "1"}, htmx=True).get_data(as_text=True)
    assert "Неизвестная подстановка" in bad
    r = b.post("/sms/templates/order_arrived", {"body": "Заказ {nomer}"})
    assert r.status_code == 422 and "Неизвестная подстановка" in r.get_data(as_text=True)
    r = b.post("/sms/templates/order_arrived", {"body": "{name}, заказ №{order_number} ждёт вас."})
    assert r.status_code == 302
    assert SmsTemplate.get(code="order_arrived").body == "{name}, заказ №{order_number} ждёт вас."


def test_staff_marks_a_phone_as_opted_out(login, db):
    from db.models.sms import SmsOptOut

    b = login("manager")
    r = b.post("/sms/opt-out", {"phone": "8 916 123 45 67", "action": "out"})
    assert r.status_code == 302 and SmsOptOut.get().phone == "+79161234567"
    assert "Сейчас отказались: 1" in b.get("/sms").get_data(as_text=True)
    b.post("/sms/opt-out", {"phone": "+79161234567", "action": "in"})
    assert SmsOptOut.select().count() == 0
