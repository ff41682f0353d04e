"""Free space of the data folder (issue 11, item 2): the status bar warns below [app]
disk_warn_mb and turns red below disk_critical_mb; the owner gets one notification."""
from __future__ import annotations

from collections import namedtuple

import pytest

from appliance import status
from db.models.notifications import Notification

MB = 2**20
Usage = namedtuple("Usage", "total used free")


@pytest.fixture
def free_space(monkeypatch):
    space = {"free": 20_000 * MB}
    monkeypatch.setattr(status.shutil, "disk_usage",
                        lambda path: Usage(100_000 * MB, 100_000 * MB - space["free"], space["free"]))
    return space


def _open():
    return list(Notification.select().where(Notification.is_open & (Notification.key == status.DISK_KEY)))


def test_probe_levels_follow_the_settings(db, free_space):
    assert (status.disk_probe().level, status.disk_probe().text) == ("ok", "свободно 19,5 ГБ")
    free_space["free"] = 300 * MB
    assert (status.disk_probe().level, status.disk_probe().text) == ("warn", "свободно 300 МБ")
    free_space["free"] = 40 * MB
    item = status.disk_probe()
    assert item.level == "bad" and item.label == "Место на диске"
    assert item.text == "свободно 40 МБ — скоро нельзя будет сохранять"


def test_owner_is_told_once_per_level_and_the_notice_closes_when_space_is_back(db, staff, free_space):
    assert status.check_disk_space() == "ok" and _open() == []
    free_space["free"] = 300 * MB
    status.check_disk_space()
    status.check_disk_space()
    (notice,) = _open()
    assert notice.title == "На диске заканчивается место" and notice.assignee_id == staff["owner"].id
    assert notice.occurrences == 1 and "свободно 300 МБ" in notice.body
    free_space["free"] = 40 * MB
    status.check_disk_space()
    (notice,) = _open()
    assert notice.title.startswith("На диске почти нет места") and notice.occurrences == 2
    free_space["free"] = 5_000 * MB
    assert status.check_disk_space() == "ok" and _open() == []


def test_status_bar_shows_free_space(login, free_space):
    free_space["free"] = 40 * MB
    html = login("manager").get("/pulse").get_data(as_text=True)
    assert "Место на диске" in html and "свободно 40 МБ" in html
