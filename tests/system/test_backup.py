"""Backups: one file plus a sha256 manifest each; restore refuses an edited or unverifiable
copy and refuses while a service runs."""
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine

from appliance import backup, cli, customers, runtime
from appliance.customers import PhoneInput
from appliance.errors import InputError
from db import database

ROOT = Path(__file__).resolve().parents[2]
MOSCOW_NIGHT = dt.datetime(2026, 3, 2, 0, 30, tzinfo=dt.UTC)


def test_each_backup_is_one_file_and_its_manifest_and_rotation_leaves_nothing_else(db, settings):
    old_leftovers = [backup.backup_dir() / "prilavok-20250101-030000.tmp-wal",
                     backup.backup_dir() / "prilavok-20250101-030000.tmp-shm"]
    backup.backup_dir().mkdir(parents=True)
    for path in old_leftovers:
        path.write_bytes(b"")
    copies = []
    for day in range(3):
        with time_machine.travel(MOSCOW_NIGHT + dt.timedelta(days=day), tick=False):
            copies.append(backup.make_backup())
    names = sorted(p.name for p in backup.backup_dir().iterdir())
    assert names == sorted([c.name for c in copies] + [c.name + ".sha256" for c in copies] +
                           [p.name for p in old_leftovers])
    sha = backup.manifest_path(copies[0]).read_text().split()
    assert sha == [backup._sha256(copies[0]), copies[0].name]
    backup.rotate(keep_daily=1, keep_weekly=0)
    assert sorted(p.name for p in backup.backup_dir().iterdir()) == [copies[-1].name, copies[-1].name + ".sha256"]


def test_a_copy_edited_in_place_is_not_restored(db, settings, capsys):
    customers.create_customer("Иванов Пётр", [PhoneInput("89160000001")])
    copy = backup.make_backup()
    customers.create_customer("После копии", [PhoneInput("89160000002")])
    data = copy.read_bytes()
    assert "Иванов".encode() in data
    copy.write_bytes(data.replace("Иванов".encode(), "Петров".encode()))
    assert backup.integrity_problem(copy) is None  # SQLite itself sees nothing wrong
    database.close()
    assert cli.main(["restore", str(copy)]) == 1
    err = capsys.readouterr().err
    assert "изменена после создания" in err and "текущая база не тронута" in err
    with pytest.raises(InputError, match="изменена после создания"):
        backup.restore(copy, unverified=True)  # --unverified is for copies without a manifest only
    database.connect(reuse_if_open=True)
    assert customers.find_by_phone("+79160000002") is not None


def test_a_copy_without_manifest_needs_unverified(db, settings, capsys):
    customers.create_customer("До копии", [PhoneInput("89160000001")])
    copy = backup.make_backup()
    customers.create_customer("После копии", [PhoneInput("89160000002")])
    backup.manifest_path(copy).unlink()
    database.close()
    assert cli.main(["restore", str(copy)]) == 1
    assert "--unverified" in capsys.readouterr().err
    database.connect(reuse_if_open=True)
    assert customers.find_by_phone("+79160000002") is not None
    database.close()
    assert cli.main(["restore", "--unverified", str(copy)]) == 0
    database.connect(reuse_if_open=True)
    assert customers.find_by_phone("+79160000002") is None


def _locked(name: str) -> bool:
    try:
        with runtime.services_stopped():
            return False
    except InputError as exc:
        return name in exc.message


def test_restore_refuses_while_a_service_runs(db, settings, capsys):
    copy = backup.make_backup()
    env = {**os.environ, "PRILAVOK_APP_DATA_DIR": str(settings.var_dir),
           "PRILAVOK_CONFIG": str(settings.var_dir / "none.ini"), "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([sys.executable, "-m", "appliance.cli", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not _locked("фоновые задачи") and time.monotonic() < deadline:
            time.sleep(0.2)
        database.close()
        assert cli.main(["restore", str(copy)]) == 1
        err = capsys.readouterr().err
        assert "Сначала остановите службы" in err and "фоновые задачи (prilavok worker)" in err
        worker.send_signal(signal.SIGKILL)  # even killed, it leaves no stale lock behind
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert cli.main(["restore", str(copy)]) == 0
