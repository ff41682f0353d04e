"""`prilavok serve`: one waitress process per core on one port, all stopped together."""
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.bench.common import free_port, wait_up
from tests.conftest import wait_for


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_two_web_processes_share_the_port_and_stop_with_the_parent(tmp_path):
    env = {**os.environ, "PRILAVOK_APP_DATA_DIR": str(tmp_path), "PRILAVOK_CONFIG": str(tmp_path / "x.ini"),
           "PRILAVOK_WEB_PROCESSES": "2", "PRILAVOK_DISCOVERY_ENABLED": "no"}
    subprocess.run([sys.executable, "-m", "appliance.cli", "init", "--demo"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "appliance.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(f"http://127.0.0.1:{port}/login")
        children = _children(server.pid)
        assert len(children) == 1
        for _ in range(20):
            assert "Войти" in requests.get(f"http://127.0.0.1:{port}/login", timeout=5).text
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(15)
    deadline = time.time() + 10
    while time.time() < deadline and any(Path(f"/proc/{c}").exists() for c in children):
        time.sleep(0.2)
    assert not any(Path(f"/proc/{c}").exists() and "Z" not in Path(f"/proc/{c}/stat").read_text().split()[2]
                   for c in children)


def _all_children(pid: int) -> set[int]:
    """Children of every thread (replacements are started by the parent's watcher thread)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):
            found |= {int(p) for p in (task / "children").read_text().split()}
    return found




def test_a_killed_web_process_is_replaced_and_the_log_says_why(tmp_path):
    env = {**os.environ, "PRILAVOK_APP_DATA_DIR": str(tmp_path), "PRILAVOK_CONFIG": str(tmp_path / "x.ini"),
           "PRILAVOK_WEB_PROCESSES": "2", "PRILAVOK_DISCOVERY_ENABLED": "no"}
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log_file:
        server = subprocess.Popen([sys.executable, "-m", "appliance.cli", "serve", "--port", str(port)], env=env,
                                  stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_up(f"http://127.0.0.1:{port}/login")
        (first,) = wait_for(lambda: _all_children(server.pid), 30, "the second web process")
        wait_for(lambda: f"веб-процесс {first} принимает запросы" in log_path.read_text(), 30, "it to serve")
        os.kill(first, signal.SIGKILL)
        (second,) = wait_for(lambda: (kids := _all_children(server.pid)) and first not in kids and kids, 15,
                              "a replacement web process")
        wait_for(lambda: f"веб-процесс {second} принимает запросы" in log_path.read_text(), 30,
                  "the replacement to serve")
        text = log_path.read_text()
        assert re.search(rf"WARNING .*процесс web-2 \(pid {first}\) завершился по сигналу SIGKILL \(9\); "
                         r"перезапуск через \d+ с", text), text
        for _ in range(20):
            assert "Войти" in requests.get(f"http://127.0.0.1:{port}/login", timeout=5).text
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(15)
    wait_for(lambda: not Path(f"/proc/{second}").exists()
              or "Z" in Path(f"/proc/{second}/stat").read_text().split()[2], 10, "the replacement to stop")
