import datetime as dt
import os
import subprocess
import sys
import time

import requests

from appliance.suppliers.abcp import password_hash
from hardware.sim.supplier_api import SimSupplier, drift
from tests.bench.common import free_port


def test_catalog_is_deterministic_and_prices_drift_by_day():
    a, b = SimSupplier("x", seed=1, date="2026-11-01"), SimSupplier("x", seed=1, date="2026-11-01")
    req = ("T113501080", "CHERY")
    assert a.offer("T11-3501080", "CHERY", req) == b.offer("T11-3501080", "CHERY", req)
    prices = set()
    for day in range(1, 29):
        a.date = f"2026-11-{day:02d}"
        prices.add(a.offer("T11-3501080", "CHERY", req)["price"])
    assert len(prices) > 20  # it moves day by day
    spread = [drift("T113501080", "CHERY", dt.date(2026, 1, 1) + dt.timedelta(days=d)) for d in range(365)]
    assert min(spread) > 0.8 and max(spread) > 1.5  # a slow wave, and a spike now and then


def test_supplier_sim_command_serves_the_api(tmp_path):
    port = free_port()
    env = {**os.environ, "PRILAVOK_APP_DATA_DIR": str(tmp_path), "PRILAVOK_CONFIG": str(tmp_path / "none.ini")}
    proc = subprocess.Popen([sys.executable, "-m", "appliance.cli", "supplier-sim", "--port", str(port),
                             "--suppliers", "3"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                state = requests.get(f"http://127.0.0.1:{port}/_state", timeout=1).json()
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "simulator did not start"
                time.sleep(0.2)
        assert sorted(state) == ["sim1", "sim2", "sim3"]
        r = requests.get(f"http://127.0.0.1:{port}/sim3/search/articles/",
                         params={"userlogin": "demo", "userpsw": password_hash("demo"), "number": "BKR6EZ",
                                 "brand": "NGK"}, timeout=5)
        assert r.status_code in (200, 404)
        bad = requests.get(f"http://127.0.0.1:{port}/sim1/search/brands/",
                           params={"userlogin": "demo", "userpsw": "x", "number": "BKR6EZ"}, timeout=5)
        assert bad.status_code == 403
    finally:
        proc.terminate()
        proc.wait(10)
