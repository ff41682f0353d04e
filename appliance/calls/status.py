"""What the status bar and the «Оборудование» page say about the office PBX link."""
from __future__ import annotations

from dataclasses import dataclass

from appliance import settings, status
from appliance.clock import day_start, local_today, to_local
from db.models.calls import PbxStatus, PhoneCall


def pbx_probe():
    """Status-bar item; nothing when no PBX is configured."""
    if not settings.get().get("pbx", "url"):
        return None
    row = PbxStatus.get_or_none(PbxStatus.id == 1)
    beat = status.last_beat("devices")
    if beat is None:
        return status.StatusItem("АТС", "процесс устройств не запущен", "bad", "/devices")
    if row is None or row.since is None:
        return status.StatusItem("АТС", "подключаемся…", "warn", "/devices")
    if not row.up:
        return status.StatusItem("АТС", f"нет связи с {to_local(row.since):%H:%M}: {row.last_error}", "bad",
                                 "/devices")
    return status.StatusItem("АТС", "на связи", "ok", "/devices")


@dataclass
class PbxPanel:
    configured: bool
    row: PbxStatus | None
    calls_today: int


def panel() -> PbxPanel:
    row = PbxStatus.get_or_none(PbxStatus.id == 1)
    today = PhoneCall.select().where(PhoneCall.started_at >= day_start(local_today())).count()
    return PbxPanel(bool(settings.get().get("pbx", "url")), row, today)
