"""«Нет связи» is one truth in the database: what the worker learns, the web process shows and uses."""
import subprocess
import sys
from pathlib import Path

from appliance.purchasing import price_check
from appliance.suppliers import link

ROOT = Path(__file__).resolve().parents[2]

# another process (the worker) with its own link tracker on the same database
WORKER = """
import sys
from appliance import settings
from db import database, open_database
cfg = settings.Settings(None, environ={}, overrides={"app": {"data_dir": sys.argv[1], "secret_key": "x"},
                                                      "discovery": {"enabled": "no"}})
settings.configure(cfg)
open_database(cfg.db_path)
database.connect()
from appliance.suppliers import link
link.enable_storage()
getattr(link.tracker, sys.argv[2])(*sys.argv[3:])
"""


def in_worker(settings, *call: str) -> None:
    subprocess.run([sys.executable, "-c", WORKER, str(settings.var_dir), *call], cwd=ROOT, check=True, timeout=60)


def test_the_workers_catch_up_is_what_the_web_process_sees_and_uses(app, suppliers_cfg, sim, login):
    sim.control("s1", {"down": True})
    answers = {a.supplier: a for a in price_check.ask_all("T11-3501080", "CHERY")}
    assert answers["s1"].link_down
    manager = login("manager")
    assert "нет связи" in manager.get("/stock/reorder").get_data(as_text=True)
    # the link comes back; the worker's catch-up is the one that finds out
    sim.control("s1", {"down": False})
    in_worker(suppliers_cfg, "mark_ok", "s1")
    assert link.tracker.state("s1").up
    answers = {a.supplier: a for a in price_check.ask_all("T11-3501080", "CHERY")}
    assert not answers["s1"].link_down and answers["s1"].offers  # no waiting for this process's probe
    assert "нет связи" not in manager.get("/stock/reorder").get_data(as_text=True)
    assert link.status_probe() is None


def test_a_link_the_worker_saw_go_down_is_down_here_too(suppliers_cfg, sim):
    in_worker(suppliers_cfg, "mark_down", "s2", "нет соединения с поставщиком")
    state = link.tracker.state("s2")
    assert not state.up and state.last_error == "нет соединения с поставщиком"
    assert link.status_probe().text.startswith("нет связи с ")
    # a changed reason is stored even though the link was already down
    link.tracker.mark_down("s2", "поставщик не отвечает (таймаут 1 с)")
    assert link.stored_states()["s2"].last_error == "поставщик не отвечает (таймаут 1 с)"
