"""kill -9 of the real `prilavok devices` process mid-send, against the pty simulator
held by the test: nothing lost, nothing sent twice, the interrupted SMS `uncertain`."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from appliance import sms
from db import database
from db.models.sms import SmsMessage
from hardware.sim.modem_sim import ModemSim

ROOT = Path(__file__).resolve().parents[2]

LONG = ("Здравствуйте! Ваш заказ №4711 пришёл: колодки тормозные передние и диски на Chery Tiggo 7 Pro. "
        "Сумма к оплате 12 350 ₽. Ждём вас до 20:00, Автозапчасти Китай-Сервис.")


def wait_for(cond, timeout=30.0, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def start_devices(settings, port, log_path):
    env = dict(os.environ)
    env.update({
        "PRILAVOK_APP_DATA_DIR": str(settings.var_dir), "PRILAVOK_CONFIG": str(settings.var_dir / "none.ini"),
        "PRILAVOK_MODEM_PORT": port, "PRILAVOK_MODEM_SEND_INTERVAL_SECONDS": "0",
        "PRILAVOK_MODEM_TICK_SECONDS": "0.1", "PRILAVOK_MODEM_REOPEN_INTERVAL_SECONDS": "0.5",
        "PRILAVOK_MODEM_SEND_TIMEOUT_SECONDS": "60", "PYTHONPATH": str(ROOT),
    })
    log = open(log_path, "ab")
    return subprocess.Popen([sys.executable, "-m", "appliance.cli", "devices"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def statuses():
    database.close()  # see the other process's commits
    return {m.text: m.status for m in SmsMessage.select().where(SmsMessage.direction == "out")}


@pytest.fixture
def sim(tmp_path):
    s = ModemSim(str(tmp_path / "ttyUSB-modem"), "simcom", seed=5, report_delay=0.05).start()
    yield s
    if s.hold_send is not None:
        s.hold_send.set()
    s.unplug()


def test_kill_9_mid_send_then_restart(db, settings, sim, tmp_path):
    with database.atomic():
        sms.queue_sms(phone="+79161234567", text="Первое: заказ пришёл")
        sms.queue_sms(phone="+79035556677", text=LONG)
        sms.queue_sms(phone="+79261112233", text="Третье: ждём вас")
    sim.hold_send = threading.Event()  # the modem takes the first PDU and says nothing yet
    proc = start_devices(settings, sim.port, tmp_path / "devices.log")
    try:
        wait_for(lambda: len(sim.sent_parts) == 1, what="the first PDU on the air")
        wait_for(lambda: statuses()["Первое: заказ пришёл"] == "sending", what="status sending")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert statuses() == {"Первое: заказ пришёл": "sending", LONG: "queued", "Третье: ждём вас": "queued"}
    # The late +CMGS goes into the void; a reply arrives while nobody listens.
    sim.hold_send.set()
    sim.hold_send = None
    sim.inject_sms("+79161234567", "Спасибо, заберу завтра")

    proc = start_devices(settings, sim.port, tmp_path / "devices.log")
    try:
        wait_for(lambda: statuses()[LONG] in ("sent", "delivered") and statuses()["Третье: ждём вас"]
                 in ("sent", "delivered"), what="the rest sent after restart")
        wait_for(lambda: SmsMessage.select().where(SmsMessage.direction == "in").exists(), what="the reply")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    final = statuses()
    assert final["Первое: заказ пришёл"] == "uncertain"
    first = SmsMessage.get(SmsMessage.text == "Первое: заказ пришёл")
    assert "могло уйти" in first.last_error
    # Every text went out exactly once; the multipart Cyrillic one whole.
    assert sorted(sim.texts()) == sorted(["Первое: заказ пришёл", LONG, "Третье: ждём вас"])
    assert [t for t in sim.transmitted if t.text == LONG][0].parts == 3
    reply = SmsMessage.get(SmsMessage.direction == "in")
    assert (reply.phone, reply.text) == ("+79161234567", "Спасибо, заберу завтра")
    assert sim.storage == {}


def test_kill_9_between_parts_of_a_multipart(db, settings, sim, tmp_path):
    with database.atomic():
        sms.queue_sms(phone="+79035556677", text=LONG)
    original = sim._handle_pdu
    seen = {"n": 0}

    def slow_second(length, hexpdu):
        seen["n"] += 1
        if seen["n"] == 2:
            sim.hold_send = threading.Event()
        return original(length, hexpdu)
    sim._handle_pdu = slow_second
    proc = start_devices(settings, sim.port, tmp_path / "devices.log")
    try:
        wait_for(lambda: len(sim.sent_parts) == 2, what="two parts on the air")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    sim.hold_send.set()
    sim.hold_send = None
    proc = start_devices(settings, sim.port, tmp_path / "devices.log")
    try:
        wait_for(lambda: statuses()[LONG] == "uncertain", what="uncertain after restart")
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    msg = SmsMessage.get(SmsMessage.text == LONG)
    parts = msg.parts
    assert parts[0]["mr"] is not None and parts[1]["mr"] is None and parts[1].get("try")
    assert len(sim.sent_parts) == 2  # the third part was not sent blindly after the restart
