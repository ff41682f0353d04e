"""10 managers adding order lines at once through HTTP, for about 25 s (issue 11, item 1).

Starts `prilavok serve` (waitress, the usual web processes) on 127.0.0.1 over a fresh demo
database in a temporary folder (the bench dataset is left untouched), logs each client in,
and has it post order lines to existing orders with its CSRF token. Prints requests,
errors (any answer but the redirect back to the order), p50/p95 in ms, and the lines that
reached the database, beside a floor (a bare Flask app on waitress taking the same posts).

Measured 02.12.2026 on the 2-core development box shared with other test runs (load 4-7):
before db.write_transaction() 1,623-2,899 posts, 73-78 % answered 500 "database is locked",
p95 160-365 ms; after it 1,609-1,728 posts, 0 errors, p50 ~100 ms, p95 380-460 ms, max
2.0-2.5 s (without the per-process writer turn: p95 520-620 ms, max 4.2-5.4 s, 1 error in
1,452 past the 5 s busy timeout); floor p95 32-54 ms.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

import requests

from tests.bench.common import free_port, login, percentiles, start_process, wait_up

CLIENTS = 10
SECONDS = float(os.environ.get("BENCH_WRITE_SECONDS", "25"))


def _client(base: str) -> tuple[requests.Session, str]:
    session = login(base)
    page = session.get(base + "/customers").text
    return session, re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="prilavok-bench-write-")
    env = {**os.environ, "PRILAVOK_APP_DATA_DIR": data_dir, "PRILAVOK_DISCOVERY_ENABLED": "no",
           "PRILAVOK_CONFIG": os.path.join(data_dir, "none.ini")}
    subprocess.run([sys.executable, "-m", "appliance.cli", "init", "--demo"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    db_path = os.path.join(data_dir, "prilavok.db")
    con = sqlite3.connect(db_path)
    order_ids = [r[0] for r in con.execute(
        "SELECT id FROM \"order\" WHERE deleted_at IS NULL AND status IN ('new', 'ordered') ORDER BY id LIMIT 40")]
    lines_before = con.execute("SELECT count(*) FROM order_line").fetchone()[0]
    con.close()
    if not order_ids:
        raise SystemExit("the demo shop has no open orders to add lines to")

    port, floor_port = free_port(), free_port()
    server_log = os.path.join(data_dir, "serve.log")
    with open(server_log, "wb") as log_file:
        app = subprocess.Popen([sys.executable, "-m", "appliance.cli", "serve", "--port", str(port), "--no-announce"],
                               env=env, stdout=subprocess.DEVNULL, stderr=log_file)
    floor = start_process(["-m", "tests.bench.floor_app", str(floor_port)], env)
    base, floor_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{floor_port}"
    try:
        wait_up(base + "/login")
        wait_up(floor_base + "/x")
        floor_timings, _ = _hammer([(requests.Session(), "") for _ in range(CLIENTS)], floor_base, order_ids, 5)
        timings, statuses = _hammer([_client(base) for _ in range(CLIENTS)], base, order_ids, SECONDS)
    finally:
        for process in (app, floor):
            process.terminate()
            process.wait(10)
    con = sqlite3.connect(db_path)
    added = con.execute("SELECT count(*) FROM order_line").fetchone()[0] - lines_before
    con.close()
    with open(server_log, encoding="utf-8", errors="replace") as text:
        faults = Counter(line.strip() for line in text if line.startswith(("sqlite3.", "peewee.")))
    shutil.rmtree(data_dir, ignore_errors=True)
    ok = statuses.get(302, 0)
    errors = sum(statuses.values()) - ok
    s, f = percentiles(timings), percentiles(floor_timings)
    print(f"{CLIENTS} clients adding order lines for {SECONDS:.0f} s (POST /orders/<id>/lines)")
    print(f"requests {s['n']}, errors {errors} ({100 * errors / max(1, s['n']):.1f} %), "
          f"answers {dict(statuses)}")
    print(f"p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms, max {s['max']:.1f} ms; "
          f"lines saved {added} of {ok} answered as saved")
    print(f"floor (bare Flask on waitress, same posts): p50 {f['p50']:.1f} ms, p95 {f['p95']:.1f} ms; "
          f"p95/floor {s['p95'] / f['p95']:.1f}")
    for line, n in faults.most_common(3):
        print(f"server log: {n} × {line}")


def _hammer(clients: list[tuple[requests.Session, str]], base: str, order_ids: list[int],
            seconds: float) -> tuple[list[float], Counter]:
    """Every client posts order lines without pause until the time is up; latencies and answers."""
    timings: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        session, token = clients[n]
        local, codes, i = [], Counter(), 0
        while time.monotonic() < deadline:
            order_id = order_ids[(n * 7 + i) % len(order_ids)]
            i += 1
            data = {"csrf_token": token, "article": f"B{n:02d}-{i:05d}", "brand": "Bench", "name": "Фильтр",
                    "qty": "1", "price": "100", "supplier": "", "supplier_days": ""}
            start = time.perf_counter()
            try:
                response = session.post(f"{base}/orders/{order_id}/lines", data=data, allow_redirects=False,
                                        timeout=30)
                codes[response.status_code] += 1
            except requests.RequestException as exc:
                codes[type(exc).__name__] += 1
            local.append(time.perf_counter() - start)
        with lock:
            timings.extend(local)
            statuses.update(codes)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, statuses


if __name__ == "__main__":
    main()
