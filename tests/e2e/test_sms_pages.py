"""The devices page, the SMS log and the template editor's live counter in Chromium."""
import pytest

from appliance import customers, sms, status
from appliance.customers import PhoneInput
from db.models.sms import ModemStatus, SmsMessage
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


@pytest.fixture
def rows(db):
    status.beat("devices")
    anna = customers.create_customer("Соколова Анна Сергеевна", [PhoneInput("+79161234567")])
    ok = sms.queue_sms(anna, "order_arrived", {"order_number": 4711, "sum": "3 450 ₽"})
    lost = sms.queue_sms(anna, "rating_request")
    SmsMessage.update(status="delivered").where(SmsMessage.id == ok.id).execute()
    SmsMessage.update(status="uncertain", last_error="Отправка прервана перезапуском: SMS могло уйти.").where(
        SmsMessage.id == lost.id).execute()
    ModemStatus.update(up=True, operator="MegaFon", signal_rssi=17, signal_dbm=-79, model="huawei E173",
                       imei="867530012345678", sim_status="READY", port="/dev/serial/by-id/usb-HUAWEI_E173-if00-port0"
                       ).where(ModemStatus.id == 1).execute()


def test_devices_and_sms_log(page, live_server, login_as, rows):
    ARTIFACTS.mkdir(exist_ok=True)
    login_as(page, "manager")
    page.goto(f"{live_server}/devices")
    assert page.locator("#modem-state").inner_text().startswith("На связи")
    page.fill("textarea[name=text]", "Я" * 71)
    page.wait_for_function("document.querySelector('#test-counter').innerText.includes('71')")
    assert "2\u00a0SMS" in page.locator("#test-counter").inner_text()
    page.screenshot(path=str(ARTIFACTS / "devices.png"), full_page=True)
    page.goto(f"{live_server}/sms")
    row = page.locator("tr.sms-uncertain")
    assert row.count() == 1 and "статус неизвестен" in row.inner_text()
    page.select_option("select[name=status]", "delivered")
    page.wait_for_function("document.querySelectorAll('#sms-rows tr').length === 1")
    assert "ваш заказ №4711" in page.locator("#sms-rows").inner_text()
    page.goto(f"{live_server}/sms")
    page.screenshot(path=str(ARTIFACTS / "sms-log.png"), full_page=True)


def test_template_counter_live(page, live_server, login_as, rows):
    login_as(page, "owner")
    page.goto(f"{live_server}/sms/templates")
    box = page.locator("#tpl-test textarea")
    box.fill("Проверка {nomer}")
    page.wait_for_function("document.querySelector('#counter-test').innerText.includes('Неизвестная подстановка')")
    box.fill("{name}, проверка связи из {shop_name}.")
    page.wait_for_function("document.querySelector('#counter-test').innerText.includes('Александр')")
    assert "Александр Сергеевич, проверка связи" in page.locator("#counter-test").inner_text()
    page.screenshot(path=str(ARTIFACTS / "sms-templates.png"), full_page=True)
