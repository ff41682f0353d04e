"""Shared tools for benchmarks: percentiles, a logged-in HTTP client pool, RSS of a process."""
from __future__ import annotations

import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def login(base: str, htmx: bool = False) -> requests.Session:
    """A session logged in as the demo manager (bench datasets and the demo shop)."""
    session = requests.Session()
    html = session.get(base + "/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = session.post(base + "/login", data={"username": "manager", "password": "demo", "csrf_token": token},
                            allow_redirects=False)
    assert response.status_code == 302, "bench login failed"
    if htmx:  # search as you type: the counter's box asks for the results partial
        session.headers["HX-Request"] = "true"
    return session


def percentiles(samples: list[float]) -> dict:
    samples = sorted(samples)
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return {"n": len(samples), "p50": q[49] * 1000, "p95": q[94] * 1000, "max": samples[-1] * 1000}


def run_clients(make_session, paths: list[str], base: str, clients: int = 8) -> list[float]:
    """`clients` threads, each with its own session, share the list of paths; returns latencies (s)."""
    timings: list[float] = []
    lock = threading.Lock()
    chunks = [paths[i::clients] for i in range(clients)]

    def worker(chunk):
        session = make_session()
        local = []
        for path in chunk:
            start = time.perf_counter()
            response = session.get(base + path, timeout=30)
            local.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}")
        with lock:
            timings.extend(local)

    errors: list[Exception] = []

    def guarded(chunk):
        try:
            worker(chunk)
        except Exception as exc:  # surfaced below instead of dying silently in a thread
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return timings


def rss_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024


def start_process(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
