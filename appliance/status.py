"""The status bar: is the worker alive, when was the last backup, are devices and links up.

Each area adds a probe (a dotted path to a function returning StatusItem or None).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import shutil

from appliance import hooks, notifications, settings
from appliance.clock import to_local, utcnow
from db.models.notifications import Notification
from db.models.staff import Staff
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
    "appliance.status:disk_probe",
    "appliance.sms.outbox:modem_probe",
    "appliance.printing:status_probe",
    "appliance.suppliers.link:status_probe",
    "appliance.calls.status:pbx_probe",
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


DISK_KEY = "disk-space"


def _mb(free_bytes: int) -> str:
    mb = free_bytes / 2**20
    return f"{mb / 1024:.1f} ГБ".replace(".", ",") if mb >= 1024 else f"{mb:.0f} МБ"


def disk_state() -> tuple[str, int]:
    """(ok | warn | bad, free bytes) of the data folder, against [app] disk_warn_mb / disk_critical_mb."""
    cfg = settings.get()
    free = shutil.disk_usage(cfg.var_dir).free
    if free < cfg.getint("app", "disk_critical_mb") * 2**20:
        return "bad", free
    if free < cfg.getint("app", "disk_warn_mb") * 2**20:
        return "warn", free
    return "ok", free


def disk_probe() -> StatusItem:
    level, free = disk_state()
    text = f"свободно {_mb(free)}" + (" — скоро нельзя будет сохранять" if level == "bad" else "")
    return StatusItem("Место на диске", text, level)


def check_disk_space() -> str:
    """The worker's check: tell the owner when free space runs low (one notification, updated
    only when the level changes), close it when space is back. Returns the level."""
    level, free = disk_state()
    if level == "ok":
        notifications.resolve("device", DISK_KEY, comment=f"места снова достаточно: {_mb(free)}")
        return level
    title = ("На диске почти нет места: скоро нельзя будет сохранять" if level == "bad"
             else "На диске заканчивается место")
    current = (Notification.select().where((Notification.kind == "device") & (Notification.key == DISK_KEY)
                                           & Notification.is_open).first())
    if current is None or current.title != title:
        owner = Staff.select().where((Staff.role == "owner") & Staff.active).order_by(Staff.id).first()
        notifications.raise_notification(
            "device", DISK_KEY, title,
            f"В папке данных ({settings.get().var_dir}) свободно {_mb(free)}. Когда место кончится, заказы, "
            f"клиенты и SMS перестанут сохраняться. Удалите лишнее или перенесите старые резервные копии.",
            assignee=owner)
    return level


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
