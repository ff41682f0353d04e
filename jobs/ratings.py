"""Ratings: every few minutes, queue the requests due (inside the send window) and hold the rest."""
from __future__ import annotations

from huey import crontab

from appliance import settings
from appliance.ratings import requests
from jobs import huey
from jobs.runtime import with_database

_EVERY = max(1, min(59, settings.get().getint("ratings", "send_minutes")))


@huey.periodic_task(crontab(minute=f"*/{_EVERY}"))
@with_database
def send_due_ratings():
    return requests.send_due().as_json()
