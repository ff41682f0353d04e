"""1C exchange chores: the drop folder every minute, the evening stock reminder."""
from __future__ import annotations

from huey import crontab

from appliance.exchange import folder, stock
from jobs import huey
from jobs.runtime import with_database


@huey.periodic_task(crontab(minute="*"))
@huey.lock_task("exchange-drop-folder")
@with_database
def exchange_drop_folder():
    return [entry.id for entry in folder.process()]


@huey.periodic_task(crontab(minute="*/5", hour="17-23"))
@with_database
def exchange_evening_stock_check():
    return stock.evening_check()
