"""The AT driver against the simulator over a real pty (os.openpty + pyserial),
including the faults; plus a scripted peer that checks the exact bytes."""

import os
import threading
import time
import tty
from datetime import datetime, timedelta, timezone

import pytest

from hardware.modem import Modem, ModemWatchdog, pdu
from hardware.modem.errors import CmsError, ModemGone, ModemTimeout, SendUncertain
from hardware.sim.modem_sim import ModemSim

PROFILES = ["simcom", "huawei", "wavecom"]


@pytest.fixture(params=PROFILES)
def sim(request, tmp_path):
    s = ModemSim(str(tmp_path / "ttyModem"), request.param, seed=1, report_delay=0.05).start()
    yield s
    s.unplug()


@pytest.fixture
def modem(sim):
    m = Modem(sim.port, command_timeout=2, prompt_timeout=2, send_timeout=3, reset_timeout=2)
    m.open()
    m.init()
    yield m
    m.close()


def wait_event(modem, kind, timeout=6.0):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            ev = modem.events.get(timeout=0.05)
        except Exception:
            continue
        seen.append(ev)
        if ev.kind == kind:
            return ev
    raise AssertionError(f"no {kind} event; saw {[e.line for e in seen]}")


def send_text(modem, number, text, ref=7, report=False):
    return [modem.send_pdu(p) for p in pdu.encode_submit(number, text, concat_ref=ref, status_report=report)]


# --- init and queries, every modem profile -------------------------------------

def test_init_turns_echo_off_and_sets_pdu_mode(sim, modem):
    assert sim.echo is False and sim.cmgf == 0 and sim.cmee == 1
    assert sim.cnmi_mt == 1 and sim.clip is True
    assert sim.commands[:4] == ["ATZ", "ATE0", "AT+CMEE=1", "AT+CMGF=0"]


def test_check_reports_identity_signal_operator(sim, modem):
    info = modem.check()
    assert info["model"] == sim.profile["model"]
    assert info["imei"] == "867530012345678"
    assert info["sim"] == "READY"
    assert (info["rssi"], info["dbm"]) == (20, -73)
    assert info["registration"] == 1
    assert info["operator"] == "MegaFon"


def test_single_sms_reaches_the_air_exactly(sim, modem):
    refs = send_text(modem, "+79161234567", "Zakaz 1234 pribyl. Zhdem vas!")
    assert len(refs) == 1 and 0 <= refs[0] <= 255
    (t,) = sim.transmitted
    assert (t.number, t.text, t.references) == ("+79161234567", "Zakaz 1234 pribyl. Zhdem vas!", refs)


def test_multipart_cyrillic_sms_decodes_to_the_same_text(sim, modem):
    text = ("Здравствуйте, Анна Сергеевна! Ваш заказ №4711 (колодки тормозные передние Chery Tiggo 4) "
            "прибыл в магазин. Сумма к оплате 3 450 ₽, бонусов на карте: 120. Ждём вас до 20:00.")
    refs = send_text(modem, "+79161234567", text, ref=42)
    assert len(refs) == 3
    (t,) = sim.transmitted
    assert t.text == text and t.parts == 3 and t.references == refs


def test_unsolicited_cmti_in_the_middle_of_a_reply(sim, modem):
    sim.inject_sms("+79035556677", "Da", during_next_command=True)
    rssi, _ = modem.signal()
    assert rssi == 20
    ev = wait_event(modem, "sms_stored")
    assert (ev.mem, ev.index) == ("SM", 1)
    msg = modem.read_message(ev.index)
    decoded = pdu.decode(msg.pdu)
    assert (decoded.number, decoded.text) == ("+79035556677", "Da")


def test_occasional_cms_500_is_a_transient_error_and_nothing_goes_out(sim, modem):
    sim.fail_sends = [500]
    with pytest.raises(CmsError) as err:
        send_text(modem, "+79161234567", "test")
    assert err.value.code == 500 and err.value.kind == "transient"
    assert sim.transmitted == []
    send_text(modem, "+79161234567", "test")
    assert sim.texts() == ["test"]


def test_delayed_prompt_within_timeout_is_fine(sim, modem):
    sim.prompt_delay = 0.8
    send_text(modem, "+79161234567", "late prompt")
    assert sim.texts() == ["late prompt"]


def test_prompt_that_never_comes_times_out_safely(sim, modem):
    sim.prompt_delay = 0.8
    modem.prompt_timeout = 0.4
    with pytest.raises(ModemTimeout):
        send_text(modem, "+79161234567", "never")
    deadline = time.monotonic() + 6
    while modem.events.get(timeout=6).line != "OK":  # the cancelled submit's own OK, unclaimed
        assert time.monotonic() < deadline
    assert sim.transmitted == []
    modem.prompt_timeout = 2
    assert modem.signal()[0] == 20  # the late prompt was cancelled with ESC; the line is clean


def test_no_credit_is_reported_in_russian(sim, modem):
    sim.no_credit = True
    with pytest.raises(CmsError) as err:
        send_text(modem, "+79161234567", "x")
    assert err.value.code == 21 and err.value.kind == "account"
    assert "баланс" in err.value.reason_ru


def test_sim_missing_and_pin(sim, modem):
    sim.pin_required = True
    assert modem.sim_status() == "SIM PIN"
    with pytest.raises(CmsError) as err:
        send_text(modem, "+79161234567", "x")
    assert err.value.code == 311 and "PIN" in err.value.reason_ru
    sim.pin_required = False
    sim.sim_inserted = False
    assert modem.sim_status() == "NOT INSERTED"


def test_delivery_report_quotes_the_message_reference(sim, modem):
    (mr,) = send_text(modem, "+79161234567", "report me", report=True)
    ev = wait_event(modem, "status_report")
    report = pdu.decode(ev.pdu)
    assert (report.reference, report.number, report.delivered) == (mr, "+79161234567", True)


def test_delivery_report_stored_on_the_sim_cdsi(sim, modem):
    sim.cnmi_ds = 2  # modems that store reports and say +CDSI: "SM",n
    (mr,) = send_text(modem, "+79161234567", "report me", report=True)
    ev = wait_event(modem, "report_stored")
    report = pdu.decode(modem.read_message(ev.index).pdu)
    assert (report.kind, report.reference) == ("status-report", mr)


def test_echo_comes_back_after_a_reset_and_is_ignored(sim, modem):
    modem.command("ATZ")
    assert sim.echo is True
    assert modem.signal() == (20, -73)
    assert modem.operator() == "MegaFon"


def test_incoming_call_with_caller_id(sim, modem):
    sim.ring("+79031112233", times=2, interval=0.05)
    assert wait_event(modem, "ring")
    ev = wait_event(modem, "caller_id")
    assert ev.number == "+79031112233"


def test_storage_full_holds_messages_until_space_is_freed(sim, modem):
    sim.storage_size = 2
    sim.inject_sms("+79030000001", "one")
    sim.inject_sms("+79030000002", "two")
    sim.inject_sms("+79030000003", "three")
    assert len(sim.network_queue) == 1
    if sim.profile_name == "huawei":
        assert wait_event(modem, "storage_full").mem == "SM"
    assert modem.storage() == (2, 2)
    stored = modem.list_messages()
    assert [pdu.decode(m.pdu).text for m in stored] == ["one", "two"]
    modem.delete_message(stored[0].index)
    ev = wait_event(modem, "sms_stored")
    assert pdu.decode(modem.read_message(ev.index).pdu).text == "three"


def test_message_in_modem_memory_me(sim, modem):
    if sim.profile_name == "wavecom":
        with pytest.raises(CmsError):
            modem.list_messages(mem="ME")
        return
    when = datetime(2026, 11, 22, 15, 4, 5, tzinfo=timezone(timedelta(hours=3)))
    sim.inject_pdu(pdu.encode_deliver("+79035556677", "в памяти модема", when)[0], mem="ME")
    ev = wait_event(modem, "sms_stored")
    assert (ev.mem, ev.index) == ("ME", 1)
    assert pdu.decode(modem.read_message(ev.index, ev.mem).pdu).text == "в памяти модема"
    modem.delete_message(ev.index, ev.mem)
    assert sim.me_storage == {} and modem.list_messages(mem="SM") == []


def test_multipart_reply_out_of_order_lists_every_part(sim, modem):
    text = "Спасибо, заберу завтра после обеда. " * 3
    sim.inject_sms("+79035556677", text, order=[2, 1], concat_ref=77)
    parts = sorted((pdu.decode(m.pdu) for m in modem.list_messages()), key=lambda s: s.concat.seq)
    assert [p.concat.seq for p in parts] == [1, 2] and parts[0].concat.reference == 77
    assert "".join(p.text for p in parts) == text


def test_unplug_raises_modem_gone_and_watchdog_reopens_after_replug(sim):
    changes = []
    wd = ModemWatchdog(sim.port, reopen_interval=0, ping_interval=0.2, ping_timeout=0.5,
                       modem_kwargs=dict(command_timeout=1, reset_timeout=1),
                       on_change=lambda up, why: changes.append((up, why)))
    try:
        assert wd.tick() is not None and changes == [(True, "модем на связи")]
        sim.unplug()
        deadline = time.monotonic() + 5
        while wd.tick() is not None:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert changes[-1][0] is False
        assert wd.tick() is None  # node still missing
        assert "не найден" in wd.last_error
        sim.replug()
        m = wd.tick()
        assert m is not None and changes[-1] == (True, "модем на связи")
        send_text(m, "+79161234567", "after replug")
        assert sim.texts() == ["after replug"]
    finally:
        wd.close()


def test_watchdog_notices_a_modem_that_stops_answering(sim):
    changes = []
    wd = ModemWatchdog(sim.port, reopen_interval=0, ping_interval=0, ping_timeout=0.3, ping_failures=2,
                       modem_kwargs=dict(command_timeout=1, reset_timeout=1),
                       on_change=lambda up, why: changes.append((up, why)))
    try:
        assert wd.tick() is not None
        sim.mute = True
        wd.tick()
        assert wd.up
        wd.tick()
        assert changes[-1] == (False, "модем перестал отвечать")
        sim.mute = False
        assert wd.tick() is not None and wd.up
    finally:
        wd.close()


def test_port_dying_mid_send_is_uncertain_not_failed(sim, modem):
    sim.hold_send = threading.Event()
    threading.Timer(0.3, sim.unplug).start()
    with pytest.raises(SendUncertain):
        send_text(modem, "+79161234567", "lost in the air")
    sim.hold_send.set()
    assert sim.texts() == ["lost in the air"]  # it did go out: hence "uncertain"


def test_second_process_cannot_open_the_port(sim, modem):
    other = Modem(sim.port)
    with pytest.raises(ModemGone):
        other.open()


# --- exact bytes against a scripted peer ----------------------------------------

class Peer:
    """The other end of a raw pty, played by the test line by line."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)

    def expect(self, data: bytes, timeout=2.0):
        got = b""
        deadline = time.monotonic() + timeout
        while len(got) < len(data) and time.monotonic() < deadline:
            import select
            r, _, _ = select.select([self.master], [], [], 0.05)
            if r:
                got += os.read(self.master, len(data) - len(got))
        assert got == data
        return got

    def say(self, *chunks: bytes, gap=0.02):
        for c in chunks:
            os.write(self.master, c)
            time.sleep(gap)

    def close(self):
        os.close(self.master)
        os.close(self.slave)


def test_exact_bytes_of_a_send_with_echo_and_split_lines():
    peer = Peer()
    m = Modem(peer.path, command_timeout=2, prompt_timeout=2, send_timeout=2)
    m.open()
    try:
        (p,) = pdu.encode_submit("+27820001111", "Hello World!")
        result = {}
        t = threading.Thread(target=lambda: result.setdefault("mr", m.send_pdu(p)))
        t.start()
        peer.expect(b"AT+CMGS=24\r")
        peer.say(b"AT+CMGS=24\r", b"\r\n> ")                       # echo, then the prompt
        peer.expect(b"0001000B917228001011F100000CC8329BFD065DDF72363904\x1a")
        peer.say(b"\r\n+CMTI: \"SM\",", b"4\r\n", b"\r\n+CMGS: 1", b"7\r\n\r\nO", b"K\r\n")
        t.join(3)
        assert result["mr"] == 17
        ev = m.events.get(timeout=1)
        assert (ev.kind, ev.index) == ("sms_stored", 4)
    finally:
        m.close()
        peer.close()


def test_prompt_followed_by_a_line_end():
    peer = Peer()
    m = Modem(peer.path, command_timeout=2, prompt_timeout=2, send_timeout=2)
    m.open()
    try:
        (p,) = pdu.encode_submit("+27820001111", "Hello World!")
        result = {}
        t = threading.Thread(target=lambda: result.setdefault("mr", m.send_pdu(p)))
        t.start()
        peer.expect(b"AT+CMGS=24\r")
        peer.say(b"\r\n> \r\n")
        peer.expect(p.hex.encode() + b"\x1a")
        peer.say(b"\r\n+CMGS: 3\r\n\r\nOK\r\n")
        t.join(3)
        assert result["mr"] == 3
    finally:
        m.close()
        peer.close()


def test_timeout_carries_the_partial_reply():
    peer = Peer()
    m = Modem(peer.path, command_timeout=0.5)
    m.open()
    try:
        t = threading.Thread(target=lambda: (peer.expect(b"AT+CSQ\r"), peer.say(b"\r\n+CSQ: 17,99\r\n")))
        t.start()
        with pytest.raises(ModemTimeout) as err:
            m.command("AT+CSQ")
        assert err.value.partial == ["+CSQ: 17,99"]
        t.join()
    finally:
        m.close()
        peer.close()


def test_verbose_and_vendor_errors():
    peer = Peer()
    m = Modem(peer.path, command_timeout=1)
    m.open()
    try:
        for reply, kind in ((b"\r\nCOMMAND NOT SUPPORT\r\n", "device"), (b"\r\n+CME ERROR: 10\r\n", "device")):
            t = threading.Thread(target=lambda r=reply: (peer.expect(b"AT^X\r"), peer.say(r)))
            t.start()
            with pytest.raises(Exception) as err:
                m.command("AT^X")
            assert err.value.kind == kind
            t.join()
        assert "не вставлена" in err.value.reason_ru
    finally:
        m.close()
        peer.close()
