"""The web server and the huey worker as processes (`prilavok serve`, `prilavok worker`).

They live in the CLI layer because they start web/ and jobs/: appliance/ below them may not
import either (appliance.backup needs runtime's service locks, and jobs need backup).
"""
from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket

from huey.consumer import Consumer
from waitress import serve as waitress_serve

import jobs.tasks  # noqa: F401  (registers every task)
from appliance import discovery, runtime, settings
from appliance.exchange import importer
from db import database, migrate, open_from_settings
from jobs import huey
from web import create_app

log = logging.getLogger(__name__)


def serve(port: int | None = None, announce: bool = True) -> int:
    """Waitress on the LAN, one process per core sharing one listening socket.

    Python runs one request at a time per process, so a 2-core box needs two to serve the
    counter at full speed. Anything a later request needs is in the database (or, for an
    import in progress, in a file under var/exchange/running), never only in one process.
    This process serves too and keeps the others alive: a web process that dies is replaced.
    """
    cfg = settings.get()
    runtime.hold_service_lock("web")
    open_from_settings(cfg)
    migrate()
    runtime.refuse_production_problems(cfg)
    importer.fail_interrupted()
    port = port or cfg.getint("web", "port")
    app = create_app(settings=cfg)
    box_uuid = discovery.box_uuid()
    database.close()
    host = cfg.get("web", "host")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    children = runtime.WebChildren(cfg.getint("web", "processes") or os.cpu_count() or 1, sock).start()
    announcement = _announce(cfg, port, box_uuid) if announce and cfg.getbool("discovery", "enabled") else None
    print(f"Прилавок: http://{'localhost' if host == '0.0.0.0' else host}:{port}/ "
          f"(в сети: http://{cfg.get('discovery', 'hostname')}.local:{port}/)", flush=True)
    try:
        waitress_serve(app, sockets=[sock], threads=cfg.getint("web", "threads"), ident="prilavok")
    finally:
        children.stop()
        if announcement:
            announcement.close()
    return 0


def serve_child(listen_fd: int, parent_pid: int) -> int:
    """One more web process on the parent's socket; it dies with the parent (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:
        return 0  # the parent is already gone
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the parent, which stops us
    cfg = settings.get()
    runtime.hold_service_lock("web")
    open_from_settings(cfg)
    importer.fail_interrupted()  # the process this one replaces may have died mid-import
    app = create_app(settings=cfg)
    database.close()
    sock = socket.socket(fileno=listen_fd)
    log.info("веб-процесс %s принимает запросы", os.getpid())
    waitress_serve(app, sockets=[sock], threads=cfg.getint("web", "threads"), ident="prilavok")
    return 0


def _announce(cfg, port: int, box_uuid: str):
    try:
        return discovery.Announcement(cfg.get("app", "shop_name"), port, cfg.get("discovery", "hostname"),
                                      box_uuid).start()
    except Exception as exc:  # a LAN without multicast must not keep the counter from working
        log.warning("zeroconf announcement failed, reach the box by IP: %s", exc)
        return None


def worker() -> int:
    cfg = settings.get()
    runtime.hold_service_lock("worker")
    open_from_settings(cfg)
    migrate()
    importer.fail_interrupted()
    consumer = Consumer(huey, workers=cfg.getint("worker", "workers"), worker_type="thread",
                        periodic=True, check_worker_health=True)
    consumer.run()
    return 0
