"""Browser tests: the app served by waitress on 127.0.0.1, driven by Debian's Chromium.

`live_server` is the base URL; `page` a fresh Playwright page; `login_as(page, role)`
logs in through the real form. Screenshots go to tests/artifacts/ (kept by CI runs).
"""
from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = os.environ.get("PRILAVOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@contextlib.contextmanager
def serving(app):
    """The app on waitress in a thread; yields its base URL. The loop runs in short turns and
    the thread itself closes the sockets when told to stop: closing them from here while the
    loop sits in select() raised EBADF in the server thread now and then."""
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="prilavok-test")
    stop = threading.Event()

    def run():
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)
        # Keep-alive connections of a still-open browser would otherwise stay open.
        for channel in list(server._map.values()):
            if channel is not server:
                channel.close()
        server.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop.set()
        thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=2)


@pytest.fixture
def live_server(app, staff, worker):
    """The app on waitress, with huey in immediate mode standing in for the worker process
    (uploads and «Проверить сейчас» run as tasks)."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU",
                                  timezone_id="Europe/Moscow")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def login_as(live_server):
    def do(page, role: str = "manager", password: str = "demo"):
        page.goto(f"{live_server}/login")
        page.fill("input[name=username]", role)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        return page
    return do


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
