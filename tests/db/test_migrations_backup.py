import sqlite3

import pytest

from appliance import backup, customers
from appliance.customers import PhoneInput
from appliance.errors import InputError
from db import database, migrate, open_database, schema_status

pytestmark = pytest.mark.clock  # rules that count days and hours: run at four instants


def test_upgrade_from_previous_schema_keeps_data(settings):
    open_database(settings.db_path)
    names = [m.name for m in schema_status()]
    assert len(names) >= 2, "at least the foundation and one later migration"
    migrate(names[-2])
    assert not schema_status()[-1].applied
    customers.create_customer("Старый Клиент", [PhoneInput("89160001122")])
    applied = migrate()
    assert applied == [names[-1]]
    assert all(m.applied for m in schema_status())
    assert customers.find_by_phone("+79160001122").name == "Старый Клиент"
    assert customers.search("Старый")[0].customer.name == "Старый Клиент"
    assert migrate() == []


def test_database_runs_in_wal_with_foreign_keys(db):
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_backup_restore_and_rotation(db, settings, tmp_path):
    customers.create_customer("До копии", [PhoneInput("89160000001")])
    copy = backup.make_backup()
    assert backup.integrity_problem(copy) is None
    customers.create_customer("После копии", [PhoneInput("89160000002")])

    corrupt = tmp_path / "broken.db"
    corrupt.write_bytes(copy.read_bytes()[:4096] + b"\x00garbage" * 1000)
    with pytest.raises(InputError, match="отменено"):
        backup.restore(corrupt)
    assert customers.find_by_phone("+79160000002") is not None

    database.close()
    kept = backup.restore(copy)
    assert kept.exists()
    database.connect()
    assert customers.find_by_phone("+79160000002") is None
    assert customers.find_by_phone("+79160000001").name == "До копии"
    con = sqlite3.connect(kept)
    assert con.execute("SELECT count(*) FROM customer").fetchone()[0] == 2


def test_rotation_keeps_seven_daily_and_four_weekly(tmp_path, settings):
    import datetime as dt

    start = dt.datetime(2026, 9, 1, 3, 15)
    for day in range(60):
        for hour in (3, 14):
            stamp = (start + dt.timedelta(days=day, hours=hour - 3)).strftime("%Y%m%d-%H%M%S")
            (tmp_path / f"prilavok-{stamp}.db").write_bytes(b"x")
    backup.rotate(tmp_path, keep_daily=7, keep_weekly=4)
    left = sorted(p.name for p in tmp_path.glob("prilavok-*.db"))
    days = {n[9:17] for n in left}
    assert len(left) == len(days)  # one copy per day kept, the newest of it
    assert {"20261030", "20261029", "20261024"} <= days
    assert 7 <= len(left) <= 11
    assert all(n.endswith("-141500.db") for n in left)
