"""What every task needs around it: an open database connection."""
from __future__ import annotations

import functools

from appliance import settings
from db import database, open_from_settings


def with_database(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if database.obj is None:
            open_from_settings(settings.get())
        database.connect(reuse_if_open=True)
        try:
            return fn(*args, **kwargs)
        finally:
            if not database.is_closed() and not huey_immediate():
                database.close()
    return wrapper


def huey_immediate() -> bool:
    from jobs import huey
    return huey.immediate
