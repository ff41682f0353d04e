import argparse

from appliance.cli import suppliers as cli_suppliers
from appliance.purchasing import mandatory, stock_watch, supplier_orders
from db.models.suppliers import ReorderLine, StockWatchRun, SupplierOrder


def test_price_check_command_prints_merged_offers(suppliers_cfg, capsys):
    code = cli_suppliers.cmd_price_check(argparse.Namespace(article="T11-3501080", brand="CHERY"))
    out = capsys.readouterr().out
    assert code == 0
    assert "Поставщик s1" in out and "Поставщик s2" in out and "Поставщик s3" in out
    assert "T11-3501080" in out and "Колодки тормозные" in out


def test_price_check_command_says_when_nobody_answers(suppliers_cfg, sim, capsys):
    for name in ("s1", "s2", "s3"):
        sim.control(name, {"down": True})
    code = cli_suppliers.cmd_price_check(argparse.Namespace(article="T11-3501080", brand="CHERY"))
    captured = capsys.readouterr()
    assert code == 1
    assert "предложений нет" in captured.out and "нет связи" in captured.err


def test_stock_check_command_runs_the_watch(suppliers_cfg, capsys):
    mandatory.save_item({"article": "T11-3501080", "brand": "CHERY", "min_qty": "2"})
    assert cli_suppliers.cmd_stock_check(argparse.Namespace()) == 0
    out = capsys.readouterr().out
    assert "позиций 1" in out and "купить 1" in out
    assert StockWatchRun.select().count() == 1
    assert StockWatchRun.get().kind == "manual"  # a person ran it: not «Ночная проверка»


def test_outbox_job_places_queued_orders(suppliers_cfg):
    from jobs import suppliers as supplier_jobs

    mandatory.save_item({"article": "T11-3501080", "brand": "CHERY", "min_qty": "2"})
    stock_watch.run()
    supplier_orders.order_selected([ReorderLine.get().id])
    result = supplier_jobs.place_supplier_orders.call_local()
    assert result["placed"] == 1
    assert SupplierOrder.get().ref
