"""Screen-pop delay and an AMI event storm, against the AMI simulator over TCP.

1. Screen pop: the simulator rings a ring group; we time from the moment the packet is
   written to the devices side's socket (localhost: it reaches the AMI reader within
   microseconds) to the pop-up being in the DOM of a logged-in Chromium page. Target p95 < 1 s.
   Floor, measured the same way in the same run: a bare Flask page on waitress polling a
   flag every 500 ms (the same poll interval, no database, no rules).
2. Storm: 200 events/s for `STORM_S` seconds (a minute by default); lost calls, duplicate
   rows and the backlog left when the storm stops. Floor: raw sqlite3 inserting the same
   number of rows one transaction per batch.

Run: `make bench` (all) or `python -m tests.bench bench_calls`.
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from tests.bench.common import percentiles

POPS = int(os.environ.get("BENCH_POPS", "30"))
STORM_S = float(os.environ.get("BENCH_STORM_S", "60"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]


def _serve(app):
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}"


def _floor_app():
    from flask import Flask

    app = Flask("floor")
    state = {"v": "0"}

    @app.route("/")
    def index():
        return ("<div id=box></div><script>setInterval(async()=>{const r=await fetch('/v');"
                "const t=await r.text();if(t!=='0'){document.getElementById('box').innerHTML="
                "'<b class=pop data-v='+t+'>x</b>'}},300)</script>")

    @app.route("/v")
    def v():
        return state["v"]

    return app, state


def main() -> None:
    from playwright.sync_api import sync_playwright

    from appliance import settings as settings_mod
    from appliance import staff as staff_mod
    from appliance.calls.service import PbxService
    from db import database, migrate, open_database
    from db.models.calls import PbxEvent, PhoneCall
    from db.models.staff import Staff
    from hardware.sim.pbx_sim import PbxSim
    from tests.conftest import configure_settings
    from web import create_app

    tmp = Path(tempfile.mkdtemp(prefix="bench-calls-"))
    cfg = configure_settings(tmp / "var", pbx={"url": "sim"}, web={"pulse_seconds": "30"})
    open_database(cfg.db_path)
    database.connect(reuse_if_open=True)
    migrate()
    staff_mod.create_staff("manager", "Соколова Анна Сергеевна", "manager", "demo")
    Staff.update(extension="101").where(Staff.username == "manager").execute()
    sim = PbxSim(registered=("101", "102")).start()
    service = PbxService(sim.url, settings_mod.get()).start()
    while not service.client.up:
        time.sleep(0.05)
    server, base = _serve(create_app({"TESTING": False}, settings=cfg))
    floor_app, floor_state = _floor_app()
    floor_server, floor_base = _serve(floor_app)
    delays, floor, commits = [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "manager")
        page.fill("input[name=password]", "demo")
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        for i in range(POPS):
            time.sleep(0.13 * (i % 4))  # calls land at different points of the poll cycle
            t0 = time.perf_counter()
            call = sim.ring(f"+7916{1000000 + i:07d}", ["101", "102"])
            while not PhoneCall.select().where(PhoneCall.linkedid == call.linkedid).exists():
                time.sleep(0.002)
            commits.append(time.perf_counter() - t0)
            page.wait_for_selector(f".pop[data-linkedid='{call.linkedid}']", timeout=10_000)
            delays.append(time.perf_counter() - t0)
            sim.no_answer(call)
            page.wait_for_selector(f".pop[data-linkedid='{call.linkedid}']", state="detached", timeout=10_000)
        fpage = browser.new_page()
        fpage.goto(floor_base)
        for i in range(POPS):
            time.sleep(0.13 * (i % 4))
            t0 = time.perf_counter()
            floor_state["v"] = str(i + 1)
            fpage.wait_for_selector(f".pop[data-v='{i + 1}']", timeout=10_000)
            floor.append(time.perf_counter() - t0)
        browser.close()
    pop, fl, com = percentiles(delays), percentiles(floor), percentiles(commits)
    print(f"screen pop (event -> pop-up in Chromium): n={pop['n']} p50={pop['p50']:.0f} ms p95={pop['p95']:.0f} ms "
          f"max={pop['max']:.0f} ms  [target p95 < 1000 ms]")
    print(f"  of which event -> call row committed: p50={com['p50']:.1f} ms p95={com['p95']:.1f} ms")
    print(f"  floor (bare Flask page, same 300 ms poll): p50={fl['p50']:.0f} ms p95={fl['p95']:.0f} ms; "
          f"ratio p95 {pop['p95'] / fl['p95']:.2f}")

    events_before = PbxEvent.select().count()
    calls_before = {c.linkedid for c in PhoneCall.select(PhoneCall.linkedid)}
    heard0 = service.heard
    t0 = time.perf_counter()
    made = sim.storm(seconds=STORM_S, per_second=200)
    sent_s = time.perf_counter() - t0
    heard = service.heard - heard0
    service.idle(120)
    backlog = time.perf_counter() - t0 - sent_s
    stored = {c.linkedid for c in PhoneCall.select(PhoneCall.linkedid)} - calls_before
    wanted = {c.linkedid for c in made}
    rows = PhoneCall.select().count() - len(calls_before)
    open_left = PhoneCall.select().where(PhoneCall.ended_at.is_null()).count()
    events = PbxEvent.select().count() - events_before
    print(f"storm: {heard} events in {sent_s:.1f} s ({heard / sent_s:.0f}/s), {len(made)} calls; "
          f"lost {len(wanted - stored)}, duplicate rows {rows - len(stored)}, left open {open_left}, "
          f"backlog after the storm {backlog:.2f} s, {events} event rows")
    raw = sqlite3.connect(tmp / "floor.db")
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("CREATE TABLE e (k TEXT UNIQUE, p TEXT)")
    t1 = time.perf_counter()
    for i in range(0, events, 50):
        with raw:
            raw.executemany("INSERT OR IGNORE INTO e VALUES (?, ?)",
                            [(f"{i}-{j}", "x" * 600) for j in range(50)])
    raw_s = time.perf_counter() - t1
    print(f"  floor: raw sqlite3, {events} rows in batches of 50: {raw_s:.2f} s "
          f"({events / raw_s:.0f} rows/s) vs the storm's {events / max(sent_s + backlog, 1e-9):.0f} rows/s needed")
    service.stop()
    sim.stop()
    server.close()
    floor_server.close()


if __name__ == "__main__":
    main()
