"""The AMI client against the simulator over a real TCP socket (and the protocol bits alone)."""
import socket
import threading
import time

import pytest

from hardware.pbx import (
    AmiClient,
    AmiConnection,
    AmiTimeout,
    LoginRefused,
    Message,
    backoff_delays,
    encode_action,
    parse_packet,
    parse_url,
)
from hardware.sim.pbx_sim import PbxSim


@pytest.fixture
def sim():
    s = PbxSim(registered=("101", "102", "103")).start()
    yield s
    s.stop()


def wait(cond, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_keys_are_case_insensitive_and_packets_parse():
    msg = parse_packet("Response: Success\r\nActionId: 7\r\nMessage: Authentication accepted\r\n")
    assert msg["ActionID"] == "7" and msg.get("actionid") == "7" and "MESSAGE" in msg
    assert Message({"Event": "Hangup"}).event == "Hangup"


def test_action_encoding_and_refusal_of_line_breaks():
    data = encode_action("Originate", "a1", {"Channel": "Local/101@from-internal", "Async": "true"})
    assert data == b"Action: Originate\r\nActionID: a1\r\nChannel: Local/101@from-internal\r\nAsync: true\r\n\r\n"
    with pytest.raises(ValueError):
        encode_action("Originate", "a2", {"Exten": "1\r\nAction: Command"})


def test_url_never_shows_the_secret():
    url = parse_url("ami://crm:s3cr%40t@10.0.0.5")
    assert (url.host, url.port, url.username, url.secret) == ("10.0.0.5", 5038, "crm", "s3cr@t")
    assert "s3cr" not in str(url)


def test_backoff_doubles_and_is_capped_at_60_seconds():
    gen = backoff_delays(1.0)
    assert [next(gen) for _ in range(9)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_login_ping_and_events(sim):
    events = []
    conn = AmiConnection(parse_url(sim.url), on_event=events.append)
    conn.connect()
    assert conn.banner.startswith("Asterisk Call Manager")
    conn.ping(2)
    sim.missed("+79161234567", ["101"])
    wait(lambda: any(e.event == "Hangup" and e["uniqueid"] == e["linkedid"] for e in events))
    assert [e.event for e in events if e.event in ("DialBegin", "DialEnd")] == ["DialBegin", "DialEnd"]
    conn.close()


def test_wrong_secret_is_refused(sim):
    url = parse_url(sim.url.replace("sim-secret", "wrong"))
    with pytest.raises(LoginRefused) as err:
        AmiConnection(url).connect()
    assert "wrong" not in str(err.value)


def test_silent_pbx_times_out(sim):
    conn = AmiConnection(parse_url(sim.url))
    conn.connect()
    sim.mute = True
    with pytest.raises(AmiTimeout):
        conn.ping(0.3)
    conn.close()


def test_originate_success_and_failure_come_as_events_with_the_action_id(sim):
    events = []
    conn = AmiConnection(parse_url(sim.url), on_event=events.append)
    conn.connect()
    ok = conn.action("Originate", Channel="Local/101@from-internal", Context="from-internal", Exten="89161234567",
                     Priority=1, Async="true", ActionID="c2c-ok")
    bad = conn.action("Originate", Channel="Local/109@from-internal", Context="from-internal", Exten="89161234567",
                      Priority=1, Async="true", ActionID="c2c-bad")
    assert ok["response"] == bad["response"] == "Success"
    wait(lambda: len([e for e in events if e.event == "OriginateResponse"]) == 2)
    replies = {e["actionid"]: e["response"] for e in events if e.event == "OriginateResponse"}
    assert replies == {"c2c-ok": "Success", "c2c-bad": "Failure"}
    conn.close()


def test_client_reconnects_after_the_pbx_restarts_and_after_a_half_open_link(sim):
    states = []
    client = AmiClient(sim.url, on_state=lambda up, why: states.append(up), ping_interval=0.2, ping_timeout=0.3,
                       backoff_first=0.05).start()
    try:
        wait(lambda: client.up)
        sim.drop_all()
        wait(lambda: client.connects == 2 and client.up)
        sim.mute = True  # half-open: the socket stays, nothing answers
        wait(lambda: not client.up)
        sim.mute = False
        wait(lambda: client.connects >= 3 and client.up)
        assert states[:3] == [True, False, True]
    finally:
        client.stop()


def test_refused_login_keeps_retrying_with_a_clear_reason(sim):
    sim.refuse_logins = True
    reasons = []
    client = AmiClient(sim.url, on_state=lambda up, why: reasons.append(why), backoff_first=0.05).start()
    try:
        wait(lambda: len(reasons) >= 2)
        assert "не приняла вход" in reasons[0] and "sim-secret" not in reasons[0]
        sim.refuse_logins = False
        wait(lambda: client.up)
    finally:
        client.stop()


def test_unreachable_pbx_is_reported():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    reasons = []
    done = threading.Event()
    client = AmiClient(f"ami://u:p@127.0.0.1:{port}", on_state=lambda up, why: (reasons.append(why), done.set()),
                       backoff_first=0.05).start()
    try:
        assert done.wait(5)
        assert "нет связи с АТС" in reasons[0]
    finally:
        client.stop()
