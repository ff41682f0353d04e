"""The outbox drained through the pty simulator: what a phone receives, retries,
permanent failures, uncertain sends, incoming SMS, reports and calls."""
import time

import pytest

from appliance import customers, sms, status
from appliance.customers import PhoneInput
from appliance.sms import outbox as sms_outbox
from db.models.notifications import Notification
from db.models.sms import Call, ModemStatus, SmsMessage, SmsOptOut, SmsPart
from hardware.modem import Modem
from hardware.sim.modem_sim import ModemSim


@pytest.fixture
def fast(settings):
    settings._cp.set("modem", "send_interval_seconds", "0")
    settings._cp.set("modem", "retry_base_seconds", "0")
    return settings


@pytest.fixture
def sim(tmp_path):
    s = ModemSim(str(tmp_path / "ttyModem"), "huawei", seed=3, report_delay=0.05).start()
    yield s
    s.unplug()


@pytest.fixture
def modem(sim, db, fast):
    m = Modem(sim.port, command_timeout=2, prompt_timeout=1, send_timeout=2, reset_timeout=2)
    m.open()
    m.init()
    sms_outbox.attach(m)
    yield m
    sms_outbox.attach(None)
    m.close()


@pytest.fixture
def anna(db):
    return customers.create_customer("Анна Соколова", [PhoneInput("+79161234567")])


def drain_all(limit=20):
    n = 0
    while n < limit and sms_outbox.drain_once():
        n += 1
    return n


def pump(modem, calls=None, seconds=5.0, until=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sms_outbox.handle_events(modem, calls)
        if until is not None and until():
            return
        time.sleep(0.05)


def test_multipart_cyrillic_leaves_the_outbox_and_the_phone_reads_it(modem, sim, anna):
    msg = sms.queue_sms(anna, "order_arrived", {"order_number": 4711, "sum": "3 450 ₽"})
    assert msg.parts_total == 2
    assert drain_all() == 1
    msg = SmsMessage.get_by_id(msg.id)
    assert msg.status == "sent" and [p["mr"] is not None for p in msg.parts] == [True, True]
    (t,) = sim.transmitted
    assert t.number == "+79161234567" and t.text == msg.text and t.parts == 2
    assert t.references == [p["mr"] for p in msg.parts]
    # delivery reports for both parts arrive
    pump(modem, until=lambda: SmsMessage.get_by_id(msg.id).status == "delivered")
    assert SmsMessage.get_by_id(msg.id).status == "delivered"


def test_concat_references_rotate(modem, sim, anna):
    for i in range(3):
        sms.queue_sms(anna, text="Длинное сообщение " * 5 + str(i))
    drain_all()
    refs = [p.concat.reference for p in sim.sent_parts if p.concat]
    assert len(set(refs)) == 3


def test_transient_error_retries_then_succeeds(modem, sim, anna):
    sim.fail_sends = [500]
    msg = sms.queue_sms(anna, text="Повтор")
    drain_all()
    msg = SmsMessage.get_by_id(msg.id)
    assert msg.status == "sent" and msg.attempts == 2
    assert sim.texts() == ["Повтор"]


def test_multipart_resumes_with_the_unsent_part_only(modem, sim, anna):
    text = "Часть за частью. " * 8
    msg = sms.queue_sms(anna, text=text)
    sim.fail_sends = []
    # first part goes, second hits a transient error
    original = sim._handle_pdu
    calls = {"n": 0}

    def flaky(length, hexpdu):
        calls["n"] += 1
        if calls["n"] == 2:
            return sim._error(500, cms=True)
        return original(length, hexpdu)
    sim._handle_pdu = flaky
    drain_all()
    msg = SmsMessage.get_by_id(msg.id)
    assert msg.status == "sent" and msg.attempts == 2
    assert msg.parts_total == 3 and len(sim.sent_parts) == 3  # every part exactly once
    assert sim.texts() == [text.strip()] == [msg.text]


def test_permanent_error_fails_with_a_clear_reason(modem, sim, anna):
    sim.fail_sends = [1]
    msg = sms.queue_sms(anna, text="Никуда")
    drain_all()
    msg = SmsMessage.get_by_id(msg.id)
    assert msg.status == "failed" and "номер не существует" in msg.last_error


def test_no_credit_keeps_messages_queued_and_tells_staff(modem, sim, anna):
    sim.no_credit = True
    msg = sms.queue_sms(anna, text="Баланс")
    drain_all()
    msg = SmsMessage.get_by_id(msg.id)
    assert msg.status == "queued" and msg.attempts == 0 and msg.next_attempt_at is not None
    assert "баланс" in msg.last_error
    note = Notification.get(Notification.key == "modem-send")
    assert note.is_open and "баланс" in note.title


def test_too_many_transient_failures_give_up(modem, sim, anna, fast):
    fast._cp.set("modem", "max_attempts", "3")
    sim.fail_sends = [500, 500, 500]
    msg = sms.queue_sms(anna, text="x")
    drain_all()
    msg = SmsMessage.get_by_id(msg.id)
    assert msg.status == "failed" and "за 3 попыток" in msg.last_error and sim.transmitted == []


def test_rate_limit(modem, sim, anna, fast):
    fast._cp.set("modem", "send_interval_seconds", "60")
    sms_outbox.link.last_send = -1e9
    sms.queue_sms(anna, text="1")
    sms.queue_sms(anna, text="2")
    assert drain_all() == 1
    assert sim.texts() == ["1"]


def test_uncertain_when_the_modem_goes_silent_after_the_pdu(modem, sim, anna):
    sim.send_delay = 3  # longer than send_timeout
    msg = sms.queue_sms(anna, text="Может быть")
    drain_all()
    msg = SmsMessage.get_by_id(msg.id)
    assert msg.status == "uncertain" and "могло уйти" in msg.last_error
    assert Notification.get(Notification.key == "sms-uncertain").is_open
    sim.send_delay = 0
    assert drain_all() == 0  # never resent by itself
    assert sim.texts() == ["Может быть"]


def test_recovery_after_crash(db, anna):
    in_flight = sms.queue_sms(anna, text="в полёте")
    untouched = sms.queue_sms(anna, text="не начато")
    done = sms.queue_sms(anna, text="всё ушло")
    SmsMessage.update(status="sending", parts_state='[{"mr": null, "st": null, "try": true}]').where(
        SmsMessage.id == in_flight.id).execute()
    SmsMessage.update(status="sending", attempts=1, parts_state='[{"mr": null, "st": null}]').where(
        SmsMessage.id == untouched.id).execute()
    SmsMessage.update(status="sending", parts_state='[{"mr": 12, "st": null}]').where(
        SmsMessage.id == done.id).execute()
    assert sms_outbox.recover_after_crash() == {"uncertain": 1, "requeued": 1, "sent": 1}
    assert SmsMessage.get_by_id(in_flight.id).status == "uncertain"
    assert SmsMessage.get_by_id(untouched.id).status == "queued"
    assert SmsMessage.get_by_id(done.id).status == "sent"


def test_injected_reply_shows_up_in_the_inbox(modem, sim, anna):
    sim.inject_sms("+79161234567", "Спасибо, заберу завтра")
    pump(modem, until=lambda: SmsMessage.select().where(SmsMessage.direction == "in").exists())
    msg = SmsMessage.get(SmsMessage.direction == "in")
    assert (msg.phone, msg.text, msg.customer_id, msg.status) == ("+79161234567", "Спасибо, заберу завтра",
                                                                  anna.id, "received")
    assert sim.storage == {}  # deleted from the SIM after the commit


def test_multipart_reply_out_of_order_and_across_restarts(modem, sim, anna, db):
    text = "Добрый день! Подскажите, пришли ли колодки на Tiggo? Могу подъехать после шести. " * 2
    pdus = __import__("hardware.modem.pdu", fromlist=["x"]).encode_deliver(
        "+79161234567", text, __import__("datetime").datetime.now(__import__("datetime").UTC), concat_ref=9)
    assert len(pdus) == 3
    sim.inject_pdu(pdus[2])
    sim.inject_pdu(pdus[0])
    pump(modem, until=lambda: SmsPart.select().count() == 2)
    assert SmsPart.select().count() == 2 and not SmsMessage.select().where(SmsMessage.direction == "in").exists()
    # "restart": a new modem session; the last part arrives, plus a duplicate read of an old one
    sms_outbox.store_pdu(pdus[0])
    sim.inject_pdu(pdus[1])
    pump(modem, until=lambda: SmsMessage.select().where(SmsMessage.direction == "in").exists())
    msg = SmsMessage.get(SmsMessage.direction == "in")
    assert msg.text == text and msg.parts_total == 3
    assert SmsMessage.select().where(SmsMessage.direction == "in").count() == 1


def test_stop_reply_opts_out(modem, sim, anna):
    sim.inject_sms("+79161234567", "СТОП")
    pump(modem, until=lambda: SmsOptOut.select().exists())
    assert SmsOptOut.get().phone == "+79161234567"
    with pytest.raises(sms.OptedOut):
        sms.queue_sms(anna, "winback", {"bonus_balance": 1})


def test_storage_full_sweep(modem, sim, anna):
    sim.storage_size = 1
    sim.cnmi_mt = 0  # a modem that forgot to tell us
    sim.inject_sms("+79161234567", "первое")
    sim.inject_sms("+79161234567", "второе")
    assert sms_outbox.sweep_storage(modem) == 1
    sms_outbox.sweep_storage(modem)
    texts = [m.text for m in SmsMessage.select().where(SmsMessage.direction == "in").order_by(SmsMessage.id)]
    assert texts == ["первое", "второе"]


def test_reply_kept_in_modem_memory_is_swept_too(modem, sim, anna):
    import datetime as dt

    from hardware.modem import pdu

    sim.cnmi_mt = 0
    sim.inject_pdu(pdu.encode_deliver("+79161234567", "из памяти модема", dt.datetime.now(dt.UTC))[0], mem="ME")
    assert sms_outbox.sweep_storage(modem) == 1
    assert SmsMessage.get(SmsMessage.direction == "in").text == "из памяти модема"
    assert sim.me_storage == {} and sim.mem == "SM"


def test_missed_call_is_recorded_and_raised(modem, sim, anna):
    calls = sms_outbox.CallTracker(ring_gap=0.3)
    sim.ring("+79161234567", times=2, interval=0.05)
    pump(modem, calls, until=lambda: calls.current is None and Call.select().exists())
    call = Call.get()
    assert (call.phone, call.customer_id, call.answered, call.rings) == ("+79161234567", anna.id, False, 2)
    note = Notification.get(Notification.kind == "missed_call")
    assert note.key == "+79161234567" and "+7 916 123-45-67" in note.title


def test_modem_state_and_probe(db):
    sms_outbox.record_modem_state(False, "порт /dev/ttyUSB2 не найден", "/dev/ttyUSB2")
    row = ModemStatus.get_by_id(1)
    assert not row.up and row.outage_since is not None
    assert sms_outbox.modem_probe().level == "bad"
    assert "не запущен" in sms_outbox.modem_probe().text
    status.beat("devices")
    assert "нет связи: порт /dev/ttyUSB2 не найден" in sms_outbox.modem_probe().text
    assert Notification.get(Notification.key == "modem").is_open
    sms_outbox.record_modem_state(True, "ok")
    assert ModemStatus.get_by_id(1).outage_since is None
    assert not Notification.get(Notification.key == "modem").is_open
    assert sms_outbox.modem_probe().level == "ok"
