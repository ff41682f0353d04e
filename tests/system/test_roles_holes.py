"""The holes found in issue 11 §6, each as the person or the tablet met it."""
from __future__ import annotations

import datetime as dt
import re

from appliance import notifications
from appliance.workshop import work_orders
from db.models.customers import Customer
from db.models.notifications import Notification
from db.models.sales import Sale
from db.models.workshop import Booking, WorkLine, WorkOrder
from tests.conftest import Browser
from tests.system.conftest import NOW, sign_in

TOMORROW = NOW.date() + dt.timedelta(days=1)


def _switch(allowed: bool, owner) -> None:
    work_orders.set_mechanics_may_change_status(allowed, owner)


def test_mechanic_cannot_hand_over_a_car_or_mark_statuses_with_the_switch_off(world, client):
    ready, owner = world["ready"], world["people"]["owner"]
    mechanic = sign_in(client, world["people"], "mechanic")
    response = mechanic.post(f"/workshop/work-orders/{ready.id}/status", {"status": "handed_over"})
    assert response.status_code == 403
    assert "Выдавать автомобиль клиенту (закрывать заказ-наряд продажей) может владелец или менеджер." in \
        response.get_data(as_text=True)
    _switch(False, owner)
    response = mechanic.post(f"/workshop/work-orders/{ready.id}/status", {"status": "handed_over"})
    assert response.status_code == 403
    assert WorkOrder.get_by_id(ready.id).status == "ready" and Sale.select().count() == 0
    response = mechanic.post(f"/workshop/work-orders/{world['wo'].id}/status", {"status": "in_work"})
    assert response.status_code == 403 and "Владелец не разрешил" in response.get_data(as_text=True)
    assert WorkOrder.get_by_id(world["wo"].id).status == "planned"
    # The page offers him no hand-over button at all; the manager's does.
    page = mechanic.get(f"/workshop/work-orders/{ready.id}").get_data(as_text=True)
    assert "Выдать клиенту" not in page
    manager = sign_in(client, world["people"], "manager")
    assert "Выдать клиенту" in manager.get(f"/workshop/work-orders/{ready.id}").get_data(as_text=True)
    assert manager.post(f"/workshop/work-orders/{ready.id}/status", {"status": "handed_over"}).status_code == 302
    assert WorkOrder.get_by_id(ready.id).status == "handed_over" and Sale.select().count() == 1


def test_mechanic_cannot_add_a_customer_through_the_work_order_form(world, client):
    mechanic = sign_in(client, world["people"], "mechanic")
    before = Customer.select().count()
    response = mechanic.post("/workshop/work-orders", {
        "phone": "8 (903) 111-22-33", "name": "Кузнецов Андрей", "make": "Haval", "bay": world["bays"][2].id,
        "date": NOW.date().isoformat(), "start": "14:00", "end": "15:00", "kind": "repair"}, htmx=True)
    assert response.status_code == 403
    assert "Добавлять клиентов может владелец или менеджер." in response.get_data(as_text=True)
    assert Customer.select().count() == before and WorkOrder.select().count() == 2
    # A customer already in the base: he plans as an advisor does.
    response = mechanic.post("/workshop/work-orders", {
        "phone": "+7 916 123-45-67", "bay": world["bays"][2].id, "date": NOW.date().isoformat(),
        "start": "14:00", "end": "15:00", "kind": "repair"}, htmx=True)
    assert response.status_code == 200 and WorkOrder.select().count() == 3


def test_mechanic_adds_work_without_a_price_and_the_manager_prices_it(world, client):
    wo = world["wo"]
    mechanic = sign_in(client, world["people"], "mechanic")
    response = mechanic.post(f"/workshop/work-orders/{wo.id}/lines",
                             {"line": "work", "work_name": "Замена рычага", "norm_hours": "1", "work_price": "99999"})
    assert response.status_code == 403
    assert "Ставить цены в заказ-наряде может владелец или менеджер." in response.get_data(as_text=True)
    assert not WorkLine.select().where(WorkLine.name == "Замена рычага").exists()
    assert WorkOrder.get_by_id(wo.id).total_kop == 0
    assert 'name="work_price"' not in mechanic.get(f"/workshop/work-orders/{wo.id}").get_data(as_text=True)
    assert mechanic.post(f"/workshop/work-orders/{wo.id}/lines",
                         {"line": "work", "work_name": "Замена рычага", "norm_hours": "1"}).status_code == 302
    line = WorkLine.get(WorkLine.name == "Замена рычага")
    assert line.price_kop == 0
    assert mechanic.post(f"/workshop/work-orders/{wo.id}/lines/work/{line.id}/price", {"price": "1"}).status_code == 403
    manager = sign_in(client, world["people"], "manager")
    assert manager.post(f"/workshop/work-orders/{wo.id}/lines/work/{line.id}/price",
                        {"price": "1 800"}).status_code == 302
    assert WorkLine.get_by_id(line.id).price_kop == 180000 and WorkOrder.get_by_id(wo.id).total_kop == 180000
    # A priced line is the desk's to remove.
    mechanic = sign_in(client, world["people"], "mechanic")
    response = mechanic.post(f"/workshop/work-orders/{wo.id}/lines/work/{line.id}/delete")
    assert response.status_code == 403 and WorkLine.get_or_none(WorkLine.id == line.id) is not None


def test_mechanic_cannot_close_a_notification_the_owner_took(world, client):
    people = world["people"]
    note = notifications.raise_notification("website_request", "booking:x", "Запись с сайта: Орлов Максим")
    notifications.take(note, people["owner"])
    mechanic = sign_in(client, people, "mechanic")
    response = mechanic.post(f"/notifications/{note.id}/done", {"comment": "готово"})
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "Уведомление взял(а) Громов В." in text and "может только владелец" in text
    assert Notification.get_by_id(note.id).is_open
    assert mechanic.post(f"/notifications/{note.id}/take").status_code == 403
    assert Notification.get_by_id(note.id).assignee_id == people["owner"].id


def test_mechanic_cannot_cancel_a_website_booking(world, client):
    booking = world["booking"]
    mechanic = sign_in(client, world["people"], "mechanic")
    response = mechanic.post(f"/workshop/bookings/{booking.id}/cancel", {"reason": "не нужно"})
    assert response.status_code == 403
    assert "Отменять записи на ремонт (и с сайта) может владелец или менеджер." in response.get_data(as_text=True)
    assert Booking.get_by_id(booking.id).status == "new"


def test_each_sees_only_his_notifications(world, client):
    """Another manager's parts-order problem, with the customer's name and phone, stays his."""
    people = world["people"]
    problem = notifications.raise_notification(
        "order_problem", "order:77:late", "Заказ №77 опаздывает: Смирнова Ольга, +7 926 555-44-33",
        url="/orders/77", assignee=people["manager2"])
    workshop_note = world["note"]
    for role, sees_problem in (("mechanic", False), ("manager", False), ("manager2", True), ("owner", True)):
        browser = Browser(client)
        browser.get("/login")
        assert browser.post("/login", {"username": role, "password": "demo"}).status_code == 302
        page = browser.get("/notifications").get_data(as_text=True)
        assert ("Смирнова Ольга" in page) == sees_problem, role
        assert workshop_note.title in page, role  # the workshop's are everyone's in the workshop
        pulse = browser.get("/pulse").get_data(as_text=True)
        mine = notifications.badge(people[role])["total"]
        assert re.search(rf'<span class="count">{mine}</span>', pulse), role
        if not sees_problem:
            assert browser.post(f"/notifications/{problem.id}/done").status_code == 404, role
    assert notifications.badge(people["owner"])["total"] > notifications.badge(people["mechanic"])["total"]
    assert Notification.get_by_id(problem.id).is_open


def test_the_tablet_sees_only_today_and_changes_nothing_else(world, client):
    people = world["people"]
    tomorrow = world["plan"]("10:00", "11:00", None, TOMORROW)
    tablet = sign_in(client, people, "display")
    assert tablet.get(f"/workshop/board/wo/{world['wo'].id}").status_code == 200
    response = tablet.get(f"/workshop/board/wo/{tomorrow.id}")
    assert response.status_code == 403 and "только заказ-наряды на сегодня" in response.get_data(as_text=True)
    response = tablet.post(f"/workshop/board/wo/{tomorrow.id}/status",
                           {"status": "in_work", "mechanic": people["mechanic"].id}, htmx=True)
    assert response.status_code == 403 and WorkOrder.get_by_id(tomorrow.id).status == "planned"
    for url, data in ((f"/workshop/work-orders/{world['wo'].id}/status", {"status": "cancelled"}),
                      (f"/workshop/work-orders/{world['wo'].id}/lines", {"line": "work", "work_name": "x"}),
                      (f"/notifications/{world['note'].id}/done", {})):
        assert tablet.post(url, data).status_code == 403, url
    assert WorkOrder.get_by_id(world["wo"].id).status == "planned"
    pulse = tablet.get("/pulse").get_data(as_text=True)
    assert 'class="count"' not in pulse and "Открытых уведомлений" not in pulse


def test_status_form_goes_back_only_to_this_box(world, client):
    wo = world["wo"]
    manager = sign_in(client, world["people"], "manager")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "http:/x", " https://evil.example"):
        response = manager.post(f"/workshop/work-orders/{wo.id}/status", {"status": "arrived", "next": evil})
        assert response.headers["Location"] == f"/workshop/work-orders/{wo.id}", evil
    response = manager.post(f"/workshop/work-orders/{wo.id}/status", {"status": "in_work", "next": "/workshop/board"})
    assert response.headers["Location"] == "/workshop/board"
    client.post("/logout", headers={"X-CSRFToken": manager.token})
    browser = Browser(client)
    browser.get("/login")
    response = browser.post("/login?next=https://evil.example/", {"username": "manager", "password": "demo"})
    assert response.headers["Location"] == "/customers"
