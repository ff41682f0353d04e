"""Call metrics against a dataset computed by hand (see the table in each assertion)."""
import datetime as dt

import pytest

from appliance.calls import metrics
from db.models.calls import CallLeg, PhoneCall
from db.models.orders import Order
from db.models.sales import Sale

pytestmark = pytest.mark.clock

D = dt.datetime(2026, 11, 16, 9, 0)  # Monday 12:00 in Moscow


def call(lid, number, customer, start, wait, talk=None, who=None, direction="in", rang=()):
    answered = talk is not None
    row = PhoneCall.create(linkedid=lid, direction=direction, number=number, customer=customer, started_at=start,
                            answered_at=start + dt.timedelta(seconds=wait) if answered else None,
                            ended_at=start + dt.timedelta(seconds=wait + (talk or 0)), answered_by=who,
                            result="answered" if answered else "missed")
    for n, person in enumerate(rang):
        CallLeg.create(call=row, uniqueid=f"{lid}.{n}", extension=person.extension, staff=person, rang_at=start,
                       status="noanswer")
    return row


def sale(customer, who, at, kind="parts"):
    Sale.create(number=f"S{at:%d%H}", date=at, customer=customer, manager=who, kind=kind, total_kop=150000,
                created_at=at)


@pytest.fixture
def dataset(db, desks, staff, car):
    from appliance import customers
    from appliance.customers import PhoneInput

    a, _ = car
    b = customers.create_customer("Белова Мария", [PhoneInput("+7 903 555-01-01")], staff["manager"])
    manager, petrov, mechanic = desks["101"], desks["102"], staff["mechanic"]
    day = dt.timedelta(days=1)
    call("c1", "+79161234567", a, D, 10, 60, manager)                              # answered, purchase
    sale(a, manager, D + 2 * day)
    call("c2", "+79260000001", None, D + dt.timedelta(hours=1), 30, rang=(manager, petrov))  # missed, never called back
    call("c3", "+79035550101", b, D + day, 25)                                     # missed...
    call("o3", "+79035550101", b, D + day + dt.timedelta(minutes=20), 5, 40, manager, direction="out")  # ...called back
    call("c4", "+79035550101", b, D + 2 * day, 20, 100, petrov)                    # answered, parts order
    Order.create(customer=b, manager=petrov, created_at=D + 3 * day, updated_at=D + 3 * day)
    call("c5", "+79161234567", a, D + 3 * day, 4, 200, mechanic)                   # workshop, repair
    sale(a, mechanic, D + 3 * day + dt.timedelta(hours=2), kind="repair")
    call("c6", "+79161234567", a, D + 4 * day, 6, 30, manager)                     # answered, nothing within 7 days
    sale(a, manager, D + 14 * day)
    return {"manager": manager, "petrov": petrov, "mechanic": mechanic}


def test_totals(dataset):
    rep = metrics.report(dt.date(2026, 11, 16), dt.date(2026, 11, 20))
    t = rep.total
    assert (t.received, t.answered, t.missed, t.never_called_back) == (6, 4, 2, 1)
    assert (t.avg_wait, t.avg_talk) == (10, 98)  # (10+20+4+6)/4, (60+100+200+30)/4 = 97.5
    assert (t.with_customer, t.purchase, t.order, t.repair) == (4, 1, 1, 1)
    assert (t.rate(t.purchase), t.rate(t.order), t.rate(t.repair)) == (25, 25, 25)


def test_departments_and_managers(dataset):
    rep = metrics.report(dt.date(2026, 11, 16), dt.date(2026, 11, 20))
    shop, workshop = rep.departments["shop"], rep.departments["workshop"]
    assert (shop.received, shop.answered, shop.missed) == (5, 3, 2)
    assert (workshop.received, workshop.answered, workshop.repair) == (1, 1, 1)
    people = {p.username: f for p, f in rep.managers}
    assert set(people) == {"manager", "petrov", "mechanic"}
    m = people["manager"]
    assert (m.received, m.answered, m.missed, m.never_called_back) == (3, 2, 1, 1)  # c1, c6 taken; c2 rang him
    assert (m.avg_wait, m.avg_talk, m.rate(m.purchase)) == (8, 45, 50)
    p = people["petrov"]
    assert (p.received, p.answered, p.missed, p.rate(p.order)) == (2, 1, 1, 100)


def test_per_day_series_and_chart(dataset):
    rep = metrics.report(dt.date(2026, 11, 16), dt.date(2026, 11, 20))
    assert [(d.day, r, a, m) for d, r, a, m in rep.per_day] == [(16, 2, 1, 1), (17, 1, 0, 1), (18, 1, 1, 0),
                                                                 (19, 1, 1, 0), (20, 1, 1, 0)]
    chart = metrics.chart_svg(rep)
    assert len(chart["bars"]) == 5 and chart["peak"] == 2


def test_metrics_page_is_the_owners(client, dataset):
    from tests.conftest import login_as

    assert login_as(client, "manager").get("/calls/metrics").status_code == 403
    client.post("/logout")
    page = login_as(client, "owner").get("/calls/metrics?from=2026-11-16&to=2026-11-20").get_data(as_text=True)
    assert 'id="calls-chart"' in page and "<rect" in page and "Мастерская" in page and "Петров Илья Андреевич" in page
