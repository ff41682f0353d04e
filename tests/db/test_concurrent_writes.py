"""Writers at the same moment wait for the write lock instead of failing "database is locked"
(issue 11, item 1): order lines, the tracking job, price-check quotes, SMS status reports and
incoming SMS of the devices process, and 1C sales imports — threads in one process and two
processes on one SQLite file."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from peewee import fn

from appliance import customers
from appliance.customers import PhoneInput
from db.models.exchange import ImportLog
from db.models.notifications import Notification
from db.models.orders import OrderLine
from db.models.sales import Sale
from db.models.sms import SmsMessage
from db.models.suppliers import PriceQuote
from tests.db import write_load

ROOT = Path(__file__).resolve().parents[2]


def _plan(settings, staff, workers: int) -> dict:
    customer = customers.create_customer("Ковалёв Андрей Петрович", [PhoneInput("+7 916 123-45-67")], staff["manager"])
    return write_load.prepare(settings.var_dir, workers, customer, staff["manager"])


def _assert_everything_saved(workers: int, lines_before: int) -> None:
    rounds = write_load.ROUNDS
    assert OrderLine.select().count() - lines_before == workers * rounds
    assert PriceQuote.select().count() == workers * rounds * write_load.QUOTES_PER_CHECK
    assert SmsMessage.select().where((SmsMessage.direction == "out") & (SmsMessage.status == "delivered")).count() \
        == workers * rounds
    assert SmsMessage.select().where(SmsMessage.direction == "in").count() == workers * rounds
    assert Sale.select().count() == workers * rounds * write_load.SALES_PER_FILE
    assert [e.status for e in ImportLog.select()] == ["done"] * (workers * rounds)
    doubled = (Notification.select(Notification.kind, Notification.key).where(Notification.is_open)
               .group_by(Notification.kind, Notification.key).having(fn.COUNT(Notification.id) > 1))
    assert list(doubled.tuples()) == []


def test_threads_in_one_process_write_at_once_without_errors(db, settings, staff):
    workers = 6
    plan = _plan(settings, staff, workers)
    before = OrderLine.select().count()
    errors = write_load.run_threads(list(range(workers)), plan)
    db.connect(reuse_if_open=True)
    assert errors == []
    _assert_everything_saved(workers, before)


def test_two_processes_write_at_once_without_errors(db, settings, staff, tmp_path):
    workers = 6
    plan = _plan(settings, staff, workers)
    before = OrderLine.select().count()
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan))
    children = [subprocess.Popen([sys.executable, "-m", "tests.db.write_load", str(settings.var_dir), str(plan_path),
                                  ",".join(str(w) for w in group)], cwd=ROOT, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
                for group in ((0, 1, 2), (3, 4, 5))]
    errors = []
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        for child in children:
            out, _ = child.communicate(timeout=60)
            assert child.returncode == 0
            errors += json.loads(out.strip().splitlines()[-1])
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    db.connect(reuse_if_open=True)
    assert errors == []
    _assert_everything_saved(workers, before)
