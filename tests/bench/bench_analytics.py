"""The owner's dashboard on the bench dataset (`prilavok init --scale bench`: ten years, 1.5 M
sale lines): /analytics for this month and for this year, warm, 4 concurrent owners.

Prints p50/p95 in ms beside the floor measured in the same run: the same figures (each for
the period, the previous one and a year ago) computed by one hand-written SQL query each on
raw sqlite3, 4 threads, as a ratio; then where the app's time goes, tile by tile, in-process.
The issue's target: p95 < 300 ms. Benchmarks print, they do not assert.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import threading
import time

import requests

from tests.bench.common import free_port, percentiles, rss_mb, start_process, wait_up

CLIENTS = 4
PER_CLIENT = 10


def owner_session(base: str) -> requests.Session:
    session = requests.Session()
    html = session.get(base + "/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = session.post(base + "/login", data={"username": "owner", "password": "demo", "csrf_token": token},
                            allow_redirects=False)
    assert response.status_code == 302, "bench login failed"
    return session


# --- the floor: one hand-written query per figure -------------------------------------------

def _periods(kind: str, today: dt.date) -> list[tuple[str, str]]:
    from appliance.analytics import period
    from appliance.clock import days_span

    p = period.make(kind, today=today)
    out = []
    for x in (p, p.previous(), p.year_ago()):
        s, e = days_span(x.first, x.last)
        out.append((str(s), str(e)))
    return out


FLOOR = [
    "SELECT count(*) FROM customer WHERE deleted_at IS NULL AND merged_into_id IS NULL AND created_at < :e",
    "SELECT count(*) FROM customer WHERE deleted_at IS NULL AND merged_into_id IS NULL AND created_at >= :s AND created_at < :e",
    "SELECT count(*) FROM customer WHERE deleted_at IS NULL AND merged_into_id IS NULL AND id IN "
    "(SELECT customer_id FROM sale WHERE date >= :a AND date < :e UNION SELECT customer_id FROM work_order "
    " WHERE status = 'handed_over' AND handed_over_at >= :a AND handed_over_at < :e)",
    "SELECT kind, sum(total_kop), sum(CASE WHEN total_kop > 0 THEN 1 ELSE 0 END), count(DISTINCT customer_id) "
    "FROM sale WHERE date >= :s AND date < :e GROUP BY kind",
    "SELECT v.make, v.model, sum(s.total_kop) FROM sale s LEFT JOIN work_order w ON w.sale_id = s.id "
    "LEFT JOIN (SELECT customer_id cid, min(id) vid FROM vehicle WHERE deleted_at IS NULL GROUP BY customer_id) f "
    "ON f.cid = s.customer_id LEFT JOIN vehicle v ON v.id = coalesce(w.vehicle_id, f.vid) "
    "WHERE s.date >= :s AND s.date < :e GROUP BY v.make, v.model",
    "SELECT manager_id, kind, sum(total_kop), count(*) FROM sale WHERE date >= :s AND date < :e GROUP BY manager_id, kind",
    "SELECT customer_id, sum(total_kop) FROM sale WHERE date >= :s AND date < :e AND customer_id IS NOT NULL "
    "GROUP BY customer_id ORDER BY 2 DESC LIMIT 20",
    "SELECT count(DISTINCT customer_id), count(DISTINCT CASE WHEN customer_id IN (SELECT customer_id FROM sale "
    "WHERE kind = 'repair') THEN customer_id END) FROM sale WHERE kind = 'parts' AND date >= :s AND date < :e",
    "SELECT c.id, s.kind, s.total_kop FROM customer c JOIN sale s ON s.customer_id = c.id "
    "WHERE c.created_at >= :s AND c.created_at < :e AND s.date >= c.created_at",
    "SELECT count(*) FROM order_line WHERE arrived_at >= :s AND arrived_at < :e",
    "SELECT count(*) FROM work_order WHERE kind = 'inspection' AND planned_start >= :s AND planned_start < :e",
    "SELECT avg(score) FROM rating_request WHERE visit_date >= substr(:s, 1, 10) AND visit_date < substr(:e, 1, 10)",
]
CHARTS = [  # once per dashboard, for the period only
    "SELECT date(date), kind, sum(total_kop) FROM sale WHERE date >= :s AND date < :e GROUP BY 1, 2",
    "SELECT DISTINCT customer_id, substr(date, 1, 7) FROM sale WHERE date >= :y2 AND date < :e",
]


def floor_dashboard(con: sqlite3.Connection, periods: list[tuple[str, str]]) -> None:
    for s, e in periods:
        a = str(dt.datetime.fromisoformat(e) - dt.timedelta(days=365))
        for sql in FLOOR:
            con.execute(sql, {"s": s, "e": e, "a": a}).fetchall()
    s, e = periods[0]
    y2 = str(dt.datetime.fromisoformat(e) - dt.timedelta(days=730))
    for sql in CHARTS:
        con.execute(sql, {"s": s, "e": e, "y2": y2}).fetchall()


def tile_times(kind: str) -> dict[str, float]:
    """Where the time goes: each tile's summary for the three periods, and each chart, in ms."""
    from appliance.analytics import customers, dashboard, period, sales

    p = period.make(kind)
    out = {}
    for spec in dashboard.TILES:
        start = time.perf_counter()
        for x in (p, p.previous(), p.year_ago()):
            spec.summary(x, None)
        out[spec.key] = (time.perf_counter() - start) * 1000
    for name, fn in (("chart revenue", lambda: sales.by_week(p)), ("chart active", lambda: customers.active_by_month(p.last)),
                     ("chart check", lambda: sales.by_manager(p)), ("top models", lambda: sales.by_model(p))):
        start = time.perf_counter()
        fn()
        out[name] = (time.perf_counter() - start) * 1000
    return out


def main() -> None:
    data_dir = os.environ.get("PRILAVOK_APP_DATA_DIR", "var/bench")
    db_path = os.path.join(data_dir, "prilavok.db")
    if not os.path.exists(db_path):
        raise SystemExit(f"{db_path} is missing: run `PRILAVOK_APP_DATA_DIR={data_dir} prilavok init --scale bench`")
    con = sqlite3.connect(db_path)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("customer", "sale", "sale_line")}
    con.close()
    print(f"dataset: {counts}")

    from appliance.cli import _open_db
    from appliance.clock import local_today

    os.environ.setdefault("PRILAVOK_APP_DATA_DIR", data_dir)
    _open_db(migrate=False)
    today = local_today()
    env = {**os.environ, "PRILAVOK_APP_DATA_DIR": data_dir, "PRILAVOK_DISCOVERY_ENABLED": "no"}
    port = free_port()
    app = start_process(["-m", "appliance.cli", "serve", "--port", str(port), "--no-announce"], env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(base + "/login")
        print(f"{'what':<16}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'floor p95':>11}{'ratio':>8}")
        for kind in ("month", "year"):
            path = f"/analytics?period={kind}"

            def page(session, path=path):
                if session is None:
                    s = owner_session(base)
                    s.get(base + path, timeout=120)  # warm: this client's first page
                    return s
                r = session.get(base + path, timeout=120)
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {r.status_code}")
                return None

            periods = _periods(kind, today)

            def floor(c, periods=periods):
                if c is None:
                    c = sqlite3.connect(db_path, check_same_thread=False)
                    floor_dashboard(c, periods)  # warm
                    return c
                floor_dashboard(c, periods)
                return None

            app_stats = percentiles(_run(page))
            floor_stats = percentiles(_run(floor))
            print(f"{'dashboard/' + kind:<16}{app_stats['n']:>5}{app_stats['p50']:>10.1f}{app_stats['p95']:>10.1f}"
                  f"{app_stats['max']:>10.1f}{floor_stats['p95']:>11.1f}{app_stats['p95'] / floor_stats['p95']:>8.1f}")
        print(f"RSS: app {rss_mb(app.pid):.0f} MB; {CLIENTS} concurrent owners, {PER_CLIENT} pages each, warm")
        for kind in ("month", "year"):
            parts = ", ".join(f"{k} {v:.0f}" for k, v in tile_times(kind).items())
            print(f"in-process ms, {kind}: {parts}")
    finally:
        app.terminate()
        app.wait(10)


def _run(job) -> list[float]:
    """CLIENTS threads: job(None) sets up (and warms) a client, job(ctx) is one timed request."""
    timings: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker():
        try:
            ctx = job(None)
            local = []
            for _ in range(PER_CLIENT):
                start = time.perf_counter()
                job(ctx)
                local.append(time.perf_counter() - start)
            with lock:
                timings.extend(local)
        except BaseException as exc:  # re-raised below: a thread must not die silently
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return timings


if __name__ == "__main__":
    main()
