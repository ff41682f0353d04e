"""Order rules count shop days (Europe/Moscow): 21:10 UTC is already tomorrow in the shop."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from appliance import clock
from appliance.orders import orders, tracking
from appliance.orders.orders import LineInput
from db.models.notifications import Notification
from db.models.orders import Order

pytestmark = pytest.mark.clock

FRIDAY_2350 = dt.datetime(2026, 12, 4, 20, 50, tzinfo=dt.UTC)  # 23:50 Friday in the shop
SATURDAY_0010 = dt.datetime(2026, 12, 4, 21, 10, tzinfo=dt.UTC)  # 00:10 Saturday, still Friday in UTC


@pytest.mark.parametrize("instant, promised", [
    (FRIDAY_2350, dt.date(2026, 12, 5)),    # a 1-day supplier: Saturday (the shop works Mon-Sat)
    (SATURDAY_0010, dt.date(2026, 12, 7)),  # from Saturday: Sunday is closed, so Monday
])
def test_promised_date_counts_from_the_shop_day(db, instant, promised):
    with time_machine.travel(instant, tick=False):
        line = LineInput("A11-3707110CA", "CHERY", "Свеча", 4, supplier_days=1)
        assert orders.promised_date_for([line]) == promised


@pytest.mark.parametrize("instant, late", [(dt.datetime(2026, 12, 2, 20, 50, tzinfo=dt.UTC), False),
                                           (dt.datetime(2026, 12, 2, 21, 10, tzinfo=dt.UTC), True)])
def test_an_order_promised_for_today_is_late_from_shop_midnight(make_order, staff, instant, late):
    with time_machine.travel(instant, tick=False):
        order = make_order(LineInput("L1", "CHERY", "Фара", 1))
        orders.mark_ordered([order], staff["manager"])
        Order.update(promised_date=dt.date(2026, 12, 2)).where(Order.id == order.id).execute()
        tracking.run(poll=False)
    titles = [n.title for n in Notification.select().where(Notification.is_open)]
    assert any("опаздывает" in t for t in titles) is late


def test_days_on_the_shelf_are_shop_days(make_order, staff):
    """Arrived at 23:30 on 1 December (20:30 UTC): at 00:10 on 4 December it has waited 3 days."""
    order = make_order(LineInput("L1", "CHERY", "Фара", 1))
    arrived = clock.local_to_utc(dt.datetime(2026, 12, 1, 23, 30))
    Order.update(status="arrived", arrived_at=arrived).where(Order.id == order.id).execute()
    now = clock.local_to_utc(dt.datetime(2026, 12, 4, 0, 10))
    with time_machine.travel(now.replace(tzinfo=dt.UTC), tick=False):
        tracking.run(now=now, poll=False)
    titles = [n.title for n in Notification.select().where(Notification.is_open)]
    assert f"Заказ №{order.id} ждёт клиента 3 дн." in titles
