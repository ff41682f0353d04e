"""The consumables due list counts shop days: a purchase is due on its day, not at its hour."""
import datetime as dt

import pytest

from appliance import clock, customers
from appliance.exchange import consumables
from db.models.exchange import ConsumableGroup
from db.models.sales import Sale, SaleLine

pytestmark = pytest.mark.clock


def _bought(customer, local: str, name="Масло моторное 5W-30 4л"):
    when = clock.local_to_utc(dt.datetime.fromisoformat(local))
    sale = Sale.create(number=f"s-{local}", date=when, created_at=when, customer=customer)
    SaleLine.create(sale=sale, article="OIL-5W30", brand="IDEMITSU", name=name, qty=1)


@pytest.mark.parametrize("now_local, due", [
    ("2026-11-28T00:05:00", True),   # the due day has begun in the shop: due all day
    ("2026-11-27T23:55:00", False),  # the day before, even late at night (20:55 UTC)
])
def test_due_from_the_first_minute_of_the_due_shop_day(db, now_local, due):
    group = ConsumableGroup.create(name="Масло", keywords="масло", interval_days=180)
    buyer = customers.create_customer("Иванов Пётр", [customers.PhoneInput("+7 916 111-22-33")])
    _bought(buyer, "2026-06-01T19:00:00")  # 1 June + 180 days = 28 November
    now = clock.local_to_utc(dt.datetime.fromisoformat(now_local))
    found = [d.customer.id for d in consumables.due_customers(group, now=now)]
    assert (buyer.id in found) is due
