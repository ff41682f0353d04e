"""The half-hourly tracking check: forgot to order, refusal, late, shelf reminders; one
notification per problem, updated, never piled up, closed when the problem is gone."""
from __future__ import annotations

import datetime as dt

import pytest

from appliance.clock import local_today, utcnow
from appliance.orders import orders, tracking
from appliance.orders.orders import LineInput
from db.models.notifications import Notification
from db.models.orders import Order, OrderLine
from db.models.sms import SmsMessage

pytestmark = pytest.mark.clock  # rules that count days and hours: run at four instants


def _open(kind: str = "order_problem") -> list[Notification]:
    return list(Notification.select().where(Notification.is_open & (Notification.kind == kind))
                .order_by(Notification.id))


def _age(order, minutes: int) -> None:
    when = utcnow() - dt.timedelta(minutes=minutes)
    OrderLine.update(created_at=when).where(OrderLine.order == order.id).execute()
    Order.update(created_at=when).where(Order.id == order.id).execute()


def test_forgot_to_order_is_raised_for_the_manager_once_and_closed_when_ordered(make_order, staff):
    fresh = make_order()
    old = make_order(LineInput("A11-3707110CA", "CHERY", "Свеча", 4))
    _age(old, 90)
    tracking.run(poll=False)
    (item,) = _open()
    assert item.key == f"order:{old.id}:forgot" and item.assignee_id == staff["manager"].id
    assert item.title.startswith(f"Заказ №{old.id}: не заказано у поставщика уже 90 мин")
    assert "A11-3707110CA × 4" in item.body and item.url == f"/orders/{old.id}"
    tracking.run(poll=False)
    tracking.run(poll=False)
    (again,) = _open()
    assert again.id == item.id and again.occurrences == 3  # one notification, updated
    orders.mark_ordered([orders.get(old.id)], staff["manager"], "AC-1")
    tracking.run(poll=False)
    assert _open() == [] and Notification.get_by_id(item.id).resolution == "проверка: устранено"
    assert fresh.id != old.id


def test_refusal_is_raised_with_the_suppliers_reason(make_order, staff):
    order = make_order(LineInput("T11-3502080", "CHERY", "Колодки", 1))
    orders.mark_ordered([order], staff["manager"])
    orders.transition(orders.lines_of(order)[0], "refused", None, reason="снято с производства")
    tracking.run(poll=False)
    tracking.run(poll=False)
    (item,) = _open()
    assert item.key == f"order:{order.id}:refused" and item.occurrences == 2
    assert "отказ поставщика" in item.title and "снято с производства" in item.body
    # Re-ordered from another supplier: the refusal is over, "forgot to order" may start again later.
    orders.transition(orders.lines_of(order)[0], "new", staff["manager"])
    tracking.run(poll=False)
    assert [n.key for n in _open()] == []


def test_late_and_about_to_be_late(make_order, staff, settings):
    late = make_order(LineInput("L1", "CHERY", "Фара", 1))
    soon = make_order(LineInput("L2", "CHERY", "Фонарь", 1))
    shipped = make_order(LineInput("L3", "CHERY", "Зеркало", 1))
    orders.mark_ordered([late, soon, shipped], staff["manager"])
    orders.transition_order(orders.get(shipped.id), "shipped", staff["manager"])
    today = local_today()
    Order.update(promised_date=today - dt.timedelta(days=2)).where(Order.id == late.id).execute()
    Order.update(promised_date=today).where(Order.id.in_([soon.id, shipped.id])).execute()
    tracking.run(poll=False)
    items = {n.key: n for n in _open()}
    assert set(items) == {f"order:{late.id}:late", f"order:{soon.id}:late"}  # shipped today: not a worry yet
    assert "опаздывает" in items[f"order:{late.id}:late"].title and "2 дн. назад" in items[f"order:{late.id}:late"].title
    assert "может опоздать" in items[f"order:{soon.id}:late"].title
    tracking.run(poll=False)
    assert len(_open()) == 2
    # It arrives: the late notification closes at once (not half an hour later).
    orders.transition_order(orders.get(late.id), "arrived", staff["manager"])
    assert {n.key for n in _open()} == {f"order:{soon.id}:late"}


def test_shelf_reminder_sms_once_then_decide(make_order, staff):
    order = make_order()
    orders.transition_order(order, "arrived", staff["manager"])
    assert SmsMessage.select().count() == 1  # "arrived"
    Order.update(arrived_at=utcnow() - dt.timedelta(days=4)).where(Order.id == order.id).execute()
    tracking.run(poll=False)
    tracking.run(poll=False)
    reminders = list(SmsMessage.select().where(SmsMessage.template_code == "order_reminder"))
    assert len(reminders) == 1 and f"№{order.id}" in reminders[0].text
    (pickup,) = _open("reminder")[-1:]
    assert pickup.key == f"order:{order.id}:pickup"
    Order.update(arrived_at=utcnow() - dt.timedelta(days=15)).where(Order.id == order.id).execute()
    tracking.run(poll=False)
    (decide,) = _open()
    assert decide.key == f"order:{order.id}:decide" and "решите" in decide.title
    orders.issue(orders.get(order.id), staff["manager"], "1800")
    assert _open() == [] and not Notification.get_by_id(pickup.id).is_open


def test_cancelled_order_closes_its_notifications(make_order, staff):
    order = make_order()
    _age(order, 600)
    tracking.run(poll=False)
    assert len(_open()) == 1
    orders.transition_order(order, "cancelled", staff["manager"])
    tracking.run(poll=False)
    assert _open() == []


def test_supplier_statuses_move_lines_where_the_supplier_has_an_api(make_order, staff, monkeypatch):
    from appliance.suppliers import registry
    from appliance.suppliers.base import LineStatus, LinkDown

    shipped = make_order(LineInput("S-1", "CHERY", "Фильтр", 1, supplier="sim1"))
    refused = make_order(LineInput("S-2", "CHERY", "Фара", 1, supplier="sim1"))
    offline = make_order(LineInput("S-3", "CHERY", "Ремень", 1, supplier="sim2"))
    orders.mark_ordered([shipped], staff["manager"], "R-1")
    orders.mark_ordered([refused], staff["manager"], "R-2")
    orders.mark_ordered([offline], staff["manager"], "R-3")
    answers = {"R-1": [LineStatus("R-1", "S1", "CHERY", 1, "shipped")],
               "R-2": [LineStatus("R-2", "S-2", "CHERY", 1, "refused", reason="нет на складе")]}

    class FakeAdapter:
        kind = "abcp"

        def __init__(self, code):
            self.code = code

        def line_status(self, ref):
            if self.code == "sim2":
                raise LinkDown("нет связи", supplier="sim2")
            return answers[ref]

    monkeypatch.setattr(registry, "get", FakeAdapter)
    report = tracking.run()
    assert [ln.status for ln in orders.lines_of(shipped)] == ["shipped"]
    assert [ln.status for ln in orders.lines_of(refused)] == ["refused"]
    assert orders.lines_of(refused)[0].reason == "нет на складе"
    assert [ln.status for ln in orders.lines_of(offline)] == ["ordered"]  # tracked by dates until the link is back
    assert report.statuses == 2 and report.suppliers_down == ["sim2"]
    assert {n.key for n in _open()} == {f"order:{refused.id}:refused"}
