"""Creating, editing, copying orders and moving lines through their statuses."""
from __future__ import annotations

import datetime as dt

import pytest

from appliance.clock import local_today
from appliance.errors import InputError
from appliance.orders import orders
from appliance.orders.orders import LineInput
from db.models.orders import Order, OrderEvent, OrderLine

pytestmark = pytest.mark.clock  # rules that count days and hours: run at four instants


def test_create_computes_promise_on_a_shop_working_day(make_order, settings):
    order = make_order(LineInput("A11-3707110CA", "CHERY", "Свеча", 4, "450", supplier_days=2))
    assert order.status == "new"
    assert order.promised_date >= local_today() + dt.timedelta(days=2)
    assert order.promised_date.isoweekday() in orders.shop_weekdays()
    line = order.lines.get()
    assert (line.article_key, line.brand_key, line.qty, line.price_kop) == ("A113707110CA", "CHERY", 4, 45000)
    assert [e.action for e in OrderEvent.select().where(OrderEvent.order == order)] == ["create"]


def test_promise_skips_days_the_shop_is_closed():
    sunday_closed = frozenset(range(1, 7))
    saturday = dt.date(2026, 11, 21)
    assert orders.next_working_day(saturday, sunday_closed) == saturday
    assert orders.next_working_day(saturday + dt.timedelta(days=1), sunday_closed) == dt.date(2026, 11, 23)
    assert orders.add_working_days(saturday, 1, sunday_closed) == dt.date(2026, 11, 23)


@pytest.mark.parametrize("line, message", [
    (LineInput("", "CHERY", "Свеча", 1), "укажите артикул"),
    (LineInput(" -- ", "CHERY", "Свеча", 1), "укажите артикул"),
    (LineInput("A11", "CHERY", "Свеча", -2), "больше нуля"),
    (LineInput("A11", "CHERY", "Свеча", 0), "больше нуля"),
    (LineInput("A11", "CHERY", "Свеча", "два"), "целое число"),
    (LineInput("A11", "CHERY", "Свеча", 1, "-100"), "отрицательной"),
    (LineInput("A11", "CHERY", "Свеча", 1, "12a"), "не сумма"),
])
def test_bad_lines_are_refused_in_russian_and_nothing_is_saved(make_order, line, message):
    with pytest.raises(InputError) as err:
        make_order(LineInput("T11-3502080", "CHERY", "Колодки", 1), line)
    assert message in err.value.message.lower()
    assert err.value.field.endswith("-1")
    assert Order.select().count() == 0 and OrderLine.select().count() == 0


def test_promise_in_the_past_is_refused(make_order):
    yesterday = local_today() - dt.timedelta(days=1)
    with pytest.raises(InputError) as err:
        make_order(promised=yesterday.strftime("%d.%m.%Y"))
    assert "уже прошла" in err.value.message and err.value.field == "promised_date"
    assert Order.select().count() == 0


def test_empty_order_is_refused(make_order):
    with pytest.raises(InputError, match="хотя бы одну позицию"):
        make_order(LineInput("", "", "", ""))


def test_status_is_derived_from_lines_and_every_move_is_in_the_timeline(make_order, staff):
    order = make_order(LineInput("A11", "CHERY", "Свеча", 4, "450"), LineInput("T11", "CHERY", "Колодки", 1, "1500"))
    first, second = orders.lines_of(order)
    orders.transition(first, "ordered", staff["manager"], supplier_ref="AC-77")
    assert orders.get(order.id).status == "new"
    orders.transition(second, "ordered", staff["manager"])
    assert orders.get(order.id).status == "ordered"
    orders.transition(second, "refused", None, reason="нет на складе поставщика")
    assert orders.get(order.id).status == "ordered"  # the refused line no longer holds the order back
    with pytest.raises(InputError, match="нельзя перевести"):
        orders.transition(OrderLine.get_by_id(first.id), "issued", staff["manager"])
    events = [(e.from_status, e.to_status, e.actor_id) for e in OrderEvent.select().where(
        OrderEvent.action == "status").order_by(OrderEvent.id)]
    assert events == [("new", "ordered", staff["manager"].id), ("new", "ordered", staff["manager"].id),
                      ("ordered", "refused", None)]
    assert OrderLine.get_by_id(first.id).supplier_ref == "AC-77"


def test_mark_ordered_batch_and_copy(make_order, staff):
    a, b = make_order(), make_order()
    assert orders.mark_ordered([a, b], staff["manager"], "AC-1") == 2
    with pytest.raises(InputError, match="заказывать нечего"):
        orders.mark_ordered([a], staff["manager"])
    copy = orders.copy_order(orders.get(a.id), staff["owner"])
    assert copy.id != a.id and copy.copied_from_id == a.id and copy.status == "new"
    assert [(ln.article, ln.qty, ln.price_kop) for ln in orders.lines_of(copy)] == [("A11-3707110CA", 4, 45000)]


def test_issue_closes_lines_and_records_payment(make_order, staff):
    order = make_order(prepayment="500")
    with pytest.raises(InputError, match="Выдавать нечего"):
        orders.issue(order, staff["manager"], "1300")
    orders.transition_order(order, "arrived", staff["manager"])
    assert orders.due_kop(orders.get(order.id)) == 4 * 45000 - 50000
    orders.issue(orders.get(order.id), staff["manager"], "1300")
    order = orders.get(order.id)
    assert order.status == "issued" and order.paid_kop == 130000 and order.issued_at is not None
    assert orders.due_kop(order) == 0


def test_edit_refuses_stale_form_and_past_promise(make_order, staff):
    order = make_order()
    orders.update_order(order, staff["manager"], version=1, comment="позвонить после 18", shelf_place="12")
    with pytest.raises(InputError, match="изменил кто-то другой"):
        orders.update_order(order, staff["owner"], version=1, comment="x")
    with pytest.raises(InputError, match="уже прошла"):
        orders.update_order(order, staff["owner"], promised_date=local_today() - dt.timedelta(days=3))
    assert orders.get(order.id).comment == "позвонить после 18"


def test_slip_code_resolver(make_order):
    order = make_order()
    assert orders.resolve_code(order.barcode) == f"/orders/{order.id}"
    assert orders.resolve_code(f"ЯЛ{order.id:06d}") == f"/orders/{order.id}"  # scanner in Russian layout
    assert orders.resolve_code("ZK999999") is None
    assert orders.resolve_code("89161234567") is None


def test_marking_ordered_again_keeps_the_first_lines_supplier_number(make_order, staff):
    order = make_order(LineInput("A11", "CHERY", "Свеча", 1), LineInput("T11", "CHERY", "Колодки", 1))
    first = orders.lines_of(order)[0]
    orders.transition(first, "ordered", staff["manager"], supplier_ref="X-1")
    orders.transition_order(orders.get(order.id), "ordered", staff["manager"], supplier_ref="Y-2")
    assert [ln.supplier_ref for ln in orders.lines_of(order)] == ["X-1", "Y-2"]


def test_only_a_new_or_cancelled_order_is_deleted_and_softly(make_order, staff):
    order = make_order()
    orders.soft_delete(order, staff["manager"], "дубль")
    assert Order.get_by_id(order.id).deleted_at is not None
    with pytest.raises(orders.NotFound):
        orders.get(order.id)
    kept = make_order()
    orders.mark_ordered([kept], staff["manager"])
    with pytest.raises(InputError, match="отменить"):
        orders.soft_delete(orders.get(kept.id), staff["manager"])
