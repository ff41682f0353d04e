"""/sms as the manager uses it: searching the log by phone, resending."""
import pytest

from appliance import customers, sms
from appliance.customers import PhoneInput
from db.models.sms import SmsMessage


@pytest.fixture
def anna(db):
    return customers.create_customer("Анна Соколова", [PhoneInput("+79161234567")])


@pytest.mark.parametrize("typed", ["8 916", "+7 (916)", "4567"])
def test_sms_log_search_by_phone(login, anna, typed):
    sms.queue_sms(anna, text="Заказ пришёл")
    sms.queue_sms(phone="+74957654321", text="Счёт выставлен")
    rows = login("manager").get("/sms", query_string={"q": typed},
                                headers={"HX-Request": "true", "HX-Target": "sms-rows"}).get_data(as_text=True)
    assert "Заказ пришёл" in rows and "Счёт выставлен" not in rows


def test_resend_of_a_marketing_sms_after_stop_says_why(login, anna):
    msg = sms.queue_sms(anna, "winback", {"bonus_balance": 300})
    SmsMessage.update(status="failed").execute()
    sms.opt_out("+79161234567", anna, source="sms")
    page = login("manager").post(f"/sms/{msg.id}/resend", follow_redirects=True).get_data(as_text=True)
    assert "+7 916 123-45-67 отказался от рекламных SMS." in page
    assert SmsMessage.select().count() == 1
