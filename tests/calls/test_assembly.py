"""AMI events -> rows -> calls: the sample transcripts, ring groups, duplicates, disorder, reconnects."""
import datetime as dt
from pathlib import Path

import pytest

from appliance import calls
from appliance.calls import callbacks
from db.models.calls import Callback, CallLeg, PbxEvent, PhoneCall
from db.models.notifications import Notification
from db.models.staff import Staff
from hardware.pbx import parse_packet

SAMPLES = Path(__file__).parent / "fixtures"  # copies of ../shared/samples/ami
T0 = dt.datetime(2026, 11, 20, 9, 0)


def sample(name):
    """A transcript from ../shared/samples/ami (dannielperez/pyfreepbx tests/fixtures/ami), CRLF kept."""
    text = (SAMPLES / name).read_bytes().decode()
    return [parse_packet(chunk) for chunk in text.split("\r\n\r\n") if chunk.strip()]


def at(msgs, start=T0, step=1.0):
    """Give packets PBX timestamps one `step` apart (Asterisk's timestampevents)."""
    for i, m in enumerate(msgs):
        m["Timestamp"] = f"{(start + dt.timedelta(seconds=i * step)).replace(tzinfo=dt.UTC).timestamp():.6f}"
    return msgs


def ev(name, **fields):
    msg = parse_packet(f"Event: {name}")
    for k, v in fields.items():
        msg[k] = v
    return msg


def inbound(lid, number, exts, answer=None, t=T0, ctx="from-pstn"):
    """A trunk call ringing a group: the events a FreePBX ring group produces."""
    out = [ev("Newchannel", Channel=f"PJSIP/trunk-{lid}", Uniqueid=lid, Linkedid=lid, Context=ctx,
              CallerIDNum=number, Exten="74951234567")]
    for i, ext in enumerate(exts):
        uid = f"{lid}.{i + 1}"
        out.append(ev("DialBegin", Channel=f"PJSIP/trunk-{lid}", Uniqueid=lid, Linkedid=lid,
                      DestChannel=f"PJSIP/{ext}-0000000{i}", DestUniqueid=uid, DestCallerIDNum=ext))
    for i, ext in enumerate(exts):
        uid = f"{lid}.{i + 1}"
        status = "ANSWER" if ext == answer else ("CANCEL" if answer else "NOANSWER")
        out.append(ev("DialEnd", Uniqueid=lid, Linkedid=lid, DestChannel=f"PJSIP/{ext}-0000000{i}",
                      DestUniqueid=uid, DialStatus=status))
        if ext != answer:
            out.append(ev("Hangup", Channel=f"PJSIP/{ext}-0000000{i}", Uniqueid=uid, Linkedid=lid,
                          Cause="26" if answer else "19"))
    out.append(ev("Hangup", Channel=f"PJSIP/trunk-{lid}", Uniqueid=lid, Linkedid=lid, Cause="16" if answer else "19"))
    return at(out, t)


def test_sample_answered_internal_call(db, desks):
    [call] = calls.ingest(at(sample("pyfreepbx_answered.txt")))
    assert (call.linkedid, call.direction, call.number, call.result, call.cause) == (
        "1781704172.3807878", "internal", "7001", "answered", 16)
    leg = CallLeg.get()
    assert (leg.extension, leg.status, leg.cause) == ("7002", "answered", 16)
    assert call.wait_s is not None and call.talk_s is not None


def test_sample_missed_internal_call_is_no_callback(db, desks):
    [call] = calls.ingest(at(sample("pyfreepbx_missed.txt")))
    assert (call.direction, call.result, call.cause) == ("internal", "missed", 21)
    assert CallLeg.get().status == "noanswer"
    assert not Callback.select().exists()


def test_sample_originate_is_an_outgoing_call_still_open(db, desks):
    [call] = calls.ingest(at(sample("pyfreepbx_originate.txt")))
    assert call.linkedid == "1781705347.3809591" and call.direction == "out" and call.ended_at is None


def test_ring_group_answered_by_one_is_no_missed_call_for_the_others(db, desks, car):
    customer, _ = car
    [call] = calls.ingest(inbound("500.1", "89161234567", ["101", "102", "103"], answer="102"))
    assert (call.direction, call.number, call.customer_id, call.result) == ("in", "+79161234567", customer.id,
                                                                             "answered")
    assert call.answered_by == desks["102"] and call.answered_ext == "102"
    statuses = {leg.extension: leg.status for leg in CallLeg.select()}
    assert statuses == {"101": "cancel", "102": "answered", "103": "cancel"}
    assert not Callback.select().exists()
    assert not Notification.select().where(Notification.kind == "missed_call").exists()


def test_missed_call_opens_a_callback_and_a_later_answered_call_closes_it(db, desks):
    calls.ingest(inbound("600.1", "+79035550101", ["101", "102"]))
    calls.ingest(inbound("600.2", "+79035550101", ["101", "102"], t=T0 + dt.timedelta(minutes=5)))
    entry = Callback.get(Callback.is_open)
    assert (entry.number, entry.attempts, entry.first_at) == ("+79035550101", 2, T0)
    note = Notification.get((Notification.kind == "missed_call") & Notification.is_open)
    assert note.key == "+79035550101" and note.priority == 10 and "без ответа — 2" in note.body
    calls.ingest(inbound("600.3", "+79035550101", ["101"], answer="101", t=T0 + dt.timedelta(minutes=30)))
    entry = Callback.get_by_id(entry.id)
    assert not entry.is_open and entry.reason == "дозвонился сам"
    assert not Notification.get_by_id(note.id).is_open


def test_duplicates_and_disorder_give_the_same_call(db, desks):
    events = inbound("700.1", "+79161112233", ["101", "102"], answer="101")
    shuffled = list(reversed(events)) + events  # every packet twice, the first time backwards
    calls.ingest(shuffled[:5])
    calls.ingest(shuffled[5:])
    assert PhoneCall.select().count() == 1 and PbxEvent.select().count() == len(events)
    call = PhoneCall.get()
    assert (call.result, call.answered_by, call.started_at) == ("answered", desks["101"], T0)
    assert CallLeg.select().count() == 2


def test_anonymous_and_strange_numbers(db, desks):
    calls.ingest(inbound("800.1", "<unknown>", ["101"]))
    calls.ingest(inbound("800.2", "+7 (916) 123-45-67", ["101"], t=T0 + dt.timedelta(seconds=50)))
    numbers = [c.number for c in PhoneCall.select().order_by(PhoneCall.started_at)]
    assert numbers == ["", "+79161234567"]
    assert [e.number for e in Callback.select()] == ["+79161234567"]


def test_calls_left_open_are_closed_after_a_reconnect(db, desks):
    events = inbound("900.1", "+79161234567", ["101", "102"], answer="101")
    calls.ingest(events[:-1])  # the PBX went away before the caller hung up
    assert PhoneCall.get().ended_at is None
    assert calls.close_open_calls(before=T0 + dt.timedelta(hours=1)) == 1
    call = PhoneCall.get()
    assert call.result == "answered" and call.ended_at is not None and "переподключ" in call.closed_note


@pytest.mark.clock
def test_callback_colour_by_target_window(db, desks):
    calls.ingest(inbound("950.1", "+79161234567", ["101"]))
    entry = Callback.get()
    assert callbacks.waiting(entry, T0 + dt.timedelta(minutes=10)).colour == "ok"
    assert callbacks.waiting(entry, T0 + dt.timedelta(minutes=40)).colour == "warn"
    assert callbacks.waiting(entry, T0 + dt.timedelta(days=1)).colour == "bad"


def test_closing_by_hand_needs_a_reason(db, desks, staff, time_machine):
    time_machine.move_to(T0.replace(tzinfo=dt.UTC) + dt.timedelta(hours=1))
    calls.ingest(inbound("960.1", "+79161234567", ["101"]))
    entry = Callback.get()
    with pytest.raises(Exception) as err:
        callbacks.close_by_hand(entry.id, staff["manager"], "")
    assert "почему" in str(err.value.message)
    callbacks.close_by_hand(entry.id, staff["manager"], "купил в другом месте")
    assert not Callback.get_by_id(entry.id).is_open
    calls.ingest(inbound("960.2", "+79161234567", ["101"], t=T0 + dt.timedelta(hours=2)))
    assert Callback.get(Callback.is_open).attempts == 1


def test_modem_caller_id_feeds_the_same_call_model(db, desks, car):
    from appliance.sms import outbox

    customer, _ = car
    outbox.record_call("+79161234567", T0, T0 + dt.timedelta(seconds=20), rings=3)
    call = PhoneCall.get()
    assert (call.source, call.direction, call.result, call.customer_id) == ("modem", "in", "missed", customer.id)
    assert Callback.get(Callback.is_open).attempts == 1
    calls.ingest(inbound("970.1", "+79161234567", ["101"], answer="101", t=T0 + dt.timedelta(minutes=3)))
    assert not Callback.select().where(Callback.is_open).exists()


def test_demo_has_months_of_calls_and_open_callbacks(demo_db):
    assert PhoneCall.select().count() > 500
    first = PhoneCall.select().order_by(PhoneCall.started_at).first()
    assert (PhoneCall.select().order_by(PhoneCall.started_at.desc()).first().started_at - first.started_at).days > 90
    assert Staff.select().where(Staff.extension != "").count() >= 4
    assert PhoneCall.select().where(PhoneCall.source == "modem").exists()  # the SMS demo's caller IDs


def test_queue_member_through_local_channels_answers_via_agentconnect(db, desks):
    """FreePBX queues dial members as Local/<ext>@from-queue: the member's extension is read from it."""
    lid = "980.1"
    events = at([
        ev("Newchannel", Channel="PJSIP/trunk-1", Uniqueid=lid, Linkedid=lid, Context="from-trunk",
           CallerIDNum="89161234567", Exten="400"),
        ev("DialBegin", Uniqueid=lid, Linkedid=lid, DestChannel="Local/101@from-queue-0001;1", DestUniqueid="980.2"),
        ev("DialBegin", Uniqueid=lid, Linkedid=lid, DestChannel="Local/102@from-queue-0002;1", DestUniqueid="980.3"),
        ev("AgentConnect", Uniqueid=lid, Linkedid=lid, DestChannel="Local/102@from-queue-0002;1", DestUniqueid="980.3",
           MemberName="Петров", Interface="Local/102@from-queue/n"),
        ev("DialEnd", Uniqueid=lid, Linkedid=lid, DestChannel="Local/101@from-queue-0001;1", DestUniqueid="980.2",
           DialStatus="CANCEL"),
        ev("Hangup", Uniqueid=lid, Linkedid=lid, Channel="PJSIP/trunk-1", Cause="16"),
    ])
    [call] = calls.ingest(events)
    assert (call.direction, call.number, call.result, call.answered_by) == ("in", "+79161234567", "answered",
                                                                             desks["102"])
    assert not Callback.select().exists()


@pytest.mark.parametrize("raw, stored", [("89161234567", "+79161234567"), ("+79161234567", "+79161234567"),
                                         ("9161234567", "+79161234567"), ("105", "105"), ("anonymous", ""),
                                         ("", ""), ("12345678901234567", "12345678901234567")])
def test_caller_numbers_in_strange_formats(settings, raw, stored):
    assert calls.clean_number(raw) == stored


def test_dialplan_noise_is_not_stored_but_the_recording_name_is(db, desks):
    events = inbound("990.1", "+79161234567", ["101"], answer="101")
    noise = [ev("Newexten", Uniqueid="990.1", Linkedid="990.1", Application="Set", AppData="x=1"),
             ev("VarSet", Uniqueid="990.1", Linkedid="990.1", Variable="DIALSTATUS", Value="ANSWER"),
             ev("Newexten", Uniqueid="990.1", Linkedid="990.1", Application="MixMonitor",
                AppData="in-101-990.wav,b"),
             ev("RTCPSent", Uniqueid="990.1", Linkedid="990.1")]
    [call] = calls.ingest(events[:2] + noise + events[2:])
    assert call.recording == "in-101-990.wav"
    assert PbxEvent.select().count() == len(events) + 1
