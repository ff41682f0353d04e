"""Replies as the modem brings them: matched to the request, parsed, called back, sorted out."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from appliance import customers, sms
from appliance.cli import main as cli_main
from appliance.customers import PhoneInput
from appliance.errors import InputError
from appliance.permissions import PermissionDenied
from appliance.ratings import callbacks, replies, requests
from appliance.sms import outbox
from db import write_transaction
from db.models.audit import AuditEntry
from db.models.notifications import Notification
from db.models.ratings import RatingCallback, RatingReply, RatingRequest
from db.models.sms import SmsMessage
from hardware.modem import pdu
from tests.ratings.conftest import NOON, msk

pytestmark = pytest.mark.clock

TODAY = dt.date(2026, 11, 24)
SALE = ("ЧК-000501", "23.11.2026 15:20", "8 916 123-45-67", "Ковалёв Андрей", "Соколова Анна Сергеевна", "2 300,00")
PHONE = "+79161234567"


@pytest.fixture
def asked(shop_clock, modem_up, buyer, managers, import_sales):
    """Yesterday's sale by Соколова; today's request SMS went out at 12:00."""
    import_sales([SALE])
    assert requests.send_due().queued == 1
    with write_transaction():
        SmsMessage.update(status="sent", sent_at=NOON.replace(tzinfo=None)).where(SmsMessage.direction == "out").execute()
    return RatingRequest.get()


def reply(text: str, sender: str = PHONE, concat_ref: int = 0) -> SmsMessage | None:
    """The customer's SMS as the modem stores it, through the outbox's own path (store -> events.offer)."""
    msg = None
    for part in pdu.encode_deliver(sender, text, dt.datetime.now(dt.UTC), concat_ref=concat_ref):
        msg = outbox.store_pdu(part) or msg
    return msg


def fresh(req) -> RatingRequest:
    return RatingRequest.get_by_id(req.id)


def test_ratings_read_replies_before_the_counter():
    from appliance import events

    assert events.SUBSCRIBERS["sms_received"][0] == "appliance.ratings.replies:on_sms_received"


def test_low_score_is_called_back_by_another_manager(asked, managers, staff):
    msg = reply("7, долго ждал заказ")
    req = fresh(asked)
    assert (req.score, req.comment, req.status) == (7, "долго ждал заказ", "answered")
    rep = RatingReply.get()
    assert (rep.message_id, rep.text, rep.state) == (msg.id, "7, долго ждал заказ", "applied")
    cb = RatingCallback.get()
    assert cb.assignee_id != staff["manager"].id and cb.assignee.role == "manager" and cb.status == "open"
    note = Notification.get(Notification.kind == "low_rating")
    assert note.priority == callbacks.HIGH_PRIORITY and note.audience_person_id == cb.assignee_id
    assert note.title == "Оценка 7 от Ковалёв Андрей Петрович"
    assert "долго ждал заказ" in note.body and cb.assignee.full_name in note.body


def test_good_score_no_call_back(asked):
    reply("10 спасибо!")
    assert fresh(asked).score == 10 and RatingCallback.select().count() == 0


def test_reply_from_an_unknown_number_goes_on_to_the_counter(asked):
    msg = reply("10", sender="+79035550000")
    assert replies.on_sms_received(msg) is False
    assert RatingReply.select().count() == 0 and fresh(asked).status == "queued"


def test_reply_after_the_window_is_not_a_rating(asked, shop_clock, staff):
    shop_clock.move_to(msk(TODAY + dt.timedelta(days=3), "12:01"))  # 72 h and a minute after the SMS
    msg = reply("9")
    assert replies.on_sms_received(msg) is False
    assert RatingReply.select().count() == 0 and fresh(asked).score is None
    # visible on «Разобрать»; a person may take it as the answer after all
    [late] = replies.late_replies()
    assert (late.message.id, late.request.id) == (msg.id, asked.id)
    with pytest.raises(PermissionDenied):
        replies.accept_late(msg, staff["mechanic"])
    replies.accept_late(msg, staff["manager"])
    assert fresh(asked).score == 9 and replies.late_replies() == []
    with pytest.raises(InputError, match="уже не ответ"):
        replies.accept_late(msg, staff["manager"])


def test_multipart_reply_is_read_whole(asked):
    text = "9. " + "Менеджер Анна подобрала аналог, всё объяснила, спасибо! " * 4
    assert len(pdu.encode_deliver(PHONE, text, dt.datetime.now(dt.UTC), concat_ref=7)) > 1
    reply(text, concat_ref=7)
    req = fresh(asked)
    assert req.score == 9 and req.comment.startswith("Менеджер Анна") and RatingReply.select().count() == 1


def test_transliterated_reply(asked):
    reply("desyat, vse super")
    assert fresh(asked).score == 10


def test_stop_is_an_opt_out_not_a_score(asked):
    reply("СТОП")
    assert sms.is_opted_out(PHONE)
    req = fresh(asked)
    assert req.status == "opted_out" and req.score is None and RatingReply.get().state == "opt_out"


def test_unreadable_reply_waits_for_a_person(asked, staff):
    reply("заеду в 14:45")
    req = fresh(asked)
    assert req.status == "review" and req.score is None
    note = Notification.get(Notification.kind == "reminder")
    assert note.priority == 50 and note.url == "/ratings/review" and "разобрать 1" in note.title
    [rep] = replies.review_queue()
    assert "14:45" in rep.reason
    with pytest.raises(PermissionDenied):
        replies.decide(rep, replies.Decision("not_score"), staff["mechanic"])
    replies.decide(rep, replies.Decision("not_score"), staff["manager"])
    assert fresh(asked).status == "not_score" and replies.review_queue() == []
    assert Notification.get_by_id(note.id).resolved_at is not None
    assert AuditEntry.select().where(AuditEntry.action == "ratings.review").count() == 1


def test_bare_five_is_five_until_a_person_makes_it_ten(asked, staff):
    reply("5")
    req = fresh(asked)
    assert (req.score, req.flagged) == (5, True) and RatingCallback.select().count() == 0
    [rep] = replies.review_queue()
    replies.decide(rep, replies.Decision("ten"), staff["manager"])
    req = fresh(asked)
    assert (req.score, req.flagged) == (10, False) and RatingCallback.select().count() == 0
    with pytest.raises(InputError, match="уже разобран"):
        replies.decide(rep, replies.Decision("ten"), staff["manager"])


def test_bare_five_kept_is_called_back(asked, staff):
    reply("пять")
    replies.decide(replies.review_queue()[0], replies.Decision("keep"), staff["owner"])
    assert fresh(asked).score == 5 and RatingCallback.select().count() == 1


def test_second_reply_changes_the_score_only_through_the_queue(asked, staff):
    reply("10")
    reply("Хотя нет, 6. Колодки скрипят")
    assert fresh(asked).score == 10
    [rep] = replies.review_queue()
    assert rep.reason.startswith("второй ответ") and rep.parsed_score == 6
    with pytest.raises(InputError, match="от 1 до 10"):
        replies.decide(rep, replies.Decision("score", "11"), staff["manager"])
    replies.decide(rep, replies.Decision("score", "6"), staff["manager"])
    assert fresh(asked).score == 6 and RatingCallback.select().count() == 1
    # a second reply with no number is a question for the counter, not a rating
    third = reply("А когда будут свечи?")
    assert replies.on_sms_received(third) is False


def test_call_backs_go_round_robin_to_managers_not_rated(asked, managers, staff, import_sales, shop_clock):
    reply("3")  # rated: Соколова; the first other manager calls
    first = RatingCallback.get().assignee
    # a second customer, rated: Петров, the last one to call: the turn goes on to Кузьмина
    other = customers.create_customer("Смирнова Ольга", [PhoneInput("+7 926 555-44-33")], staff["manager"])
    import_sales([("ЧК-000777", "23.11.2026 12:00", "8 926 555-44-33", "Смирнова", "Петров Илья Андреевич", "100,00")])
    assert requests.send_due().queued == 1
    with write_transaction():
        SmsMessage.update(status="sent", sent_at=NOON.replace(tzinfo=None)).where(SmsMessage.status == "queued").execute()
    reply("4", sender="+79265554433")
    second = RatingCallback.get(RatingCallback.request == RatingRequest.get(RatingRequest.customer == other))
    assert (first.username, second.assignee.username) == ("petrov", "kuzmina")


def test_call_back_outcome_with_a_reason_from_the_list(asked, staff):
    reply("6")
    cb = RatingCallback.get()
    with pytest.raises(InputError, match="причину из списка"):
        callbacks.complete(cb, staff["manager"], "погода", "")
    with pytest.raises(PermissionDenied):
        callbacks.complete(cb, staff["mechanic"], "срок заказа", "")
    callbacks.complete(cb, staff["manager"], "срок заказа", "Извинились, дали скидку")
    cb = RatingCallback.get()
    assert (cb.status, cb.reason, cb.done_by_id) == ("done", "срок заказа", staff["manager"].id)
    assert Notification.get(Notification.kind == "low_rating").resolved_at is not None
    callbacks.set_reasons("срок заказа\nхамство\n", staff["owner"])
    assert callbacks.reasons() == ["срок заказа", "хамство"]
    with pytest.raises(PermissionDenied):
        callbacks.set_reasons("цена", staff["manager"])


def test_report_json_lists_replies_with_parse_and_correction(asked, staff, capsys):
    reply("5")
    replies.decide(replies.review_queue()[0], replies.Decision("ten"), staff["manager"])
    assert cli_main(["ratings", "report", "--from", "01.11.2026", "--to", "30.11.2026", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["replies"]
    assert row["score"] == 10 and row["customer"] == "Ковалёв Андрей Петрович"
    [r] = row["replies"]
    assert (r["text"], r["parsed_score"], r["needs_person"], r["decision"], r["decided_score"], r["decided_by"]) == (
        "5", 5.0, True, "ten", 10.0, "Соколова Анна Сергеевна")
