"""Matching goods receipts to waiting order lines, and the one "your order arrived" SMS."""
from __future__ import annotations

import datetime as dt

import pytest

from appliance import events
from appliance.clock import local_today
from appliance.orders import arrival, orders
from appliance.orders.orders import LineInput
from db.models.notifications import Notification
from db.models.orders import OrderLine, ReceiptMatch
from db.models.sms import SmsMessage

pytestmark = pytest.mark.clock  # rules that count days and hours: run at four instants


def _status(order) -> list[str]:
    return [ln.status for ln in orders.lines_of(orders.get(order.id))]


def _promise(days: int) -> str:
    return (local_today() + dt.timedelta(days=days)).isoformat()


def test_receipt_through_the_event_bus_marks_lines_and_queues_one_sms(make_order, receipt, staff):
    order = make_order(LineInput("A11-3707110CA", "Chery", "Свеча зажигания", 4, "450"),
                       LineInput("T11-3502080", "CHERY", "Колодки", 1, "1500"), prepayment="500")
    orders.mark_ordered([order], staff["manager"], "AC-77")
    first = receipt(("a11 3707110ca", "CHERY", 4))  # spelled the way 1C spells it
    events.publish("goods_arrived", receipt=first)
    assert _status(order) == ["arrived", "ordered"]
    assert SmsMessage.select().count() == 0  # the customer waits for both lines
    second = receipt(("T11-3502080", "CHERY", 1))
    events.publish("goods_arrived", receipt=second)
    order = orders.get(order.id)
    assert order.status == "arrived" and order.shelf_place == "1"
    messages = list(SmsMessage.select())
    assert len(messages) == 1
    text = messages[0].text
    assert f"заказ №{order.id} пришёл" in text and "Андрей Петрович" in text
    assert "Сумма к оплате 2\u00a0800 ₽" in text  # 4 × 450 + 1 500 − 500 prepaid
    assert messages[0].phone == "+79161234567" and messages[0].status == "queued"
    # The same receipt published again (1C re-sent it), and a manual "send SMS": never twice.
    events.publish("goods_arrived", receipt=second)
    assert arrival.send_arrival_sms(orders.get(order.id)) is None
    assert SmsMessage.select().count() == 1
    assert Notification.select().where(Notification.key.contains(":slips")).count() == 2


def test_oldest_promise_gets_the_part_first(make_order, receipt, customer, staff):
    later = make_order(LineInput("B14-1234", "GEELY", "Фильтр", 1), promised=_promise(6))
    sooner = make_order(LineInput("B14-1234", "GEELY", "Фильтр", 1), promised=_promise(2))
    result = arrival.on_goods_arrived(receipt(("B14-1234", "GEELY", 1)))
    assert [ln.order_id for ln in result.arrived] == [sooner.id]
    assert _status(later) == ["new"] and not result.matches


def test_tie_between_orders_promised_the_same_day_goes_to_a_person(make_order, receipt):
    a = make_order(LineInput("B14-1234", "GEELY", "Фильтр", 1), promised=_promise(3))
    b = make_order(LineInput("B14-1234", "GEELY", "Фильтр", 1), promised=_promise(3))
    result = arrival.on_goods_arrived(receipt(("B14-1234", "GEELY", 1)))
    assert not result.arrived
    (match,) = result.matches
    assert match.kind == "ambiguous" and "кому отдать" in match.reason
    assert set(match.candidate_ids) == {orders.lines_of(a)[0].id, orders.lines_of(b)[0].id}
    assert _status(a) == _status(b) == ["new"]
    problem = Notification.get(Notification.key == f"arrival:{result.arrival.id}:matches")
    assert problem.kind == "order_problem" and problem.is_open
    # A person decides: the part goes to order b; the notification closes with the last decision.
    arrival.resolve_match(match, [orders.lines_of(b)[0].id], None)
    assert _status(b) == ["arrived"] and _status(a) == ["new"]
    assert not Notification.get_by_id(problem.id).is_open


def test_partial_quantity_and_other_brand_are_not_guessed(make_order, receipt):
    order = make_order(LineInput("C22-777", "HAVAL", "Амортизатор", 2))
    result = arrival.on_goods_arrived(receipt(("C22-777", "HAVAL", 1), ("C22-777", "BOSCH", 2)))
    kinds = sorted((m.kind, m.qty, m.brand) for m in result.matches)
    assert kinds == [("ambiguous", 1, "HAVAL"), ("ambiguous", 2, "BOSCH")]
    assert "бренд другой" in next(m.reason for m in result.matches if m.brand == "BOSCH")
    assert _status(order) == ["new"]


def test_unknown_article_is_kept_for_a_person_and_known_stock_is_not_noise(make_order, receipt):
    make_order()
    result = arrival.on_goods_arrived(receipt(("ZZZ-000-NEW", "NONAME", 3, False), ("K-100", "CHERY", 5, True)))
    (match,) = result.matches
    assert (match.kind, match.article, match.qty) == ("unmatched", "ZZZ-000-NEW", 3)
    arrival.dismiss_match(match, None, "на склад")
    assert ReceiptMatch.get_by_id(match.id).state == "dismissed"
    # The same receipt again: what was already put to a person is not asked twice.
    again = arrival.on_goods_arrived(_same_receipt(match))
    assert again.matches == [] and again.arrival is None


def _same_receipt(match):
    from db.models.exchange import GoodsReceipt

    return GoodsReceipt.get_by_id(match.receipt_id)


def test_more_arrived_than_ordered_fills_orders_and_leaves_the_rest(make_order, receipt):
    a = make_order(LineInput("D1", "CHERY", "Лампа", 2), promised=_promise(1))
    b = make_order(LineInput("D1", "CHERY", "Лампа", 1), promised=_promise(2))
    result = arrival.on_goods_arrived(receipt(("D1", "CHERY", 10)))
    assert sorted(ln.order_id for ln in result.arrived) == [a.id, b.id] and not result.matches


def test_scanned_article_at_the_counter_uses_the_same_matcher(make_order, staff):
    order = make_order(LineInput("E-55", "", "Ремень", 1))
    result = arrival.arrive_typed(" e55 ", "", "1", staff["manager"])
    assert [ln.order_id for ln in result.arrived] == [order.id]
    assert OrderLine.get(OrderLine.order == order).arrival.source == "scan"


def test_sms_waits_only_for_the_lines_the_customer_asked_about(make_order, receipt):
    order = make_order(LineInput("F1", "CHERY", "Фильтр", 1, "100", notify=True),
                       LineInput("F2", "CHERY", "Прокладка", 1, "50", notify=False))
    arrival.on_goods_arrived(receipt(("F1", "CHERY", 1)))
    assert _status(order) == ["arrived", "new"]
    (message,) = SmsMessage.select()
    assert f"№{order.id}" in message.text and "Сумма к оплате 100 ₽" in message.text  # what is ready now
