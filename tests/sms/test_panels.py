"""What the devices page and the SMS log show, as the sms area computes it (moved out of the views)."""
import pytest

from appliance import sms, status
from appliance.sms import outbox
from db.models.sms import ModemStatus, SmsMessage, SmsTemplate


@pytest.mark.parametrize(("rssi", "bars"), [(None, 0), (0, 1), (9, 1), (10, 2), (14, 2), (15, 3), (19, 3),
                                            (20, 4), (31, 4)])
def test_signal_bars(rssi, bars):
    assert outbox.signal_bars(rssi) == bars


def _queue(n_queued=0, n_sending=0, n_uncertain=0, n_failed=0, n_in=0):
    for state, n in (("queued", n_queued), ("sending", n_sending), ("uncertain", n_uncertain), ("failed", n_failed)):
        for _ in range(n):
            msg = sms.queue_sms(phone="+79161234567", text="x")
            SmsMessage.update(status=state).where(SmsMessage.id == msg.id).execute()
    for _ in range(n_in):
        msg = sms.queue_sms(phone="+79161234567", text="ответ")
        SmsMessage.update(direction="in", status="uncertain").where(SmsMessage.id == msg.id).execute()


def test_modem_panel_counts_the_outbox_and_reads_the_signal(db):
    status.beat("devices")
    ModemStatus.update(up=True, signal_rssi=9).where(ModemStatus.id == 1).execute()
    _queue(n_queued=2, n_sending=1, n_uncertain=1, n_failed=3, n_in=2)
    panel = outbox.modem_panel()
    assert (panel.queued, panel.uncertain, panel.failed) == (3, 1, 3)  # incoming SMS are not the outbox
    assert panel.bars == 1 and panel.weak and panel.process_alive and panel.row.up
    ModemStatus.update(signal_rssi=25).where(ModemStatus.id == 1).execute()
    assert not outbox.modem_panel().weak


def test_modem_panel_before_the_modem_ever_answered(db):
    ModemStatus.delete().execute()
    panel = outbox.modem_panel()
    assert panel.row.signal_rssi is None and panel.bars == 0 and not panel.weak and not panel.process_alive
    assert panel.simulated == (panel.port_setting == "sim")
    assert ModemStatus.select().count() == 0  # looking does not write


def test_sms_log_counts(db):
    sms.opt_out("+79031112233", None, source="staff")
    _queue(n_uncertain=2, n_failed=1)
    assert sms.log_counts() == sms.LogCounts(opted_out=1, uncertain=2)


def test_templates_in_order_and_the_probe_text(db):
    assert [t.id for t in sms.templates()] == sorted(t.id for t in SmsTemplate.select())
    assert sms.probe_text() == sms.render(sms.template("test").body)
    SmsTemplate.delete().where(SmsTemplate.code == "test").execute()
    assert sms.probe_text() == ""
