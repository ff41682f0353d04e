"""Statuses with who/when, hand-over as a repair visit, the tablet's taps, no-shows."""
from __future__ import annotations

import datetime as dt

import pytest

from appliance import customers, settings
from appliance.errors import InputError
from appliance.permissions import PermissionDenied
from appliance.workshop import devices, work_orders
from db.models.customers import Customer
from db.models.sales import Sale
from db.models.workshop import StatusChange
from tests.workshop.conftest import utc
from tests.workshop.test_schedule import plan

pytestmark = pytest.mark.clock  # rules that count days and hours: run at four instants


def test_status_path_is_recorded_with_who(now, car, bays, staff):
    wo = plan(*car, bays[0], "10:00", "11:00", actor=staff["manager"])
    for status in ("arrived", "in_work", "waiting_parts", "in_work", "ready"):
        wo = work_orders.set_status(wo, status, staff["mechanic"])
    rows = list(StatusChange.select().where(StatusChange.work_order == wo).order_by(StatusChange.id))
    assert [r.to_status for r in rows] == ["planned", "arrived", "in_work", "waiting_parts", "in_work", "ready"]
    assert rows[0].by_id == staff["manager"].id and rows[-1].by_id == staff["mechanic"].id
    assert wo.started_at is not None and wo.finished_at is not None
    with pytest.raises(InputError, match="готов: перевести в «не приехал» нельзя"):
        work_orders.set_status(wo, "no_show", staff["manager"])


def test_hand_over_is_a_repair_visit_with_a_sale(now, car, bays, staff):
    customer, vehicle = car
    wo = plan(customer, vehicle, bays[0], "10:00", "11:00")
    work_orders.add_work(wo, "Замена колодок передних", "1,5", "2 500", staff["manager"])
    work_orders.add_part(wo, "Колодки передние", "1", "3200,50", staff["manager"], article="T11-3501080")
    assert wo.total_kop == 570050
    for status in ("in_work", "ready", "handed_over"):
        wo = work_orders.set_status(wo, status, staff["manager"])
    sale = Sale.get(Sale.external_id == f"workshop:{wo.id}")
    assert (sale.kind, sale.source, sale.total_kop, sale.customer_id) == ("repair", "workshop", 570050, customer.id)
    assert [line.name for line in sale.lines] == ["Замена колодок передних", "Колодки передние"]
    assert Customer.get_by_id(customer.id).last_visit_at == now["now"]
    stats = customers.stats(Customer.get_by_id(customer.id))
    assert stats.repair_kop == 570050
    with pytest.raises(InputError, match="менять его нельзя"):
        work_orders.add_work(wo, "Ещё работа", "1", "100")


def test_accounting_brings_repair_receipts(now, car, bays):
    settings.get()._cp.set("workshop", "repair_sale", "accounting")
    wo = plan(*car, bays[0], "10:00", "11:00")
    work_orders.add_work(wo, "Диагностика", "1", "1500")
    for status in ("in_work", "ready", "handed_over"):
        wo = work_orders.set_status(wo, status)
    assert Sale.select().count() == 0
    assert Customer.get_by_id(car[0].id).last_visit_at == now["now"]


def test_board_taps_are_recorded_as_the_mechanic_via_the_tablet(now, car, bays, staff):
    wo = plan(*car, bays[0], "10:00", "11:00", mechanic=staff["mechanic"])
    token, _ = devices.create("display", "Планшет у поста 1", staff["owner"])
    tablet = token.staff
    with pytest.raises(InputError, match="кто из механиков"):
        work_orders.board_set_status(wo, "in_work", None, tablet)
    wo = work_orders.board_set_status(wo, "in_work", staff["mechanic"].id, tablet)
    last = StatusChange.select().order_by(StatusChange.id.desc()).first()
    assert (last.to_status, last.by_id, last.via) == ("in_work", staff["mechanic"].id, "табло: Планшет у поста 1")
    with pytest.raises(InputError, match="только «начал»"):
        work_orders.board_set_status(wo, "handed_over", staff["mechanic"].id, tablet)
    settings.get()._cp.set("workshop", "mechanics_may_change_status", "no")
    with pytest.raises(PermissionDenied, match="не разрешил"):
        work_orders.board_set_status(wo, "ready", staff["mechanic"].id, tablet)


def test_no_show_marking_is_safe_to_repeat(now, car, second_car, bays):
    late = plan(*car, bays[0], "10:00", "11:00")
    later = plan(*second_car, bays[1], "12:00", "13:00")
    now["now"] = utc("11:05")
    assert work_orders.mark_no_shows() == 1
    assert work_orders.mark_no_shows() == 0
    assert work_orders.get(late.id).status == "no_show"
    assert work_orders.get(later.id).status == "planned"
    assert StatusChange.get(StatusChange.work_order == late.id, StatusChange.to_status == "no_show").via == "system"


def test_open_inspection_is_offered_for_the_next_repair(now, car, bays, staff):
    customer, vehicle = car
    inspection = plan(customer, vehicle, bays[0], "10:00", "10:30", kind="inspection")
    work_orders.add_finding(inspection, "Люфт шаровой опоры слева", "urgent", "3500", staff["mechanic"])
    for status in ("in_work", "ready"):
        work_orders.set_status(inspection, status)
    assert work_orders.open_inspection(vehicle).id == inspection.id
    now["now"] += dt.timedelta(days=3)
    day = now["now"].date()
    declined = work_orders.create(work_orders.OrderInput(
        customer_id=customer.id, vehicle_id=vehicle.id, bay_id=bays[1].id, start=utc("10:00", day),
        end=utc("11:00", day), link_open_inspection=False))
    assert declined.inspection_id is None
    # The next repair of the same car links back by itself.
    repair = work_orders.create(work_orders.OrderInput(
        customer_id=customer.id, vehicle_id=vehicle.id, bay_id=bays[1].id, start=utc("12:00", day), end=utc("14:00", day)))
    assert repair.inspection_id == inspection.id
    assert work_orders.open_inspection(vehicle) is None
    unlinked = work_orders.link_inspection(repair, None, staff["manager"])
    assert unlinked.inspection_id is None and work_orders.open_inspection(vehicle).id == inspection.id
    with pytest.raises(InputError, match="того же автомобиля"):
        work_orders.link_inspection(inspection, inspection.id)


def test_parts_from_the_customers_parts_order(now, car, bays, staff):
    orders_models = pytest.importorskip("db.models.orders")
    customer, _ = car
    order = orders_models.Order.create(customer=customer, created_at=now["now"], updated_at=now["now"])
    line = orders_models.OrderLine.create(order=order, article="T11-2909060", brand="Chery", article_key="T112909060",
                                          name="Рычаг передний левый", qty=1, price_kop=650000, status="shipped",
                                          status_at=now["now"], created_at=now["now"])
    wo = plan(*car, bays[0], "10:00", "11:00")
    assert [x.id for x in work_orders.order_lines_for(wo)] == [line.id]
    part = work_orders.add_part_from_order(wo, line.id, staff["manager"])
    assert (part.source, part.order_line_id, part.article, part.price_kop) == ("order", line.id, "T11-2909060", 650000)
    assert work_orders.order_line_statuses(wo) == {line.id: "отгружено"}
    assert work_orders.order_lines_for(wo) == []
    with pytest.raises(InputError, match="уже в заказ-наряде"):
        work_orders.add_part_from_order(wo, line.id, staff["manager"])


def test_no_show_job_runs_in_the_worker(now, car, bays):
    from jobs import huey
    from jobs import workshop as workshop_jobs

    wo = plan(*car, bays[0], "10:00", "11:00")
    now["now"] = utc("12:00")
    huey.immediate = True
    try:
        workshop_jobs.mark_no_shows()
        workshop_jobs.mark_no_shows()
    finally:
        huey.immediate = False
    assert work_orders.get(wo.id).status == "no_show"
    assert StatusChange.select().where(StatusChange.to_status == "no_show").count() == 1
