"""Drop folder, evening stock reminder, `prilavok import`."""

import datetime as dt
import os
import shutil
import time

import pytest
from conftest import DATA

from appliance import cli
from appliance.exchange import folder, importer, originals, stock
from db.models.exchange import ImportLog, StockSnapshot
from db.models.notifications import Notification
from db.models.sales import Sale

pytestmark = pytest.mark.clock  # rules that count days and hours: run at four instants


def _drop(name, age=60):
    inbox = folder.inbox()
    inbox.mkdir(parents=True, exist_ok=True)
    dest = inbox / name
    shutil.copyfile(DATA / name, dest)
    old = time.time() - age
    os.utime(dest, (old, old))
    return dest


def test_drop_folder_moves_files_to_done_and_failed(db):
    _drop("sales_cp1251.csv")
    _drop("sales_bad_number.csv")
    fresh = _drop("stock_utf8.csv", age=0)  # 1C is still writing it
    entries = folder.process()
    assert sorted(e.status for e in entries) == ["done", "failed"]
    outbox = folder.inbox().parent
    assert [p.name.split("_", 1)[1] for p in (outbox / "done").iterdir()] == ["sales_cp1251.csv"]
    assert [p.name.split("_", 1)[1] for p in (outbox / "failed").iterdir()] == ["sales_bad_number.csv"]
    assert [p.name for p in folder.inbox().iterdir()] == [fresh.name]
    assert Sale.select().count() == 3
    assert folder.process(settle=0)[0].kind == "stock"
    assert list(folder.inbox().iterdir()) == []


def test_drop_folder_task_is_registered(db):
    from jobs import exchange as exchange_jobs
    from jobs import huey

    huey.immediate = True
    try:
        _drop("receipts_utf8bom.csv")
        exchange_jobs.exchange_drop_folder.call_local()
        assert ImportLog.get().status == "done"
    finally:
        huey.immediate = False


def _local(h, m, day=22):
    return dt.datetime(2026, 11, day, h, m, tzinfo=dt.timezone(dt.timedelta(hours=3)))


def test_evening_reminder_when_no_fresh_stock(db):
    assert stock.evening_check(_local(17, 10)) == "early"
    assert stock.evening_check(_local(17, 30)) == "reminded"
    note = Notification.get(Notification.kind == "exchange")
    assert note.title == "Выгрузите остатки из 1С"
    assert "остатков ещё не было ни разу" in note.body
    assert stock.evening_check(_local(17, 35)) == "reminded"
    assert Notification.select().count() == 1  # the same notification, refreshed


def test_evening_reminder_names_the_failed_export(db, fixed_now):
    fixed_now(dt.datetime(2026, 11, 22, 14, 20))  # 17:20 in Moscow
    tmp = originals.exchange_dir() / "t.csv"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text("Склад;Артикул;Остаток\nОсновной склад;A11-3707110CA;много\n", encoding="cp1251")
    importer.import_file(tmp, source="http", filename="rests.csv")
    assert stock.evening_check(_local(17, 30)) == "reminded"
    note = Notification.get(Notification.title == "Остатки из 1С сегодня не загрузились")
    assert "17:20" in note.body and "rests.csv, строка 2, колонка «Остаток»: «много» — не число" in note.body


def test_fresh_stock_after_five_means_no_reminder(db, fixed_now):
    fixed_now(dt.datetime(2026, 11, 22, 14, 5))  # 17:05 shop time
    tmp = originals.exchange_dir() / "stock.csv"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DATA / "stock_utf8.csv", tmp)
    assert importer.import_file(tmp, source="folder").status == "done"
    assert StockSnapshot.select().count() == 2
    assert stock.evening_check(_local(17, 30)) == "fresh"
    assert stock.evening_check(_local(17, 30, day=23)) == "reminded"


def test_cli_import(db, settings, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_open_db", lambda migrate=True: db)
    tmp = settings.var_dir / "продажи.csv"
    shutil.copyfile(DATA / "sales_cp1251.csv", tmp)
    assert cli.main(["import", str(tmp), "--kind", "sales"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("продажи.csv: продажи; строк 3, создано 3, обновлено 0, без изменений 0")
    shutil.copyfile(DATA / "sales_bad_number.csv", tmp)
    assert cli.main(["import", str(tmp)]) == 1
    assert "строка 3, колонка «Количество»" in capsys.readouterr().err
