"""The README prints the demo shop's tablet and website tokens: production refuses them."""
from __future__ import annotations

import pytest

from appliance import runtime
from appliance.workshop import devices
from db.models.workshop import DeviceToken
from tests.conftest import configure_settings

STRONG = "k" * 40


def _demo_tokens():
    devices_rows = []
    for kind, token, name in (("display", devices.DEMO_TABLET_TOKEN, "Планшет в мастерской"),
                              ("website", devices.DEMO_WEBSITE_TOKEN, "Сайт магазина (демо)")):
        row, _ = devices.create(kind, name)
        DeviceToken.update(token_hash=devices.hash_token(token)).where(DeviceToken.id == row.id).execute()
        devices_rows.append(row)
    return devices_rows


def test_demo_tokens_work_in_demo_and_are_refused_in_production(db, settings, app):
    _demo_tokens()
    client = app.test_client()
    assert client.get("/workshop/device/demo-tablet").status_code == 302  # demo mode: the README link works
    configure_settings(settings.var_dir, app={"mode": "production", "secret_key": STRONG})
    assert client.get("/workshop/device/demo-tablet").status_code == 401
    response = client.post("/api/website/bookings", json={"name": "Иван", "phone": "+79161234567"},
                           headers={"Authorization": "Bearer demo-website"})
    assert response.status_code == 401
    assert devices.find(devices.DEMO_WEBSITE_TOKEN, "website") is None


def test_production_does_not_start_while_a_demo_token_is_live(db, settings):
    rows = _demo_tokens()
    cfg = configure_settings(settings.var_dir, app={"mode": "production", "secret_key": STRONG})
    with pytest.raises(SystemExit) as refused:
        runtime.refuse_production_problems(cfg)
    assert "demo device tokens" in str(refused.value) and "Планшет в мастерской" in str(refused.value)
    for row in rows:
        devices.revoke(row)
    runtime.refuse_production_problems(cfg)  # revoked: starts
