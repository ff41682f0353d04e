"""What the orders pages show, moved out of web/orders.py: the board, the order page's
buttons and problems, the managers, arrivals waiting for slips, the batch arrival SMS."""
from __future__ import annotations

import pytest

from appliance import notifications
from appliance.errors import InputError
from appliance.orders import arrival, board, orders
from appliance.orders.lines import problem_key
from appliance.orders.orders import LineInput
from db.models.customers import Customer
from db.models.orders import OPEN_STATUSES, Order, OrderLine
from db.models.sms import SmsMessage


def test_board_columns_are_the_open_statuses_then_the_shelf():
    assert board.BOARD_COLUMNS == (*OPEN_STATUSES, "arrived")


def test_board_puts_each_live_order_in_its_status_column(make_order, staff):
    waiting = make_order()
    ordered = make_order()
    orders.mark_ordered([ordered], staff["manager"], "AC-1")
    gone = make_order()
    orders.soft_delete(gone, staff["owner"], "дубль")
    columns = {status: [c["order"].id for c in cards] for status, _label, cards in board.board()}
    assert list(columns) == list(board.BOARD_COLUMNS)
    assert columns["new"] == [waiting.id] and columns["ordered"] == [ordered.id]
    assert gone.id not in sum(columns.values(), [])
    assert dict((s, label) for s, label, _ in board.board())["shipped"] == "в пути"


def test_chosen_skips_deleted_and_unknown_orders(make_order, staff):
    a, b = make_order(), make_order()
    orders.soft_delete(b, staff["owner"], "дубль")
    assert [o.id for o in board.chosen([b.id, a.id, 10**6])] == [a.id]
    assert board.chosen([]) == []


def test_actions_follow_the_line_statuses(make_order, staff):
    order = make_order(LineInput("A1", "", "Фильтр", 1, "100"), LineInput("B2", "", "Свеча", 1, "100"))
    lines = orders.lines_of(order)
    assert board.actions(lines) == {"can_arrive": True, "can_issue": False, "can_order": True, "can_api": False}
    arrival.arrive_lines(lines[:1], staff["manager"])
    lines = orders.lines_of(orders.get(order.id))
    assert board.actions(lines) | {"can_api": False} == {"can_arrive": True, "can_issue": True, "can_order": True,
                                                         "can_api": False}
    arrival.arrive_lines(lines[1:], staff["manager"])
    done = board.actions(orders.lines_of(orders.get(order.id)))
    assert not done["can_arrive"] and done["can_issue"] and not done["can_order"] and not done["can_api"]


def test_problems_are_the_orders_own_open_notifications(make_order):
    order, other = make_order(), make_order()
    notifications.raise_notification("order_problem", problem_key(order, "late"), "опаздывает")
    notifications.raise_notification("order_problem", problem_key(other, "late"), "опаздывает")
    notifications.raise_notification("order_problem", f"order:{order.id}0:late", "другой заказ")
    notifications.raise_notification("order_problem", problem_key(order, "forgot"), "забыли")
    notifications.resolve("order_problem", problem_key(order, "forgot"))
    assert [n.key for n in board.problems(order)] == [f"order:{order.id}:late"]


def test_problem_key_and_its_prefix():
    assert problem_key(12, "late") == "order:12:late"
    assert problem_key(12, "") == "order:12:"


def test_managers_are_active_owners_and_managers_by_name(staff):
    assert [s.role for s in board.managers()] == ["owner", "manager"]  # Громов, then Соколова
    assert board.manager(staff["mechanic"].id) == staff["mechanic"]  # by id, as the forms always did
    assert board.manager(None) is None and board.manager(10**6) is None


def test_arrivals_waiting_for_slips(make_order, staff):
    order = make_order()
    result = arrival.arrive_lines(orders.lines_of(order), staff["manager"])
    assert [a.id for a in arrival.waiting_for_slips()] == [result.arrival.id]
    OrderLine.update(status="issued").where(OrderLine.order == order.id).execute()
    Order.update(status="issued").where(Order.id == order.id).execute()
    assert arrival.waiting_for_slips() == []


def test_send_arrival_sms_all_counts_what_went(make_order, staff):
    here, coming = make_order(), make_order()
    arrival.arrive_lines(orders.lines_of(here), staff["manager"])
    assert SmsMessage.select().count() == 1  # the arrival sent it already
    assert arrival.send_arrival_sms_all([orders.get(here.id), coming]) == 0
    Order.update(arrival_sms_at=None).where(Order.id == here.id).execute()  # as if it had failed to go
    SmsMessage.delete().execute()
    assert arrival.send_arrival_sms_all([orders.get(here.id), coming]) == 1
    assert orders.get(here.id).arrival_sms_id == SmsMessage.get().id


def test_create_walk_in_makes_the_customer_and_the_order_together(db, staff):
    order = orders.create_walk_in("8 903 111-22-33", "Петров Олег", [LineInput("A1", "", "Фильтр", 1, "100")],
                                  staff["manager"], manager=staff["manager"])
    assert order.customer.name == "Петров Олег" and order.customer.source == "walk_in"
    again = orders.create_walk_in("+79031112233", "", [LineInput("B2", "", "Свеча", 1, "100")], staff["manager"])
    assert again.customer_id == order.customer_id


def test_create_walk_in_refused_order_leaves_no_customer(db, staff):
    before = Customer.select().count()
    with pytest.raises(InputError):
        orders.create_walk_in("89035550000", "Никто", [], staff["manager"])
    assert Customer.select().count() == before
