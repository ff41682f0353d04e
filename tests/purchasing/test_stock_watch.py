import datetime as dt

import pytest
import time_machine

from appliance import clock
from appliance.clock import utcnow
from appliance.errors import InputError
from appliance.purchasing import analogs, mandatory, price_check, stock_watch, supplier_orders
from appliance.suppliers import link, registry
from db.models.notifications import Notification
from db.models.sales import Sale, SaleLine
from db.models.suppliers import MandatoryItem, PriceQuote, ReorderLine, SupplierOrder, SupplierOrderLine

pytestmark = pytest.mark.clock

PARAMS = stock_watch.Params(review_days=7, history_days=56, z=1.65, default_lead_days=3,
                            max_delivery_days=10, high_price_factor=1.5)


@pytest.fixture
def stock(monkeypatch):
    levels: dict[tuple[str, str], int] = {}
    monkeypatch.setattr(price_check, "stock_on_hand", lambda a, b: levels.get((a, b), 0))
    return levels


def item(article, brand, **kw):
    return mandatory.save_item({"article": article, "brand": brand, **kw})


def sell(article, brand, per_day, days=56, today=None, at=dt.time(12)):
    """``per_day`` units on each of the ``days`` shop days before today, at shop time ``at``."""
    today = today or clock.local_today()
    for d in range(days):
        day = today - dt.timedelta(days=days - d)
        when = clock.local_to_utc(dt.datetime.combine(day, at))
        if per_day:
            sale = Sale.create(number=f"{article}-{day}-{at}", date=when, created_at=when)
            SaleLine.create(sale=sale, article=article, brand=brand, qty=per_day)


def line_of(it) -> ReorderLine:
    return ReorderLine.get(ReorderLine.item == it)


def test_offers_from_several_suppliers_merged_and_ranked(suppliers_cfg, stock):
    analogs.link([("30015048-346", "IDEMITSU"), ("30015048-746", "IDEMITSU")])
    stock[("30015048746", "IDEMITSU")] = 3
    result = price_check.check("30015048-346", "IDEMITSU")
    offers = result.offers
    suppliers = {o.supplier for o in offers if not o.own_stock}
    assert suppliers == {"s1", "s2", "s3"}
    assert offers[0].own_stock and offers[0].is_analog and offers[0].qty == 3  # our shelf first
    exact = [o for o in offers if not o.own_stock and not o.is_analog and o.qty != 0]
    assert [o.price_kop for o in exact] == sorted(o.price_kop for o in exact)
    assert PriceQuote.select().count() == 3  # every quote kept


def test_dead_supplier_is_skipped_not_waited_for(suppliers_cfg, sim, stock):
    sim.control("s2", {"down": True})
    it = item("T11-3501080", "CHERY", min_qty=2)
    summary = stock_watch.run(params=PARAMS)
    line = line_of(it)
    assert line.state == "buy" and line.supplier in ("s1", "s3")
    assert summary.to_buy == 1
    assert not link.tracker.state("s2").up
    # the next price check does not even try s2 (fail fast) and still answers
    sent = sim.state()["s2"]["counters"]["requests"]
    answers = {a.supplier: a for a in price_check.ask_all("T11-3501080", "CHERY")}
    assert answers["s2"].link_down and answers["s1"].offers
    assert sim.state()["s2"]["counters"]["requests"] == sent
    item_ = link.status_probe()  # the status bar, read from the stored link state
    assert item_.label == "Поставщики" and item_.text.startswith("нет связи с ")


def test_reorder_quantity_from_sales_history(suppliers_cfg, stock):
    # 2 a day for 8 weeks; lead = the chosen offer's days_max; review 7 days
    it = item("T11-1303111", "CHERY", min_qty=1)
    sell("T11-1303111", "CHERY", 2)
    stock[("T111303111", "CHERY")] = 5
    stock_watch.run(params=PARAMS)
    line = line_of(it)
    lead = line.days_max
    expected = 2 * (lead + 7) - 5
    assert line.state == "buy"
    assert line.qty == expected
    assert "продано 112 шт. за 56 дн. (14 в неделю)" in line.reasoning
    assert f"поставка {lead} дн." in line.reasoning


def test_quantity_uses_the_chosen_offers_delivery_time(suppliers_cfg, stock):
    # 5 on the shelf is below the reorder point for the default 3 days (6) but not for a
    # 2-day offer (4): once buying, the quantity still fills up for the offer's lead time
    it = item("T11-1303111", "CHERY", min_qty=1)
    sell("T11-1303111", "CHERY", 2)
    stock[("T111303111", "CHERY")] = 5
    stock_watch.run(params=PARAMS)
    line = line_of(it)
    assert line.state == "buy"
    assert line.qty == 2 * (line.days_max + 7) - 5
    assert f"поставка {line.days_max} дн. + до следующей проверки 7 дн." in line.reasoning


@pytest.mark.parametrize("late, early", [
    ("2026-12-02T23:50:00+03:00", "2026-12-03T00:10:00+03:00"),  # either side of shop midnight
    ("2026-12-31T23:50:00+03:00", "2027-01-01T00:10:00+03:00"),  # and of the new year
])
def test_nightly_run_at_2350_and_0010_gives_the_same_list(suppliers_cfg, stock, late, early):
    """Sales at 00:05 and 23:55 shop time every day (the UTC date differs for the late ones):
    the history window is whole shop days, so 20 minutes either side of midnight agree."""
    it = item("T11-1303111", "CHERY", min_qty=1)
    stock[("T111303111", "CHERY")] = 5
    results = []
    for instant in (late, early):
        Sale.delete().execute()
        when = dt.datetime.fromisoformat(instant)
        with time_machine.travel(when, tick=False):
            today = clock.local_today()
            # the days the run will look back over; 23:55 today has not happened yet at 23:50
            sell("T11-1303111", "CHERY", 1, days=60, today=today, at=dt.time(0, 5))
            sell("T11-1303111", "CHERY", 1, days=60, today=today, at=dt.time(23, 55))
            stock_watch.run(params=PARAMS)
        line = line_of(it)
        results.append((line.qty, line.reasoning.split(";")[0]))
    assert results[0] == results[1]
    assert results[0][1] == "продано 112 шт. за 56 дн. (14 в неделю)"


def test_sales_counted_by_shop_day_not_utc_day(db):
    # 23:30 shop time on 1 December is 20:30 UTC the same day; 00:30 on 2 December is
    # 21:30 UTC on 1 December: two shop days, one UTC date
    for number, local in (("a", "2026-12-01T23:30:00"), ("b", "2026-12-02T00:30:00")):
        when = clock.local_to_utc(dt.datetime.fromisoformat(local))
        sale = Sale.create(number=number, date=when, created_at=when)
        SaleLine.create(sale=sale, article="T11-1303111", brand="CHERY", qty=1)
    since, until = clock.days_span(dt.date(2026, 12, 1), dt.date(2026, 12, 2))
    daily = stock_watch.daily_sales(since, until)[("T111303111", "CHERY")]
    assert daily == {dt.date(2026, 12, 1): 1.0, dt.date(2026, 12, 2): 1.0}


def test_pack_size_rounding_in_the_run(suppliers_cfg, stock):
    it = item("A11-3707110CA", "CHERY", min_qty=5)  # spark plugs come in fours
    stock_watch.run(params=PARAMS)
    line = line_of(it)
    assert line.pack == 4 and line.qty == 8
    assert "кратность 4 → заказать 8" in line.reasoning


def test_high_price_is_flagged_wait(suppliers_cfg, stock):
    it = item("T11-2906020", "CHERY", min_qty=2)
    now = utcnow()
    for d in range(1, 6):
        PriceQuote.create(article_key=it.article_key, brand_key=it.brand_key, supplier="s1", price_kop=20000,
                          quoted_at=now - dt.timedelta(days=d))
    stock_watch.run(params=PARAMS)
    line = line_of(it)
    assert line.state == "high_price" and line.median_kop == 20000
    assert "подождать" in line.reasoning
    assert len(stock_watch.price_history(it)) == 6


def test_analog_stock_prevents_an_order(suppliers_cfg, sim, stock):
    it = item("T11-3501080", "CHERY", min_qty=2)
    analogs.link([("T11-3501080", "CHERY"), ("GDB3520", "TRW")])
    stock[("GDB3520", "TRW")] = 10
    summary = stock_watch.run(params=PARAMS)
    line = line_of(it)
    assert line.state == "enough" and line.qty == 0
    assert "аналоги 10" in line.reasoning
    assert summary.to_buy == 0
    assert all(s["counters"]["requests"] == 0 for s in sim.state().values())  # nobody was asked


def test_list_does_not_duplicate_across_runs(suppliers_cfg, stock):
    a = item("T11-3501080", "CHERY", min_qty=2)
    b = item("T11-1303111", "CHERY", min_qty=1)
    stock_watch.run(params=PARAMS)
    line_of(a).ticked = True
    line_of(a).save()
    ReorderLine.update(ticked=True).where(ReorderLine.item == a).execute()
    stock[("T111303111", "CHERY")] = 5
    stock_watch.run(params=PARAMS)
    assert ReorderLine.select().count() == 2
    assert line_of(b).state == "enough"
    assert [ln.item.article for ln in stock_watch.reorder_lines()] == ["T11-3501080"]
    assert line_of(a).ticked  # a person's tick survives the night


def test_internet_down_all_night_then_catching_up(suppliers_cfg, sim, stock):
    it = item("T11-3501080", "CHERY", min_qty=2)
    for name in ("s1", "s2", "s3"):
        sim.control(name, {"down": True})
    summary = stock_watch.run(params=PARAMS)
    line = line_of(it)
    assert summary.waiting_link == 1 and line.state == "waiting_link"
    assert "нет связи" in line.reasoning and line.qty >= 2
    # still down: catching up changes nothing and costs no requests (circuit open)
    assert stock_watch.catch_up().waiting_link == 1
    for name in ("s1", "s2", "s3"):
        sim.control(name, {"down": False})
    link.tracker.probe_interval = 0  # the next probe is due
    caught = stock_watch.catch_up()
    assert caught.waiting_link == 0 and caught.to_buy == 1
    assert line_of(it).state == "buy" and line_of(it).supplier
    assert stock_watch.catch_up() is None  # nothing left waiting


def test_ticked_lines_become_one_order_per_supplier_with_refs(suppliers_cfg, sim, stock, staff):
    items = [item(a, b, min_qty=2) for a, b in
             (("T11-3501080", "CHERY"), ("T11-1303111", "CHERY"), ("T11-2906020", "CHERY"))]
    stock_watch.run(params=PARAMS)
    lines = [line_of(i) for i in items]
    # force two lines to one supplier and the third to another
    ReorderLine.update(supplier="s1").where(ReorderLine.id.in_([lines[0].id, lines[1].id])).execute()
    ReorderLine.update(supplier="s3").where(ReorderLine.id == lines[2].id).execute()
    orders = supplier_orders.order_selected([ln.id for ln in lines], actor=staff["manager"])
    assert sorted(o.supplier for o in orders) == ["s1", "s3"]
    assert SupplierOrder.select().where(SupplierOrder.status == "queued").count() == 2
    with pytest.raises(InputError):
        supplier_orders.order_selected([lines[0].id])  # already ordered
    result = supplier_orders.drain_outbox()
    assert result == {"placed": 2, "waiting": 0, "failed": 0}
    for o in SupplierOrder.select():
        assert o.status == "placed" and o.ref
        assert sim.state()[o.supplier]["orders"][o.ref]["clientOrderNumber"] == f"PRV-{o.id}"
    assert {ln.status for ln in SupplierOrderLine.select()} == {"ordered"}
    assert supplier_orders.drain_outbox() == {"placed": 0, "waiting": 0, "failed": 0}  # safe twice
    # the next night counts them as on order
    stock_watch.run(params=PARAMS)
    assert all(line_of(i).state in ("on_order", "enough") for i in items)


def _customer_order_line(staff, article, brand, qty, status="ordered", supplier="s1"):
    from appliance import customers
    from appliance.orders import orders

    buyer = customers.get_or_create_by_phone("+7 916 123-45-67", "Ковалёв Андрей")[0]
    order = orders.create_order(buyer, [orders.LineInput(article, brand, "Колодки", qty, "2500", supplier)],
                                staff["manager"])
    [line] = orders.lines_of(order)
    if status != "new":
        orders.transition(line, status, staff["manager"], supplier_ref="по телефону")
    return line


def test_customer_order_lines_ordered_by_phone_count_as_on_order(suppliers_cfg, stock, staff):
    it = item("T11-3501080", "CHERY", min_qty=2)
    _customer_order_line(staff, "T11 3501080", "Chery", 3)
    stock_watch.run(params=PARAMS)
    line = line_of(it)
    assert (line.state, line.on_order, line.qty) == ("on_order", 3, 0)


def test_customer_order_lines_not_yet_ordered_or_sent_by_api_are_not_counted_twice(suppliers_cfg, stock, staff):
    from appliance.orders.stock import stock_on_order

    _customer_order_line(staff, "T11-3501080", "CHERY", 3, status="new")
    assert stock_on_order("T113501080", "CHERY") == 0
    line = _customer_order_line(staff, "T11-3501080", "CHERY", 2)
    assert stock_on_order("T113501080", "CHERY") == 2
    line.supplier_line_id = 1  # placed through the supplier's API: the supplier order line counts it
    line.save()
    assert stock_on_order("T113501080", "CHERY") == 0


def test_outbox_waits_for_the_link_and_refusals_notify(suppliers_cfg, sim, stock):
    it = item("GDB3520", "TRW", min_qty=2)
    stock_watch.run(params=PARAMS)
    line = line_of(it)
    sim.control(line.supplier, {"down": True, "refuse_articles": ["GDB3520"]})
    [order] = supplier_orders.order_selected([line.id])
    assert supplier_orders.drain_outbox()["waiting"] == 1
    order = SupplierOrder.get_by_id(order.id)
    assert order.status == "queued" and order.next_attempt_at > utcnow()
    sim.control(line.supplier, {"down": False})
    link.tracker.probe_interval = 0
    assert supplier_orders.drain_outbox(now=utcnow() + dt.timedelta(hours=1))["placed"] == 1
    ol = SupplierOrderLine.get()
    assert ol.status == "refused" and ol.reason == "нет на складе поставщика"
    note = Notification.get(Notification.kind == "order_problem")
    assert "GDB3520" in note.title


def test_status_polling_moves_lines_forward(suppliers_cfg, sim, stock):
    it = item("T11-3501080", "CHERY", min_qty=2)
    stock_watch.run(params=PARAMS)
    supplier_orders.order_selected([line_of(it).id])
    supplier_orders.drain_outbox()
    assert supplier_orders.poll_statuses() == 1
    assert SupplierOrderLine.get().status == "confirmed"
    supplier_orders.poll_statuses()
    assert SupplierOrderLine.get().status == "shipped"


def test_registry_exposes_the_suppliers(suppliers_cfg):
    assert [a.code for a in registry.all_suppliers()] == ["s1", "s2", "s3"]
    assert registry.get("s2").name == "Поставщик s2"
    with pytest.raises(KeyError):
        registry.get("nope")


def test_mandatory_csv_round_trip_and_errors(db):
    n = mandatory.import_mandatory_csv("Артикул;Бренд;Наименование;Мин;Цель;Кратность\n"
                                         "BKR6EZ;NGK;Свеча;8;16;4\nT11-1303111;CHERY;Патрубок;2;;1\n")
    assert n == 2
    assert MandatoryItem.get(MandatoryItem.article_key == "BKR6EZ").pack == 4
    out = mandatory.export_mandatory_csv()
    assert "BKR6EZ;NGK;Свеча;8;16;4" in out
    with pytest.raises(InputError) as exc:
        mandatory.import_mandatory_csv("X1;B;имя;много;;1\n")
    assert "Строка" in exc.value.message and "не число" in exc.value.message
    assert MandatoryItem.select().count() == 2  # nothing half-saved


def test_price_check_answers_are_cached_for_a_short_time(suppliers_cfg, sim, monkeypatch):
    monkeypatch.setattr(price_check, "cache_seconds", lambda: 300.0)
    first = {a.supplier: a for a in price_check.ask_all("T11-3501080", "CHERY")}
    sent = sum(s["counters"]["requests"] for s in sim.state().values())
    again = {a.supplier: a for a in price_check.ask_all("t11 3501080", "chery")}
    assert sum(s["counters"]["requests"] for s in sim.state().values()) == sent
    assert all(a.cached for a in again.values()) and not any(a.cached for a in first.values())
    assert [o.price_kop for o in again["s1"].offers] == [o.price_kop for o in first["s1"].offers]
    monkeypatch.setattr(price_check, "cache_seconds", lambda: 0.0)
    assert not any(a.cached for a in price_check.ask_all("T11-3501080", "CHERY"))


def test_wrong_password_everywhere_is_not_mistaken_for_a_dead_link(suppliers_cfg, stock):
    from appliance import settings

    for code in ("s1", "s2", "s3"):
        settings.get()._cp.set(f"supplier:{code}", "password", "wrong")
    it = item("T11-3501080", "CHERY", min_qty=2)
    summary = stock_watch.run(params=PARAMS)
    line = line_of(it)
    assert summary.no_offer == 1 and line.state == "no_offer"
    assert "не принял логин или пароль" in line.reasoning


def test_no_suppliers_configured(db, stock):
    it = item("T11-3501080", "CHERY", min_qty=2)
    stock_watch.run(params=PARAMS, adapters=[])
    assert line_of(it).state == "no_offer" and "не настроены" in line_of(it).reasoning
