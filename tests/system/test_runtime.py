"""`prilavok run` keeps its processes alive; a process that starts marks imports its killed
predecessor left «загружается» as failed."""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from appliance.exchange import progress
from db import database
from db.models.exchange import ImportLog
from tests.bench.common import free_port, wait_up
from tests.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]




def _env(var_dir: Path) -> dict:
    return {**os.environ, "PRILAVOK_APP_DATA_DIR": str(var_dir), "PRILAVOK_CONFIG": str(var_dir / "none.ini"),
            "PRILAVOK_DISCOVERY_ENABLED": "no", "PRILAVOK_WEB_PROCESSES": "1", "PYTHONPATH": str(ROOT)}


def _children(pid: int) -> dict[int, str]:
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            pids = [int(p) for p in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
        for child in pids:
            try:
                found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except FileNotFoundError:
                pass
    return found


def _worker_pid(pid: int) -> int | None:
    return next((c for c, cmd in _children(pid).items() if cmd.endswith("appliance.cli worker ")), None)


def test_run_restarts_a_killed_worker_and_logs_the_signal(tmp_path):
    env = {**_env(tmp_path), "PRILAVOK_WEB_PORT": str(free_port()),
           "PRILAVOK_SUPPLIERS_SIM_PORT": str(free_port()), "PRILAVOK_PRINTER_SIM_PORT": str(free_port())}
    log_path = tmp_path / "run.log"
    with open(log_path, "wb") as log_file:
        run = subprocess.Popen([sys.executable, "-m", "appliance.cli", "run"], cwd=ROOT, env=env,
                               stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_up(f"http://127.0.0.1:{env['PRILAVOK_WEB_PORT']}/login")
        worker = wait_for(lambda: _worker_pid(run.pid), 30, "the worker")
        time.sleep(1)
        os.kill(worker, signal.SIGKILL)
        replacement = wait_for(lambda: (pid := _worker_pid(run.pid)) != worker and pid, 20, "a new worker")
        assert Path(f"/proc/{replacement}").exists()
        assert re.search(rf"WARNING .*процесс worker \(pid {worker}\) завершился по сигналу SIGKILL \(9\); "
                         r"перезапуск через \d+ с", log_path.read_text())
    finally:
        run.send_signal(signal.SIGINT)
        run.wait(30)
    assert "Прилавок остановлен." in log_path.read_text()


_KILLED_IMPORT = """
import sys, time
from appliance import settings
from appliance.exchange import importer
from db import open_from_settings
open_from_settings(settings.get())
importer._Import.run = lambda self: time.sleep(600)  # stands for a long catalog import
importer.import_file(sys.argv[1], source="upload")
"""


def test_an_import_killed_mid_way_is_marked_failed_when_the_web_starts(db, settings, tmp_path):
    path = tmp_path / "stock.csv"
    path.write_text("Артикул;Бренд;Склад;Остаток\nA1;CHERY;Основной склад;3\n", encoding="utf-8")
    env = _env(settings.var_dir)
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_IMPORT, str(path)], cwd=ROOT, env=env)
    try:
        mark = wait_for(lambda: (m := progress.read_running(1)) and m[0] == proc.pid and m, 30, "the import")
        assert mark[0] == proc.pid
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    database.close()
    assert ImportLog.get_by_id(1).status == "running"  # what the page said forever before
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "appliance.cli", "serve", "--port", str(port)], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(f"http://127.0.0.1:{port}/login")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(15)
    database.close()
    entry = ImportLog.get_by_id(1)
    assert entry.status == "failed" and entry.finished_at is not None
    assert "stock.csv: прервано: процесс был остановлен" in entry.error
    assert not progress.running_file(1).exists()
