"""The web runs one process per core: a 1C poll or a progress bar may reach a process
other than the one importing the file, and must see the import, not declare it dead."""
import subprocess
import sys

from appliance.exchange import importer


def test_an_import_running_in_another_live_process_is_seen(db, settings):
    entry = importer.start_log("big.xml", "http", None, "")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        importer._running_file(entry.id).parent.mkdir(parents=True, exist_ok=True)
        importer._running_file(entry.id).write_text(f"{other.pid} 4096 10240")
        assert importer.running_in_another_process(entry.id)
        assert importer.progress_of(entry) == (4096, 10240)
    finally:
        other.kill()
        other.wait()
    # The importing process died (a restart): nobody is importing it any more.
    assert not importer.running_in_another_process(entry.id)


def test_this_process_own_marker_is_not_another_process(db, settings):
    entry = importer.start_log("own.csv", "upload", None, "")
    importer._mark_running(entry.id, 10, 20)
    assert not importer.running_in_another_process(entry.id)
