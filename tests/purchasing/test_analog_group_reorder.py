"""An analog group is one position of the reorder list: one need, one line, the rest «покрыто аналогом»."""
import pytest

from appliance.purchasing import analogs, stock_watch
from db.models.suppliers import ReorderLine
from tests.purchasing.test_stock_watch import PARAMS, item, line_of, sell, stock  # noqa: F401

pytestmark = pytest.mark.clock


def test_timing_belts_of_one_group_get_one_line_for_the_group_need(suppliers_cfg, stock):  # noqa: F811
    chery = item("481H-1007073", "CHERY", min_qty=2)
    conti = item("CT1126", "CONTITECH", min_qty=2)
    analogs.link([("481H-1007073", "CHERY"), ("CT1126", "CONTITECH")])
    sell("481H-1007073", "CHERY", 2)  # 112 in 56 days
    sell("CT1126", "CONTITECH", 1)  # 56: the group sold 168, 3 a day
    stock[("481H1007073", "CHERY")] = 4
    stock[("CT1126", "CONTITECH")] = 2
    summary = stock_watch.run(params=PARAMS)

    lines = {ln.item.article: ln for ln in ReorderLine.select()}
    buying = [ln for ln in lines.values() if ln.state == "buy"]
    assert len(buying) == 1, [(ln.item.article, ln.state, ln.qty) for ln in lines.values()]
    [buy] = buying
    other = lines["CT1126" if buy.item.article == "481H-1007073" else "481H-1007073"]
    # one need for the group: 3 a day over delivery + review, less the 6 on both shelves
    assert buy.qty == 3 * (buy.days_max + 7) - 6
    assert "продано 168 шт. за 56 дн." in buy.reasoning
    assert other.state == "analog" and other.qty == 0
    assert stock_watch.STATE_LABELS["analog"] == "покрыто аналогом"
    assert buy.item.article in other.reasoning
    assert summary.to_buy == 1
    # the morning list shows the one line to buy
    assert [ln.item.article for ln in stock_watch.reorder_lines()] == [buy.item.article]
    assert {chery.id, conti.id} == {ln.item_id for ln in lines.values()}


def test_the_cheapest_member_within_delivery_is_the_one_bought(suppliers_cfg, sim, stock):  # noqa: F811
    item("481H-1007073", "CHERY", min_qty=2)
    item("CT1126", "CONTITECH", min_qty=2)
    analogs.link([("481H-1007073", "CHERY"), ("CT1126", "CONTITECH")])
    stock_watch.run(params=PARAMS)
    [buy] = [ln for ln in ReorderLine.select() if ln.state == "buy"]
    # the catalogue's Chery belt (1 200) is cheaper than ContiTech's (1 450) at every supplier
    assert buy.item.article == "481H-1007073"
    assert buy.qty == 2


def test_a_group_with_enough_on_the_shelf_is_enough_for_every_member(suppliers_cfg, sim, stock):  # noqa: F811
    item("481H-1007073", "CHERY", min_qty=2)
    item("CT1126", "CONTITECH", min_qty=2)
    analogs.link([("481H-1007073", "CHERY"), ("CT1126", "CONTITECH")])
    stock[("CT1126", "CONTITECH")] = 5
    stock_watch.run(params=PARAMS)
    assert {ln.state for ln in ReorderLine.select()} == {"enough"}
    assert all(s["counters"]["requests"] == 0 for s in sim.state().values())
