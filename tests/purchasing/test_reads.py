"""What the reorder and analogs pages read, moved out of web/stock.py."""
import pytest
from peewee import fn

from appliance.purchasing import analogs, mandatory, reorder, stock_watch, supplier_orders
from db.models.suppliers import AnalogGroup, StockWatchRun

pytestmark = pytest.mark.clock


def test_last_run_recent_orders_and_one_line(suppliers_cfg):
    assert reorder.last_run() is None and reorder.recent_orders() == []
    for art in ("T11-3501080", "T11-1303111"):
        mandatory.save_item({"article": art, "brand": "CHERY", "min_qty": "3"})
    stock_watch.run(params=stock_watch.Params(max_delivery_days=10))
    stock_watch.run(params=stock_watch.Params(max_delivery_days=10))
    assert reorder.last_run().id == StockWatchRun.select(fn.MAX(StockWatchRun.id)).scalar()
    assert StockWatchRun.select().count() == 2
    lines = stock_watch.reorder_lines(show_all=True)
    one = reorder.line(lines[0].id)
    assert one.id == lines[0].id and one.item.article == lines[0].item.article
    orders = supplier_orders.order_selected([ln.id for ln in lines if ln.supplier], None)
    assert orders
    assert [o.id for o in reorder.recent_orders()] == sorted((o.id for o in orders), reverse=True)
    assert len(reorder.recent_orders(limit=1)) == 1


def test_members_by_group_and_the_count(db):
    a = analogs.link([("T11-3501080", "CHERY"), ("GDB3520", "TRW")])
    b = analogs.link([("A11-1", "CHERY"), ("B22-2", "LYNX"), ("C33-3", "NIBK")])
    by_group = analogs.members_by_group([a, b])
    assert [m.article for m in by_group[a.id]] == ["T11-3501080", "GDB3520"]
    assert [m.article for m in by_group[b.id]] == ["A11-1", "B22-2", "C33-3"]
    assert analogs.members_by_group([]) == {}
    assert analogs.group_count() == AnalogGroup.select().count() == 2
