"""The workshop rules moved out of web/workshop.py: the dialog's default end, booking →
work order defaults, and the status buttons of the desk and of the wall tablet."""
from __future__ import annotations

import pytest

from appliance import settings
from appliance.customers import VehicleInput
from appliance.errors import InputError
from appliance.workshop import bookings, devices, planning, work_orders
from appliance.workshop.work_orders import OrderInput
from tests.workshop.conftest import utc
from tests.workshop.test_schedule import plan as plan_on

pytestmark = pytest.mark.clock


def test_default_end_is_the_default_duration_later_but_not_past_closing(db):
    assert planning.default_end("10:00") == "11:00"
    assert planning.default_end("19:30") == "20:00"  # the shop closes at 20:00
    settings.get()._cp.set("workshop", "default_duration_minutes", "90")
    assert planning.default_end("9:15") == "10:45"


@pytest.mark.parametrize("junk", ["", None, "10", "10:00:00", "aa:bb", "10:"])
def test_default_end_of_no_time_is_none(db, junk):
    assert planning.default_end(junk) is None


def _data(bay, start="10:00", end="11:00", **kw) -> OrderInput:
    return OrderInput(customer_id=0, bay_id=bay.id, start=utc(start), end=utc(end), **kw)


def test_a_booking_gives_its_customer_car_and_complaint(now, car, bays, staff):
    customer, vehicle = car
    booking = bookings.create_booking(bookings.BookingInput(customer_id=customer.id, vehicle_text="Лада Веста",
                                                            complaint="Стучит спереди"), staff["manager"])
    wo = planning.plan(_data(bays[0]), staff["manager"], booking_id=booking.id)
    assert (wo.customer_id, wo.booking_id, wo.vehicle_id) == (customer.id, booking.id, None)
    assert wo.complaint == "Стучит спереди\nАвтомобиль: Лада Веста"
    typed = planning.from_booking(_data(bays[1], complaint="Замена масла", vehicle_id=vehicle.id), booking)
    assert (typed.complaint, typed.vehicle_id, typed.customer_id) == ("Замена масла", vehicle.id, customer.id)


def test_plan_for_an_unknown_booking_is_refused(now, car, bays, staff):
    with pytest.raises(InputError, match="Запись не найдена") as exc:
        planning.plan(_data(bays[0]), staff["manager"], booking_id=10**6, customer_id=car[0].id)
    assert exc.value.field == "booking"


def test_plan_for_a_customer_or_a_phone(now, car, bays, staff):
    wo = planning.plan(_data(bays[0], vehicle_id=car[1].id), staff["manager"], customer_id=car[0].id)
    assert wo.customer_id == car[0].id
    other = planning.plan(_data(bays[1]), staff["manager"], phone="8 903 700-00-01", name="Орлов Иван",
                          car=VehicleInput(make="Kia", model="Rio", plate=""))
    assert other.customer.name == "Орлов Иван" and other.vehicle.make == "Kia"


def test_desk_actions_follow_the_status_and_the_permission_table(now, car, bays, staff):
    wo = plan_on(*car, bays[0], "10:00", "11:00")
    assert planning.desk_actions(wo, staff["manager"]) == [
        ("arrived", "Приехал"), ("in_work", "В работу"), ("no_show", "Не приехал"), ("cancelled", "Отменить")]
    assert [s for s, _ in planning.desk_actions(wo, staff["mechanic"])] == ["arrived", "in_work"]
    done = work_orders.set_status(work_orders.set_status(wo, "in_work", staff["manager"]), "ready", staff["manager"])
    assert planning.desk_actions(done, staff["manager"]) == [("handed_over", "Выдать клиенту"), ("in_work", "В работу")]
    assert planning.desk_actions(done, staff["mechanic"]) == [("in_work", "В работу")]  # no hand-over


def test_tablet_actions_are_the_floor_steps_that_may_follow(now, car, bays, staff):
    wo = plan_on(*car, bays[0], "10:00", "11:00")
    assert planning.tablet_actions(wo) == [("in_work", "Начал работу")]
    wo = work_orders.set_status(wo, "in_work", staff["manager"])
    assert planning.tablet_actions(wo) == [("waiting_parts", "Ждём запчасти"), ("ready", "Готово")]
    wo = work_orders.set_status(wo, "ready", staff["manager"])
    assert planning.tablet_actions(wo) == [("in_work", "Начал работу")]  # back to work
    wo = work_orders.set_status(wo, "handed_over", staff["manager"])
    assert planning.tablet_actions(wo) == []


def test_the_tablet_may_change_only_while_the_owner_allows(now, car, bays, staff):
    wo = plan_on(*car, bays[0], "10:00", "11:00")
    tablet = devices.create("display", "Планшет", staff["owner"])[0].staff
    assert planning.is_tablet(tablet) and not planning.is_tablet(staff["mechanic"])
    assert planning.tablet_may_change(tablet, wo) and planning.tablet_may_change(staff["manager"], wo)
    work_orders.set_mechanics_may_change_status(False, staff["owner"])
    assert not planning.tablet_may_change(tablet, wo) and not planning.tablet_may_change(staff["mechanic"], wo)
    assert planning.tablet_may_change(staff["manager"], wo)


def test_what_a_work_order_still_takes(now, car, bays, staff):
    wo = plan_on(*car, bays[0], "10:00", "11:00")
    assert planning.movable(wo) and planning.takes_order_parts(wo) and planning.offers_inspection(wo)
    cancelled = work_orders.set_status(wo, "cancelled", staff["manager"])
    assert not planning.movable(cancelled) and not planning.takes_order_parts(cancelled)
    inspection = plan_on(*car, bays[1], "12:00", "13:00", kind="inspection")
    assert not planning.offers_inspection(inspection)
