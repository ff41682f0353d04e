"""Fixtures for the supplier, purchasing and orders tests: the simulator and supplier settings."""

from __future__ import annotations

import pytest

from appliance import settings as settings_mod
from appliance.purchasing import price_check
from appliance.suppliers import link, registry
from hardware.sim.supplier_api import RunningSim, SimSupplier
from tests.conftest import configure_settings

# The simulator's stock and prices change by the day: its day is fixed, so the offers the
# tests see do not depend on the date the suite runs on (the rules' own clock still moves).
SIM_DAY = "2026-11-16"


@pytest.fixture
def sim():
    running = RunningSim([SimSupplier("s1", seed=1, coverage=1.0, price_factor=0.95, days=2, date=SIM_DAY),
                          SimSupplier("s2", seed=2, coverage=1.0, price_factor=1.05, days=0, date=SIM_DAY),
                          SimSupplier("s3", seed=3, coverage=1.0, price_factor=1.0, days=1, date=SIM_DAY)], port=0)
    server = running.start()
    yield server
    running.stop()


@pytest.fixture
def suppliers_cfg(db, settings, sim):
    """Settings with three ABCP suppliers on the simulator; fresh adapters and link state."""
    overrides = {
        "suppliers": {"connect_timeout": "0.5", "read_timeout": "1", "retries": "1", "backoff": "0.01",
                      "price_cache_seconds": "0", "max_delivery_days": "10"},
    }
    for name in ("s1", "s2", "s3"):
        overrides[f"supplier:{name}"] = {
            "kind": "abcp", "name": f"Поставщик {name}", "url": sim.url(name), "login": "demo",
            "password": "demo", "markup": "30", "lead_days": "0", "working_days": "1-7",
            "concurrency": "4", "rate_limit": "0"}
    cfg = configure_settings(settings.var_dir, **overrides)
    registry.reset()
    link.tracker.reset()
    link.tracker.probe_interval = 60
    price_check.clear_cache()
    yield cfg
    registry.reset()
    link.tracker.reset()
    settings_mod.configure(settings)
