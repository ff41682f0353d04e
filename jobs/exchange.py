"""1C exchange chores: uploads from «Обмен с 1С», the drop folder every minute, the evening stock reminder."""
from __future__ import annotations

from huey import crontab

from appliance.exchange import folder, importer, stock
from jobs import huey
from jobs.runtime import with_database


@huey.task()
@with_database
def import_upload(log_id: int, path: str, kind: str | None = None) -> str:
    """A file uploaded on «Обмен с 1С»: imported here, not in the web process; the page polls its row."""
    return importer.import_queued(log_id, path, kind=kind).status


@huey.periodic_task(crontab(minute="*"))
@huey.lock_task("exchange-drop-folder")
@with_database
def exchange_drop_folder():
    return [entry.id for entry in folder.process()]


@huey.periodic_task(crontab(minute="*/5", hour="17-23"))
@with_database
def exchange_evening_stock_check():
    return stock.evening_check()
