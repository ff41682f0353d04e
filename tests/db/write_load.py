"""The mixed write load of the concurrency test: what the counter, the worker and the devices
process write at the same moment. Importable by a child process (`python -m tests.db.write_load`)."""
from __future__ import annotations

import datetime as dt
import json
import sys
import threading
import traceback
from pathlib import Path

from appliance import clock
from appliance import settings as settings_mod
from appliance.exchange import importer
from appliance.orders import orders, tracking
from appliance.orders.orders import LineInput
from appliance.purchasing import price_check
from appliance.sms import outbox as sms_outbox
from appliance.suppliers.base import Offer
from db import database, open_database
from db.models.sms import SmsMessage
from db.models.staff import Staff
from hardware.modem import pdu

ROUNDS = 6
QUOTES_PER_CHECK = 3
SALES_PER_FILE = 2
PHONE = "+79161234567"


def mr(worker: int, i: int) -> int:
    """A distinct TP-MR per (worker, round): every status report matches exactly one sent SMS."""
    return worker * ROUNDS + i


def prepare(var_dir: Path, workers: int, customer, actor) -> dict:
    """Orders to add lines to, sent SMS waiting for their reports, one sales CSV per worker and round."""
    order_ids = [orders.create_order(customer, [LineInput("A11-3707110CA", "CHERY", "Свеча", 1, "450")], actor).id
                 for _ in range(3)]
    now = clock.utcnow()  # status reports match sends of the last days
    for w in range(workers):
        for i in range(ROUNDS):
            SmsMessage.create(direction="out", phone=PHONE, text=f"тест {w}/{i}", status="sent", created_at=now,
                              sent_at=now, parts_state=json.dumps([{"mr": mr(w, i), "st": None}]))
    files = var_dir / "load-csv"
    files.mkdir(parents=True, exist_ok=True)
    for w in range(workers):
        for i in range(ROUNDS):
            rows = [f"W{w}-{i}-{k};20.11.2026 10:{k:02d};A11-3707110CA;CHERY;Свеча;1;450,00;450,00;;;;;Основной склад"
                    for k in range(SALES_PER_FILE)]
            head = "Номер чека;Дата;Артикул;Производитель;Номенклатура;Количество;Цена;Сумма;" \
                   "Дисконтная карта;Телефон;Покупатель;Продавец;Склад"
            (files / f"sales-{w}-{i}.csv").write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return {"orders": order_ids, "actor": actor.id, "files": str(files)}


def work(worker: int, plan: dict) -> list[str]:
    """One worker's rounds; returns the errors it met (text), none expected."""
    errors: list[str] = []
    database.connect(reuse_if_open=True)
    actor = Staff.get_by_id(plan["actor"])
    steps = [
        lambda i: orders.add_line(orders.get(plan["orders"][(worker + i) % len(plan["orders"])]),
                                  LineInput(f"L{worker}-{i}", "CHERY", "Фильтр", 1, "100"), actor),
        lambda i: tracking.run(poll=False),
        lambda i: _quotes(worker, i),
        lambda i: _status_report(worker, i),
        lambda i: _incoming(worker, i),
        lambda i: _import(plan, worker, i),
    ]
    try:
        for i in range(ROUNDS):
            for step in steps:
                try:
                    step(i)
                except Exception:  # the test counts and shows every failure
                    errors.append(traceback.format_exc(limit=3))
    finally:
        database.close()
    return errors


def _quotes(worker: int, i: int) -> None:
    offers = [Offer(f"s{k}", f"Q{worker}-{i}", "CHERY", "Свеча", 45000 + k, 4, 1, 2) for k in range(QUOTES_PER_CHECK)]
    if price_check.record_quotes(f"Q{worker}-{i}", "CHERY", offers) != QUOTES_PER_CHECK:
        raise AssertionError(f"quotes of Q{worker}-{i} not stored")


def _status_report(worker: int, i: int) -> None:
    report = pdu.Sms("status-report", number=PHONE, reference=mr(worker, i), status=0,
                     discharge=dt.datetime(2026, 11, 20, 9, 1))
    if sms_outbox.apply_status_report(report) is None:
        raise AssertionError(f"status report {mr(worker, i)} matched nothing")


def _incoming(worker: int, i: int) -> None:
    sms = pdu.Sms("deliver", number=PHONE, text=f"ответ {worker}/{i}", time=dt.datetime(2026, 11, 20, 9, 2))
    if sms_outbox.store_deliver(sms, f"pdu-{worker}-{i}") is None:
        raise AssertionError(f"incoming SMS {worker}/{i} not stored")


def _import(plan: dict, worker: int, i: int) -> None:
    entry = importer.import_file(Path(plan["files"]) / f"sales-{worker}-{i}.csv", source="cli", kind="sales")
    if entry.status != "done":
        raise AssertionError(f"import sales-{worker}-{i}: {entry.status} {entry.error}")


def run_threads(workers: list[int], plan: dict) -> list[str]:
    errors: list[str] = []
    lock = threading.Lock()

    def one(w):
        found = work(w, plan)
        with lock:
            errors.extend(found)

    threads = [threading.Thread(target=one, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def main(argv: list[str]) -> int:
    """Child process: `python -m tests.db.write_load <var_dir> <plan.json> <worker,worker...>`."""
    var_dir, plan_path, workers = Path(argv[0]), Path(argv[1]), [int(w) for w in argv[2].split(",")]
    cfg = settings_mod.Settings(None, environ={}, overrides={
        "app": {"data_dir": str(var_dir), "secret_key": "test-secret"}, "discovery": {"enabled": "no"}})
    settings_mod.configure(cfg)
    open_database(cfg.db_path)
    plan = json.loads(plan_path.read_text())
    print("ready", flush=True)
    sys.stdin.readline()  # the parent says "go" when every child is ready: they start together
    print(json.dumps(run_threads(workers, plan)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
