"""Issue 13, item 6: the report's period, the slips banner after a two-step arrival, the demo's slips."""
import datetime as dt

import pytest
import time_machine

from appliance.orders import arrival, orders
from appliance.orders.orders import LineInput
from db.models.orders import Order
from db.models.printing import PrintJob

pytestmark = pytest.mark.clock


def test_the_report_covers_the_last_30_days_by_default(login):
    # 2 December, 10:00 shop time: the period is 03.11–02.12, not the two days since the 1st.
    with time_machine.travel(dt.datetime(2026, 12, 2, 7, 0, tzinfo=dt.UTC), tick=False):
        page = login("owner").get("/orders/reports").get_data(as_text=True)
    assert 'name="date_from" value="2026-11-03"' in page
    assert 'name="date_to" value="2026-12-02"' in page


def test_an_order_arrived_in_two_steps_is_offered_for_slips_once(make_order, staff, login):
    order = make_order(LineInput("A11-3707110CA", "CHERY", "Свеча", 4, "450"),
                       LineInput("T11-3502080", "CHERY", "Колодки", 1, "1500"))
    orders.mark_ordered([order], staff["manager"], "AC-77")
    first, second = orders.lines_of(order)
    arrival.arrive_lines([first], staff["manager"], title="Поступление №ПТ-1 от 01.12.2026")
    arrival.arrive_lines([second], staff["manager"], title="Поступление №ПТ-2 от 02.12.2026")
    assert orders.get(order.id).status == "arrived"
    pending = arrival.waiting_for_slips(5)
    assert len(pending) == 1
    page = login("manager").get("/orders").get_data(as_text=True)
    banner = page.split('class="flash arrival-offer"', 1)[1].split("</div>", 1)[0]
    assert banner.count("<a ") == 1 and "ПТ-2" in banner


def test_the_demo_slips_carry_codes_of_orders_that_exist(demo_db):
    slips = [j for j in PrintJob.select() if j.batch_name.startswith("Бланк")]
    assert slips
    printed = list(Order.select().where(Order.slip_job_id.in_([j.id for j in slips])))
    assert printed, "no demo order points at its printed slip"
    for job in slips:
        number = int(job.batch_name.rsplit("№", 1)[-1])
        order = Order.get_or_none(Order.id == number)
        assert order is not None and order.slip_job_id == job.id, job.batch_name
        assert order.barcode.encode() in job.payload


def test_an_order_edit_reads_as_money_and_names_in_the_timeline(make_order, staff):
    order = make_order()
    orders.update_order(order, staff["manager"], prepayment="500", manager=staff["owner"])
    note = orders.timeline(order)[0].note
    assert "предоплата: 0\u00a0₽ → 500\u00a0₽" in note and "менеджер: Соколова Анна Сергеевна → Громов Виктор Павлович" in note
