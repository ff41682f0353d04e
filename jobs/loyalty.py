"""Bonus cards: points credited once the hold is over, and points past their date burnt."""
from __future__ import annotations

from huey import crontab

from appliance.loyalty import ledger
from jobs import huey
from jobs.runtime import with_database


@huey.periodic_task(crontab(minute="17"))
@with_database
def credit_and_expire():
    """Hourly; safe twice: a credited sale is marked, a burnt lot has nothing left."""
    return {"credited": ledger.credit_due(), "burnt_kop": ledger.expire_due()}
