"""`prilavok serve`: one waitress process per core on one port, all stopped together."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.bench.common import free_port, wait_up


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
