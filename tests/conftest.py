"""Fixtures: every test gets its own data folder, a migrated empty database and settings.

Areas reuse these: `app`, `client`, `login(client, role)`, `staff`, `demo_db`, `worker` (huey immediate),
and in tests/e2e `live_server` and `page`.
"""
from __future__ import annotations

import atexit
import datetime as dt
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import time_machine

# Import-time settings (the huey instance) must never touch the developer's ./var.
_SESSION_VAR = tempfile.mkdtemp(prefix="prilavok-test-")
atexit.register(shutil.rmtree, _SESSION_VAR, ignore_errors=True)
os.environ["PRILAVOK_APP_DATA_DIR"] = _SESSION_VAR
os.environ["PRILAVOK_CONFIG"] = str(Path(_SESSION_VAR) / "none.ini")

from appliance import settings as settings_mod  # noqa: E402
from db import database, migrate, open_database  # noqa: E402

# The supplier simulator and supplier settings, used by the supplier, purchasing and orders tests.
pytest_plugins = ("tests.suppliers.fixtures",)

# `make test` runs the time-sensitive tests (marker `clock`) again at the instants listed in
# the Makefile (CLOCK_INSTANTS) through --now. Shop midnight is 21:00 UTC.


def pytest_addoption(parser):
    parser.addoption("--now", default=os.environ.get("PRILAVOK_TEST_NOW", ""),
                     help="run the suite as if it were this instant (ISO 8601, e.g. 2026-12-06T21:10:00Z); "
                          "default: $PRILAVOK_TEST_NOW, else the real clock")


def suite_instant(config) -> dt.datetime | None:
    raw = (config.getoption("--now") or "").strip()
    if not raw:
        return None
    when = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise pytest.UsageError(f"--now/PRILAVOK_TEST_NOW needs a zone (Z or +03:00): {raw}")
    return when


def pytest_report_header(config):
    when = suite_instant(config)
    return f"suite clock: {when.isoformat() if when else 'the real clock'}"


@pytest.fixture(autouse=True)
def suite_clock(request):
    """Shift every test to --now (ticking from there): the whole suite lives at that instant."""
    when = suite_instant(request.config)
    if when is None:
        yield None
        return
    with time_machine.travel(when, tick=True) as traveller:
        yield traveller


def configure_settings(var_dir, **sections) -> settings_mod.Settings:
    """Install test settings for this process: the data folder, no zeroconf, plus `sections`
    ({"printer": {...}}, or **{"supplier:s1": {...}}) over the embedded defaults."""
    overrides = {"app": {"data_dir": str(var_dir), "secret_key": "test-secret"}, "discovery": {"enabled": "no"}}
    for name, values in sections.items():
        overrides[name] = {**overrides.get(name, {}), **values}
    cfg = settings_mod.Settings(None, environ={}, overrides=overrides)
    cfg.var_dir.mkdir(parents=True, exist_ok=True)
    settings_mod.configure(cfg)
    return cfg


@pytest.fixture
def settings(tmp_path):
    yield configure_settings(tmp_path / "var")
    settings_mod.configure(None)


@pytest.fixture
def db(settings):
    open_database(settings.db_path)
    database.connect(reuse_if_open=True)
    migrate()
    yield database
    from appliance.purchasing import price_check

    assert price_check.wait_background(), "a price check was still asking suppliers after the test"
    if not database.is_closed():
        database.close()


@pytest.fixture
def staff(db):
    from appliance import staff as staff_mod

    return {role: staff_mod.create_staff(role, name, role, "demo") for role, name in (
        ("owner", "Громов Виктор Павлович"), ("manager", "Соколова Анна Сергеевна"),
        ("mechanic", "Захаров Денис Олегович"))}


@pytest.fixture
def app(db, settings):
    from web import create_app

    app = create_app({"TESTING": True}, settings=settings)
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


def wait_for(cond, timeout: float = 20.0, what: str = ""):
    """Poll ``cond`` until it returns something true (a process started, a row appeared)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = cond()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Browser:
    """The Flask test client with the CSRF token a real page would carry."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def get(self, url, **kw):
        response = self.client.get(url, **kw)
        if response.mimetype == "text/html" and b"csrf" in response.data:
            try:
                self.token = csrf_from(response.get_data(as_text=True))
            except AssertionError:
                pass
        return response

    def post(self, url, data=None, htmx=False, **kw):
        if self.token is None:
            self.get("/login")
        headers = kw.pop("headers", {})
        headers["X-CSRFToken"] = self.token
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(url, data=data or {}, headers=headers, **kw)


def login_as(client, username: str, password: str = "demo") -> Browser:
    """A Browser logged in with these credentials (the demo shop's staff have password demo)."""
    browser = Browser(client)
    browser.get("/login")
    response = browser.post("/login", {"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    browser.get("/customers")
    return browser


@pytest.fixture
def login(client, staff):
    def do(role: str = "manager") -> Browser:
        return login_as(client, role)
    return do


@pytest.fixture
def car(db, staff):
    """A customer with a Chery Tiggo 4 (the workshop and input tests' car)."""
    from appliance import customers
    from appliance.customers import PhoneInput, VehicleInput

    customer = customers.create_customer("Иванов Пётр Сергеевич", [PhoneInput("+7 916 123-45-67")], staff["manager"],
                                         vehicle_list=[VehicleInput("Chery", "Tiggo 4", 2019, plate="А123ВС77")])
    return customer, customer.vehicles.get()


@pytest.fixture
def demo_db(db):
    from appliance.demo import build_demo

    build_demo(customers_count=25)
    return db


@pytest.fixture
def worker():
    """huey as tests run it: tasks execute at once (immediate mode), in this process."""
    from jobs import huey

    huey.immediate = True
    yield huey
    huey.immediate = False
