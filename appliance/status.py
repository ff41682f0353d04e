"""The status bar: is the worker alive, when was the last backup, are devices and links up.

Each area adds a probe (a dotted path to a function returning StatusItem or None).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from appliance import hooks
from appliance.clock import to_local, utcnow
from db.models.system import Heartbeat, KeyValue

log = logging.getLogger(__name__)


@dataclasses.dataclass
class StatusItem:
    label: str
    text: str
    level: str = "ok"  # ok | warn | bad
    url: str = ""


PROBES: list[str] = [
    "appliance.status:worker_probe",
    "appliance.status:backup_probe",
    "appliance.sms.outbox:modem_probe",
    "appliance.printing:status_probe",
    "appliance.suppliers.link:status_probe",
]


def beat(process: str, detail: str = "") -> None:
    """A process says it is alive."""
    now = utcnow()
    updated = Heartbeat.update(at=now, detail=detail).where(Heartbeat.process == process).execute()
    if not updated:
        Heartbeat.insert(process=process, at=now, detail=detail).on_conflict_replace().execute()


def last_beat(process: str) -> dt.datetime | None:
    row = Heartbeat.get_or_none(Heartbeat.process == process)
    return row.at if row else None


def worker_probe() -> StatusItem:
    at = last_beat("worker")
    if at is None:
        return StatusItem("Фоновые задачи", "не запускались", "bad")
    age = utcnow() - at
    if age > dt.timedelta(minutes=3):
        return StatusItem("Фоновые задачи", f"молчат с {to_local(at):%H:%M}", "bad")
    return StatusItem("Фоновые задачи", "работают")


def backup_probe() -> StatusItem:
    row = KeyValue.get_or_none(KeyValue.key == "last_backup_at")
    if row is None:
        return StatusItem("Резервная копия", "ещё не делалась", "warn")
    at = dt.datetime.fromisoformat(row.value)
    level = "ok" if utcnow() - at < dt.timedelta(hours=36) else "bad"
    return StatusItem("Резервная копия", f"{to_local(at):%d.%m.%Y %H:%M}", level)


def collect() -> list[StatusItem]:
    items = []
    for path in PROBES:
        try:
            probe = hooks.load(path)
            item = probe() if probe else None
        except Exception:  # a broken probe must not take the status bar down
            log.exception("status probe %s failed", path)
            continue
        if item is not None:
            items.append(item)
    return items
