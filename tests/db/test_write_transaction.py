"""db.write_transaction() outside the web: a worker or the devices process that hits a storage
fault gets the real reason and a fresh connection on its next write (issue 11, item 2)."""
from __future__ import annotations

import peewee
import pytest

from appliance import notifications
from db import database, storage_fault, write_transaction
from db.models.notifications import Notification


def test_a_read_only_connection_is_dropped_and_the_next_write_works(db):
    database.connect(reuse_if_open=True)
    database.execute_sql("PRAGMA query_only = ON")  # as if opened while the files were read-only
    with pytest.raises(peewee.OperationalError) as refused:
        notifications.raise_notification("device", "modem", "GSM-модем недоступен")
    assert storage_fault(refused.value) == "readonly"
    notifications.raise_notification("device", "modem", "GSM-модем недоступен")
    assert Notification.select().count() == 1


def test_disk_full_is_reported_as_such_even_when_sqlite_rolled_back_itself(db):
    database.connect(reuse_if_open=True)
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.execute_sql("VACUUM")
    database.execute_sql(f"PRAGMA max_page_count = {database.execute_sql('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(peewee.OperationalError) as full:
        with write_transaction():
            Notification.create(kind="device", key="big", title="x", body="ж" * 20000, priority=1,
                                created_at="2026-12-01 10:00", updated_at="2026-12-01 10:00")
    assert "database or disk is full" in str(full.value) and storage_fault(full.value) == "full"
    assert Notification.select().count() == 0  # nothing half-saved; a fresh connection answers
