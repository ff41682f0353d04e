"""The processes of the box: web, worker, devices (and simulators in demo mode).

`prilavok run` starts each as a child process and stops them all on Ctrl-C; in
production systemd starts each with its own unit instead.
"""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time

from appliance import settings

log = logging.getLogger(__name__)

# (name, argv after `prilavok`, only in demo mode). Areas add their processes here.
PROCESSES: list[tuple[str, list[str], bool]] = [
    ("web", ["serve"], False),
    ("worker", ["worker"], False),
    ("devices", ["devices"], False),  # owns the GSM modem port ([modem] port = sim: the pty simulator)
    ("printer-sim", ["printer", "sim"], False),  # idles unless [printer] url = sim
    ("supplier-sim", ["supplier-sim"], True),  # demo suppliers on 127.0.0.1 (see [suppliers] sim_port)
]


def _refuse_production_problems(cfg) -> None:
    if cfg.demo:
        return
    from appliance import staff

    problems = cfg.production_problems()
    demo_users = staff.uses_demo_password()
    if demo_users:
        problems.append("demo password still set for: " + ", ".join(demo_users))
    if problems:
        raise SystemExit("Refusing to start in production mode:\n  - " + "\n  - ".join(problems))


def serve(port: int | None = None, announce: bool = True) -> int:
    """Waitress on the LAN, one process per core sharing one listening socket.

    Python runs one request at a time per process, so a 2-core box needs two to serve the
    counter at full speed. Anything a later request needs is in the database (or, for an
    import in progress, in a file under var/exchange/running), never only in one process.
    """
    from waitress import serve as waitress_serve

    from db import database, migrate, open_from_settings
    from web import create_app

    cfg = settings.get()
    open_from_settings(cfg)
    migrate()
    _refuse_production_problems(cfg)
    port = port or cfg.getint("web", "port")
    app = create_app(settings=cfg)
    box_uuid = _box_uuid()
    database.close()
    host = cfg.get("web", "host")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    threads = cfg.getint("web", "threads")
    children = _fork_web_children(cfg.getint("web", "processes") or os.cpu_count() or 1,
                                  lambda: waitress_serve(app, sockets=[sock], threads=threads, ident="prilavok"))
    announcement = _announce(cfg, port, box_uuid) if announce and cfg.getbool("discovery", "enabled") else None
    print(f"Прилавок: http://{'localhost' if host == '0.0.0.0' else host}:{port}/ "
          f"(в сети: http://{cfg.get('discovery', 'hostname')}.local:{port}/)", flush=True)
    try:
        waitress_serve(app, sockets=[sock], threads=threads, ident="prilavok")
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        if announcement:
            announcement.close()
    return 0


def _fork_web_children(processes: int, serve_forever) -> list[int]:
    """Forked before any database connection or zeroconf thread exists; a child dies with its parent."""
    children = []
    for _ in range(max(0, processes - 1)):
        pid = os.fork()
        if pid == 0:
            import ctypes

            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the parent, which stops us
            try:
                serve_forever()
            finally:
                os._exit(0)
        children.append(pid)
    return children


def _box_uuid() -> str:
    from appliance import discovery

    return discovery.box_uuid()


def _announce(cfg, port: int, box_uuid: str):
    from appliance import discovery

    try:
        return discovery.Announcement(cfg.get("app", "shop_name"), port, cfg.get("discovery", "hostname"),
                                      box_uuid).start()
    except Exception as exc:  # a LAN without multicast must not keep the counter from working
        log.warning("zeroconf announcement failed, reach the box by IP: %s", exc)
        return None


def worker() -> int:
    from huey.consumer import Consumer

    cfg = settings.get()
    from db import migrate, open_from_settings

    open_from_settings(cfg)
    migrate()
    import jobs.tasks  # noqa: F401  (registers every task)
    from jobs import huey

    consumer = Consumer(huey, workers=cfg.getint("worker", "workers"), worker_type="thread",
                        periodic=True, check_worker_health=True)
    consumer.run()
    return 0


def run_all() -> int:
    """Start every process; restart one that dies; stop all on Ctrl-C or SIGTERM."""
    cfg = settings.get()
    from db import migrate, open_from_settings

    open_from_settings(cfg)
    migrate()
    _refuse_production_problems(cfg)
    wanted = [(name, argv) for name, argv, demo_only in PROCESSES if cfg.demo or not demo_only]
    children: dict[str, subprocess.Popen] = {}

    def start(name, argv):
        children[name] = subprocess.Popen([sys.executable, "-m", "appliance.cli", *argv])
        log.info("started %s (pid %s)", name, children[name].pid)

    for name, argv in wanted:
        start(name, argv)
    print("Логины демо-режима: owner / manager / mechanic, пароль demo." if cfg.demo else "", flush=True)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            time.sleep(1)
            for name, argv in wanted:
                if children[name].poll() is not None and not stopping:
                    log.warning("%s exited with %s; restarting", name, children[name].returncode)
                    time.sleep(2)
                    start(name, argv)
    except KeyboardInterrupt:
        pass
    for proc in children.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    deadline = time.time() + 15
    for proc in children.values():
        try:
            proc.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()
    print("Прилавок остановлен.", flush=True)
    return 0
