"""The nightly stock watch: 2,000 positions x 8 suppliers, 300 ms latency, rate limits.

The simulator runs as its own process (`prilavok supplier-sim`), answering after
300 ms and pushing back with 429 above 15 requests/s per supplier; our side allows 4
parallel requests and 12 requests/s per supplier. Printed beside the run time, from
the same run: a bare loop of sequential requests to the same simulator (the per-request
floor), the sequential estimate that floor implies, and the bound the rate limit sets.
Set BENCH_POSITIONS for a shorter run. No assertion on time.
"""
from __future__ import annotations

import os
import tempfile
import time

import requests

from tests.bench.common import free_port, rss_mb, start_process, wait_up

SUPPLIERS = 8
LATENCY_MS = 300
SERVER_RATE = 15  # 429 above this, per supplier
CLIENT_RATE = 12  # our own limit, per supplier
CONCURRENCY = 4


def main() -> None:
    positions = int(os.environ.get("BENCH_POSITIONS", "2000"))
    tmp = tempfile.mkdtemp(prefix="prilavok-bench-sw-")
    port = free_port()
    env = {**os.environ, "PRILAVOK_APP_DATA_DIR": tmp, "PRILAVOK_CONFIG": os.path.join(tmp, "none.ini")}
    sim = start_process(["-m", "appliance.cli", "supplier-sim", "--port", str(port), "--suppliers",
                         str(SUPPLIERS), "--latency-ms", str(LATENCY_MS), "--rate-limit", str(SERVER_RATE)], env)
    try:
        _run(tmp, port, positions, sim.pid)
    finally:
        sim.terminate()
        sim.wait(10)


def _run(tmp: str, port: int, positions: int, sim_pid: int) -> None:
    from appliance import settings
    from appliance.suppliers.abcp import password_hash

    overrides = {
        "app": {"data_dir": tmp, "mode": "demo"},
        "suppliers": {"connect_timeout": "3", "read_timeout": "10", "retries": "2", "backoff": "0.5",
                      "max_retry_after": "10", "price_cache_seconds": "0"},
    }
    for i in range(1, SUPPLIERS + 1):
        overrides[f"supplier:sim{i}"] = {
            "kind": "abcp", "name": f"sim{i}", "url": f"http://127.0.0.1:{port}/sim{i}", "login": "demo",
            "password": "demo", "working_days": "1-7", "concurrency": str(CONCURRENCY),
            "rate_limit": str(CLIENT_RATE)}
    settings.configure(settings.Settings(None, environ={}, overrides=overrides))
    from db import database, migrate, open_database

    open_database(os.path.join(tmp, "prilavok.db"))
    database.connect(reuse_if_open=True)
    migrate()
    from appliance.clock import utcnow
    from appliance.purchasing import stock_watch
    from db.models.suppliers import MandatoryItem, ReorderLine

    now = utcnow()
    rows = [dict(article=f"BX-{i:05d}", brand="SAT", article_key=f"BX{i:05d}", brand_key="SAT",
                 name=f"Позиция {i}", min_qty=2, pack=1, created_at=now) for i in range(positions)]
    with database.atomic():
        for i in range(0, len(rows), 500):
            MandatoryItem.insert_many(rows[i:i + 500]).execute()
    wait_up(f"http://127.0.0.1:{port}/_state")

    # floor: a bare sequential loop against the same simulator, same latency
    session = requests.Session()
    params = {"userlogin": "demo", "userpsw": password_hash("demo"), "number": "BX-00001", "brand": "SAT"}
    n_floor = 20
    t0 = time.perf_counter()
    for _ in range(n_floor):
        session.get(f"http://127.0.0.1:{port}/sim1/search/articles/", params=params, timeout=10)
    per_request = (time.perf_counter() - t0) / n_floor
    time.sleep(1.5)  # let the simulator's token bucket refill

    t0 = time.perf_counter()
    summary = stock_watch.run()
    elapsed = time.perf_counter() - t0
    state = requests.get(f"http://127.0.0.1:{port}/_state", timeout=5).json()
    throttled = sum(s["counters"]["429"] for s in state.values())
    total_requests = positions * SUPPLIERS
    sequential = total_requests * per_request
    rate_bound = positions / CLIENT_RATE
    concurrency_bound = positions * per_request / CONCURRENCY
    floor = max(rate_bound, concurrency_bound)
    print(f"positions {positions} x suppliers {SUPPLIERS}, latency {LATENCY_MS} ms, server limit {SERVER_RATE}/s, "
          f"ours {CLIENT_RATE}/s x {CONCURRENCY} parallel")
    print(f"stock watch run:            {elapsed:8.1f} s  ({summary.text_ru()})")
    print(f"requests sent (ours):       {summary.requests:8d}  (429 answers from the simulator: {throttled})")
    print(f"bare loop, 1 request:       {per_request * 1000:8.1f} ms  (sequential, same simulator, same run)")
    print(f"sequential estimate:        {sequential:8.1f} s  -> run is {sequential / elapsed:5.1f}x faster")
    print(f"limit-bound floor:          {floor:8.1f} s  -> run is {elapsed / floor:5.2f}x the floor "
          f"(max of {positions}/{CLIENT_RATE} per s and latency/{CONCURRENCY})")
    print(f"lines to buy: {ReorderLine.select().where(ReorderLine.state == 'buy').count()}; "
          f"simulator RSS {rss_mb(sim_pid):.0f} MB")


if __name__ == "__main__":
    main()
