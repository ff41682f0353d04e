"""One supplier down, the others answering: a line only that supplier quotes waits for it."""
import datetime as dt

import pytest

from appliance.clock import utcnow
from appliance.purchasing import stock_watch
from appliance.suppliers import link
from tests.purchasing.test_stock_watch import PARAMS, item, line_of, stock  # noqa: F401

pytestmark = pytest.mark.clock


def test_line_only_the_down_supplier_quotes_waits_and_is_repriced_on_catch_up(app, suppliers_cfg, sim, stock, login):  # noqa: F811
    # a part only s2 carries (the simulator's coverage decides for parts outside its catalogue)
    sim.control("s1", {"coverage": 0.0})
    sim.control("s3", {"coverage": 0.0})
    it = item("ZX-4471020", "LIFAN", min_qty=2)
    stock_watch.run(params=PARAMS)
    first = line_of(it)
    assert (first.state, first.supplier) == ("buy", "s2")
    price = first.price_kop

    sim.control("s2", {"down": True})
    summary = stock_watch.run(params=PARAMS, now=utcnow() + dt.timedelta(hours=3))
    line = line_of(it)
    assert line.state == "waiting_link", line.reasoning
    assert "нет предложений" not in stock_watch.STATE_LABELS[line.state]
    assert summary.waiting_link == 1 and summary.no_offer == 0
    assert "Поставщик s2" in line.reasoning and "нет связи" in line.reasoning
    # its last quote is shown, marked as such with its age
    assert line.quote_at is not None and line.price_kop == price
    assert "последняя цена" in line.reasoning and "3 ч назад" in line.reasoning
    assert not line.supplier  # not orderable at an old price: it waits for the link
    page = login("manager").get("/stock/reorder").get_data(as_text=True)
    assert "ZX-4471020" in page and "последняя цена от" in page and "ждёт связи" in page

    sim.control("s2", {"down": False})
    link.tracker.probe_interval = 0
    caught = stock_watch.catch_up()
    assert caught is not None and caught.to_buy == 1
    line = line_of(it)
    assert (line.state, line.supplier, line.quote_at) == ("buy", "s2", None)
    assert "последняя цена" not in line.reasoning


def test_part_nobody_carries_is_still_no_offer_when_all_answer(suppliers_cfg, sim, stock):  # noqa: F811
    for code in ("s1", "s2", "s3"):
        sim.control(code, {"coverage": 0.0})
    it = item("ZX-4471020", "LIFAN", min_qty=2)
    stock_watch.run(params=PARAMS)
    assert line_of(it).state == "no_offer"
