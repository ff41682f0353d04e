"""The web runs one process per core: a 1C poll or a progress bar may reach a process
other than the one importing the file, and must see the import, not declare it dead."""
import datetime as dt
import subprocess
import sys

import time_machine

from appliance.exchange import importer, progress
from db.models.exchange import ImportLog


def test_an_import_running_in_another_live_process_is_seen(db, settings):
    entry = importer.start_log("big.xml", "http", None, "")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        progress.running_file(entry.id).parent.mkdir(parents=True, exist_ok=True)
        progress.running_file(entry.id).write_text(f"{other.pid} 4096 10240")
        assert progress.running_in_another_process(entry.id)
        assert progress.progress_of(entry) == (4096, 10240)
    finally:
        other.kill()
        other.wait()
    # The importing process died (a restart): nobody is importing it any more.
    assert not progress.running_in_another_process(entry.id)


def test_this_process_own_marker_is_not_another_process(db, settings):
    entry = importer.start_log("own.csv", "upload", None, "")
    progress.mark_running(entry.id, 10, 20)
    assert not progress.running_in_another_process(entry.id)


def test_start_up_sweep_fails_only_imports_nobody_runs(db, settings):
    t0 = dt.datetime(2026, 3, 2, 9, 0)  # naive UTC, as stored
    with time_machine.travel(t0.replace(tzinfo=dt.UTC), tick=False):
        own = importer.start_log("own.xml", "http", None, "")  # this process imports it
        dead = importer.start_log("dead.xml", "http", None, "")
        progress.ACTIVE.discard(dead.id)
        progress.mark_running(dead.id, 0, 0)
        progress.running_file(dead.id).write_text("999999 10 20")  # a pid that does not exist
        ImportLog.create(source="folder", filename="old.csv", started_at=t0, status="running")
        other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            alive = ImportLog.create(source="upload", filename="alive.csv", started_at=t0, status="running")
            progress.mark_running(alive.id, 0, 0)
            progress.running_file(alive.id).write_text(f"{other.pid} 1 2")
            assert importer.fail_interrupted() == 1  # the row without a mark may be a moment old
            with time_machine.travel(t0.replace(tzinfo=dt.UTC) + dt.timedelta(minutes=2), tick=False):
                assert importer.fail_interrupted() == 1
        finally:
            other.kill()
            other.wait()
    status = {e.filename: (e.status, e.error) for e in ImportLog.select()}
    assert status["own.xml"] == ("running", "")
    assert status["alive.csv"] == ("running", "")
    assert status["dead.xml"][0] == status["old.csv"][0] == "failed"
    assert "dead.xml: прервано: процесс был остановлен" in status["dead.xml"][1]
    progress.ACTIVE.discard(own.id)
