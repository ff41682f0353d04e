"""Supplier jobs: the nightly stock watch, catching up after the link returns, placing
queued supplier orders (the outbox) and polling their status. Thin wrappers."""
from __future__ import annotations

import logging

from huey import crontab

from appliance import settings
from appliance.purchasing import stock_watch, supplier_orders
from appliance.suppliers import registry
from jobs import huey
from jobs.runtime import with_database

log = logging.getLogger(__name__)

STOCK_WATCH_LOCK = "stock-watch"  # the nightly run, catching up and «Проверить сейчас» never overlap

_cfg = settings.get()
_hour, _, _minute = (_cfg.get("suppliers", "stock_watch_time") or settings.DEFAULTS["suppliers"]["stock_watch_time"]).partition(":")
_catch_up = max(1, _cfg.getint("suppliers", "catch_up_minutes"))


@huey.periodic_task(crontab(minute=str(int(_minute or 0)), hour=str(int(_hour))))
@huey.lock_task(STOCK_WATCH_LOCK)
@with_database
def nightly_stock_watch():
    """At [suppliers] stock_watch_time (shop time); lines the link missed wait for catch_up."""
    return stock_watch.run().text_ru()


@huey.periodic_task(crontab(minute=f"*/{_catch_up}"))
@huey.lock_task(STOCK_WATCH_LOCK)
@with_database
def stock_watch_catch_up():
    summary = stock_watch.catch_up()
    return summary.text_ru() if summary else ""


@huey.periodic_task(crontab(minute="*"))
@huey.lock_task("supplier-outbox")
@with_database
def place_supplier_orders():
    """Drain the outbox every minute; a supplier without link is retried with backoff."""
    return supplier_orders.drain_outbox()


@huey.periodic_task(crontab(minute="*/15"))
@huey.lock_task("supplier-status")
@with_database
def poll_supplier_statuses():
    return supplier_orders.poll_statuses()


@huey.task()
@huey.lock_task(STOCK_WATCH_LOCK)
@with_database
def stock_check_now(staff_id: int | None = None):
    """The reorder page's «Проверить сейчас»: the nightly run, now, as a manual one by this person;
    the answer the page shows."""
    return stock_watch.run_manual(staff_id).text_ru()


@huey.task()
@with_database
def check_supplier_link(code: str):
    """The suppliers page's «Проверить связь» (and the check after a save): the answer the page shows."""
    return registry.check_link(code)[1]
