"""The box's own chores: heartbeat, free disk space and the nightly backup."""
from __future__ import annotations

from huey import crontab

from appliance import backup, settings, status
from jobs import huey
from jobs.runtime import with_database

_cfg = settings.get()


@huey.periodic_task(crontab(minute="*"))
@with_database
def heartbeat():
    status.beat("worker")


@huey.periodic_task(crontab(minute="*/5"))
@with_database
def disk_space():
    status.check_disk_space()


@huey.periodic_task(crontab(minute="15", hour=_cfg.get("backup", "hour")), retries=2, retry_delay=600)
@with_database
def nightly_backup():
    return str(backup.nightly())
