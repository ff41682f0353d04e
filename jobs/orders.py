"""Parts orders: the tracking check (forgot to order, refusals, late, shelf reminders)."""
from __future__ import annotations

from huey import crontab

from appliance import settings
from jobs import huey
from jobs.runtime import with_database

_cfg = settings.get()
_EVERY = max(1, min(59, _cfg.getint("orders", "tracking_minutes")))


@huey.periodic_task(crontab(minute=f"*/{_EVERY}"))
@with_database
def track_orders():
    from appliance.orders import tracking

    report = tracking.run()
    return {"checked": report.checked, "raised": report.raised, "resolved": report.resolved}


@huey.task()
@with_database
def track_orders_now():
    """Run the check on demand (the orders page's «Проверить сейчас»): the answer the page shows."""
    from appliance.orders import tracking

    return tracking.run().text_ru()
