"""Who is asked and when: the day after, once, inside the window, never while it would go at night."""
from __future__ import annotations

import datetime as dt

import pytest

from appliance import sms
from appliance.ratings import requests
from appliance.sms import outbox
from appliance.workshop import schedule, work_orders
from appliance.workshop.work_orders import OrderInput
from db import write_transaction
from db.models.ratings import RatedStaff, RatingItem, RatingRequest
from db.models.sales import Sale
from db.models.sms import ModemStatus, SmsMessage
from tests.ratings.conftest import move, msk

pytestmark = pytest.mark.clock

TODAY = dt.date(2026, 11, 24)
YESTERDAY = TODAY - dt.timedelta(days=1)
SALE = ("ЧК-000501", "23.11.2026 15:20", "8 916 123-45-67", "Ковалёв Андрей", "Соколова Анна Сергеевна", "2 300,00")


def outgoing() -> list[SmsMessage]:
    return list(SmsMessage.select().where(SmsMessage.direction == "out").order_by(SmsMessage.id))


def test_sale_of_yesterday_is_asked_today_once(shop_clock, modem_up, buyer, staff, import_sales):
    assert import_sales([SALE]).status == "done"
    report = requests.send_due()
    assert (report.queued, report.skipped) == (1, 0)
    [msg] = outgoing()
    assert msg.phone == "+79161234567" and msg.template_code == "rating_request"
    assert msg.text.startswith("Андрей Петрович, спасибо за покупку! Оцените нас от 1 до 10")
    req = RatingRequest.get()
    assert (req.customer_id, req.visit_date, req.status) == (buyer.id, YESTERDAY, "queued")
    assert [(i.department, i.source_number) for i in req.items] == [("parts", "ЧК-000501")]
    assert [(r.staff_id, r.role) for r in RatedStaff.select()] == [(staff["manager"].id, "manager")]
    # the job runs again, the same sale comes again from 1C, then corrected in 1C: still one request
    assert requests.send_due().queued == 0
    assert import_sales([SALE]).skipped == 1
    corrected = import_sales([SALE[:5] + ("2 900,00",)])
    assert corrected.updated == 1 and Sale.get().total_kop == 290000
    assert requests.send_due().queued == 0
    assert RatingRequest.select().count() == 1 and len(outgoing()) == 1


def test_a_sale_of_today_waits_for_tomorrow(shop_clock, modem_up, buyer, import_sales):
    import_sales([("ЧК-000502", "24.11.2026 10:05", "89161234567", "Ковалёв", "Соколова Анна Сергеевна", "500,00")])
    assert requests.send_due().queued == 0 and outgoing() == []
    move(shop_clock, TODAY + dt.timedelta(days=1), "11:00")
    assert requests.send_due().queued == 1


def test_outside_the_window_requests_wait_for_eleven(shop_clock, modem_up, buyer, import_sales):
    import_sales([SALE])
    move(shop_clock, TODAY, "20:00")
    report = requests.send_due()
    assert report.queued == 0 and report.waiting == 1 and "вне окна отправки 11:00-20:00" in report.reason
    move(shop_clock, TODAY + dt.timedelta(days=1), "10:59")
    assert requests.send_due().queued == 0 and outgoing() == []
    move(shop_clock, TODAY + dt.timedelta(days=1), "11:00")
    assert requests.send_due().queued == 1


def test_modem_down_requests_wait_and_never_go_at_night(shop_clock, modem_up, buyer, import_sales):
    import_sales([SALE])
    with write_transaction():
        ModemStatus.update(up=False).execute()
    report = requests.send_due()
    assert report.queued == 0 and "модем недоступен" in report.reason and outgoing() == []
    # the modem is back in the window: queued; it drops before the SMS left, and the window closes
    with write_transaction():
        ModemStatus.update(up=True).execute()
    assert requests.send_due().queued == 1
    move(shop_clock, TODAY, "19:56")  # the job's last run before closing, the modem gone again
    with write_transaction():
        ModemStatus.update(up=False).execute()
    report = requests.send_due()
    assert report.held == 1 and "окно отправки закрывается" in report.reason
    [msg] = outgoing()
    assert msg.status == "queued" and msg.next_attempt_at == msk(TODAY + dt.timedelta(days=1), "11:00").replace(tzinfo=None)
    assert outbox._claim() is None  # the devices process finds nothing to send at night
    move(shop_clock, TODAY + dt.timedelta(days=1), "11:00")
    assert outbox._claim().id == msg.id


def test_last_run_before_closing_queues_nothing_new(shop_clock, modem_up, buyer, import_sales):
    import_sales([SALE])
    move(shop_clock, TODAY, "19:55")
    report = requests.send_due()
    assert report.queued == 0 and report.waiting == 1 and outgoing() == []
    move(shop_clock, TODAY + dt.timedelta(days=1), "11:00")
    assert requests.send_due().queued == 1


def test_retrying_sms_is_held_at_closing_but_a_fresh_one_goes(shop_clock, modem_up, buyer, staff, import_sales):
    from appliance import customers
    from appliance.customers import PhoneInput

    customers.create_customer("Смирнова Ольга", [PhoneInput("+7 926 555-44-33")], staff["manager"])
    import_sales([SALE, ("ЧК-000777", "23.11.2026 12:00", "8 926 555-44-33", "Смирнова", "Соколова Анна Сергеевна",
                         "100,00")])
    assert requests.send_due().queued == 2
    first, second = outgoing()
    with write_transaction():  # the first failed once and waits for its retry at 20:02
        SmsMessage.update(next_attempt_at=msk(TODAY, "20:02").replace(tzinfo=None)).where(
            SmsMessage.id == first.id).execute()
    move(shop_clock, TODAY, "19:57")
    assert requests.send_due().held == 1
    assert SmsMessage.get_by_id(first.id).next_attempt_at == msk(TODAY + dt.timedelta(days=1), "11:00").replace(tzinfo=None)
    assert SmsMessage.get_by_id(second.id).next_attempt_at is None


def test_bought_and_repaired_one_sms_about_the_visit(shop_clock, modem_up, buyer, staff, import_sales):
    move(shop_clock, YESTERDAY, "09:00")
    bay = schedule.sync_bays()[0]
    wo = work_orders.create(OrderInput(customer_id=buyer.id, vehicle_id=None, bay_id=bay.id,
                                       start=msk(YESTERDAY, "10:00").replace(tzinfo=None),
                                       end=msk(YESTERDAY, "11:00").replace(tzinfo=None),
                                       mechanic_id=staff["mechanic"].id), staff["manager"])
    for st in ("in_work", "ready", "handed_over"):
        wo = work_orders.set_status(wo, st, staff["owner"])
    import_sales([SALE])
    move(shop_clock, TODAY, "12:00")
    assert requests.send_due().queued == 1
    assert len(outgoing()) == 1
    req = RatingRequest.get()
    assert sorted(i.department for i in req.items) == ["parts", "workshop"]
    assert sorted((r.role, r.staff_id) for r in req.rated) == sorted([
        ("manager", staff["manager"].id), ("advisor", staff["manager"].id), ("mechanic", staff["mechanic"].id)])


def test_once_per_customer_in_fourteen_days(shop_clock, modem_up, buyer, import_sales):
    import_sales([SALE])
    requests.send_due()
    import_sales([("ЧК-000610", "24.11.2026 16:00", "89161234567", "Ковалёв", "Соколова Анна Сергеевна", "300,00")])
    move(shop_clock, TODAY + dt.timedelta(days=1), "12:00")
    report = requests.send_due()
    assert (report.queued, report.skipped) == (0, 1)
    skipped = RatingRequest.get(RatingRequest.status == "skipped")
    assert skipped.skip_reason == "уже спрашивали 24.11.2026 (не чаще раза в 14 дн.)"
    assert len(outgoing()) == 1


def test_no_sms_to_opted_out_or_anonymous(shop_clock, modem_up, buyer, import_sales):
    sms.opt_out("+79161234567", buyer, source="sms")
    import_sales([SALE, ("ЧК-000503", "23.11.2026 16:00", "", "", "Соколова Анна Сергеевна", "150,00")])
    report = requests.send_due()
    assert (report.queued, report.skipped) == (0, 1) and outgoing() == []
    assert RatingRequest.get().skip_reason == "клиент отказался от SMS"
    assert RatingItem.select().count() == 1  # the anonymous sale is never asked about


def test_a_sale_deleted_in_1c_keeps_its_request(shop_clock, modem_up, buyer, import_sales):
    import_sales([SALE])
    requests.send_due()
    with write_transaction():
        Sale.delete().execute()
    item = RatingItem.get()
    assert item.sale_id is None and item.source_number == "ЧК-000501"
    assert requests.send_due().queued == 0


def test_a_template_too_long_is_told_not_crashed(shop_clock, modem_up, buyer, staff, import_sales):
    from appliance.ratings import requests as req_mod
    from db.models.notifications import Notification

    req_mod.set_template("{name}, оцените нас. " + "Очень просим! " * 60, staff["owner"])
    import_sales([SALE])
    report = requests.send_due()
    assert (report.queued, report.failed) == (0, 1) and "слишком длинное" in report.reason
    assert RatingRequest.select().count() == 0 and outgoing() == []  # nothing half-saved
    assert Notification.get(Notification.key == "ratings-send").is_open
    req_mod.set_template("{name}, оцените нас от 1 до 10.", staff["owner"])
    assert requests.send_due().queued == 1
    assert not Notification.get(Notification.key == "ratings-send").is_open
