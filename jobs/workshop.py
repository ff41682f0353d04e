"""The workshop's chores: planned cars that never came are marked no-show."""
from __future__ import annotations

from huey import crontab

from appliance.workshop import work_orders
from jobs import huey
from jobs.runtime import with_database


@huey.periodic_task(crontab(minute="*/10"))
@with_database
def mark_no_shows():
    return work_orders.mark_no_shows()
