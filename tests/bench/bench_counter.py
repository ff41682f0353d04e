"""Search and customer card under 8 concurrent clients on the bench dataset (`prilavok init --scale bench`).

Prints p50/p95 in ms beside the floor: a bare Flask app on waitress, same clients, same
machine, same run. The target from the issue: p95 < 50 ms for search and card.
"""
from __future__ import annotations

import os
import random
import sqlite3

import requests

from tests.bench.common import free_port, login, percentiles, rss_mb, run_clients, start_process, wait_up

REQUESTS = 800


def main() -> None:
    data_dir = os.environ.get("PRILAVOK_APP_DATA_DIR", "var/bench")
    db_path = os.path.join(data_dir, "prilavok.db")
    if not os.path.exists(db_path):
        raise SystemExit(f"{db_path} is missing: run `PRILAVOK_APP_DATA_DIR={data_dir} prilavok init --scale bench`")
    con = sqlite3.connect(db_path)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("customer", "vehicle", "sale", "sale_line")}
    rng = random.Random(7)
    digits = [r[0][-4:] for r in con.execute("SELECT digits FROM phone ORDER BY random() LIMIT 200")]
    surnames = [r[0].split()[0][:5] for r in con.execute("SELECT name FROM customer ORDER BY random() LIMIT 200")]
    plates = [r[0][1:4] + r[0][4:6] for r in con.execute("SELECT plate FROM vehicle WHERE plate != '' ORDER BY random() LIMIT 200")]
    ids = [r[0] for r in con.execute("SELECT id FROM customer ORDER BY random() LIMIT 400")]
    con.close()
    queries = [rng.choice(digits + surnames + plates) for _ in range(REQUESTS)]
    search_paths = [f"/customers?q={requests.utils.quote(q)}" for q in queries]
    card_paths = [f"/customers/{rng.choice(ids)}" for _ in range(REQUESTS)]
    print(f"dataset: {counts}")

    env = {**os.environ, "PRILAVOK_APP_DATA_DIR": data_dir, "PRILAVOK_DISCOVERY_ENABLED": "no"}
    port, floor_port = free_port(), free_port()
    app = start_process(["-m", "appliance.cli", "serve", "--port", str(port), "--no-announce"], env)
    floor = start_process(["-m", "tests.bench.floor_app", str(floor_port)], env)
    try:
        base, floor_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{floor_port}"
        wait_up(base + "/login")
        wait_up(floor_base + "/x")
        run_clients(lambda: login(base), search_paths[:80] + card_paths[:80], base)  # warm-up
        floor_stats = percentiles(run_clients(requests.Session, [f"/customers/{i}" for i in range(REQUESTS)], floor_base))
        results = {
            "search": percentiles(run_clients(lambda: login(base, htmx=True), search_paths, base)),
            "card": percentiles(run_clients(lambda: login(base), card_paths, base)),
            # One manager alone at the counter: what a single search keystroke or card open feels like.
            "search/1": percentiles(run_clients(lambda: login(base, htmx=True), search_paths[:200], base, clients=1)),
            "card/1": percentiles(run_clients(lambda: login(base), card_paths[:200], base, clients=1)),
        }
        print(f"{'what':<8}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'p95/floor':>11}")
        print(f"{'floor':<8}{floor_stats['n']:>6}{floor_stats['p50']:>10.1f}{floor_stats['p95']:>10.1f}{floor_stats['max']:>10.1f}{1:>11.1f}")
        for name, s in results.items():
            print(f"{name:<8}{s['n']:>6}{s['p50']:>10.1f}{s['p95']:>10.1f}{s['max']:>10.1f}{s['p95'] / floor_stats['p95']:>11.1f}")
        print(f"RSS: app {rss_mb(app.pid):.0f} MB (first of its web processes), floor {rss_mb(floor.pid):.0f} MB; "
              "8 concurrent clients unless marked /1; app: one waitress process per core, floor: one process")
    finally:
        app.terminate()
        floor.terminate()
        app.wait(10)
        floor.wait(10)


if __name__ == "__main__":
    main()
