"""The processes of the box: web, worker, devices (and simulators in demo mode).

`prilavok run` starts each as a child process and stops them all on Ctrl-C; in
production systemd starts each with its own unit instead. Here: the service locks, the
supervision of children and the production check; the web server and the worker
themselves are in appliance/cli/processes.py (they start web/ and jobs/, a layer above).
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO

from appliance import settings, staff
from appliance.errors import InputError
from appliance.workshop import devices
from db import migrate, open_from_settings

log = logging.getLogger(__name__)

# (name, argv after `prilavok`, only in demo mode). Areas add their processes here.
PROCESSES: list[tuple[str, list[str], bool]] = [
    ("web", ["serve"], False),
    ("worker", ["worker"], False),
    ("devices", ["devices"], False),  # owns the GSM modem port ([modem] port = sim: the pty simulator)
    ("printer-sim", ["printer", "sim"], False),  # idles unless [printer] url = sim
    ("supplier-sim", ["supplier-sim"], True),  # demo suppliers on 127.0.0.1 (see [suppliers] sim_port)
]


# The long-lived services; each holds <data_dir>/run/<name>.lock (shared) while it runs.
SERVICES: dict[str, str] = {"web": "веб-интерфейс (prilavok serve)", "worker": "фоновые задачи (prilavok worker)",
                            "devices": "устройства (prilavok devices)"}
_HELD_LOCKS: list[IO] = []


def _lock_file(name: str) -> IO:
    path = settings.get().var_dir / "run" / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "a+")


def hold_service_lock(name: str) -> None:
    """Mark this process as a running service until it exits (even by kill -9: the kernel drops flocks).

    Shared, so several web processes hold it at once; waits while `prilavok restore` holds it.
    """
    fh = _lock_file(name)
    try:
        fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        log.warning("%s ждёт окончания восстановления базы из копии", SERVICES[name])
        fcntl.flock(fh, fcntl.LOCK_SH)
    _HELD_LOCKS.append(fh)


@contextlib.contextmanager
def services_stopped() -> Iterator[None]:
    """Hold every service lock exclusively (no service can start meanwhile), or refuse naming the running ones."""
    held, running = [], []
    try:
        for name, label in SERVICES.items():
            fh = _lock_file(name)
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held.append(fh)
            except BlockingIOError:
                fh.close()
                running.append(label)
        if running:
            raise InputError("Сначала остановите службы Прилавка (sudo systemctl stop prilavok.target или Ctrl-C "
                             "в окне prilavok run). Сейчас работают: " + ", ".join(running) + ".")
        yield
    finally:
        for fh in held:
            fh.close()


def refuse_production_problems(cfg) -> None:
    """Stop a production start with a demo password, demo tokens or missing secrets."""
    if cfg.demo:
        return
    problems = cfg.production_problems()
    demo_users = staff.uses_demo_password()
    if demo_users:
        problems.append("demo password still set for: " + ", ".join(demo_users))
    demo_tokens = devices.live_demo_tokens()
    if demo_tokens:
        problems.append("demo device tokens from the README still live (" + ", ".join(demo_tokens) + "): revoke "
                        "them on «Табло и сайт» (or prilavok revoke-token) and issue new ones")
    if problems:
        raise SystemExit("Refusing to start in production mode:\n  - " + "\n  - ".join(problems))


def describe_exit(returncode: int) -> str:
    """How a child ended, for the log: «по сигналу SIGKILL (9)» or «с кодом 1»."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "?"
        return f"по сигналу {name} ({-returncode})"
    return f"с кодом {returncode}"


class Supervised:
    """One child process kept alive: restarted when it dies, later each time it dies young."""

    QUICK_DEATH = 10.0  # seconds: dying sooner than this after a start counts as a crash loop
    MAX_DELAY = 30.0

    def __init__(self, name: str, argv: list[str], **popen_kwargs):
        self.name, self.argv, self.popen_kwargs = name, argv, popen_kwargs
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.restart_at: float | None = None
        self.quick_deaths = 0

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, **self.popen_kwargs)
        self.started = time.monotonic()
        self.restart_at = None
        log.info("запущен процесс %s (pid %s)", self.name, self.proc.pid)

    def check(self) -> None:
        """Notice a death (log it with the reason) and start a new process when its delay is over."""
        now = time.monotonic()
        if self.restart_at is None and self.proc is not None and self.proc.poll() is not None:
            self.quick_deaths = self.quick_deaths + 1 if now - self.started < self.QUICK_DEATH else 0
            delay = min(self.MAX_DELAY, 1.0 * 2 ** self.quick_deaths) if self.quick_deaths else 1.0
            log.warning("процесс %s (pid %s) завершился %s; перезапуск через %.0f с",
                        self.name, self.proc.pid, describe_exit(self.proc.returncode), delay)
            self.restart_at = now + delay
        if self.restart_at is not None and now >= self.restart_at:
            self.start()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def stop_all(children: list[Supervised], sig: int = signal.SIGINT, timeout: float = 15.0) -> None:
    for child in children:
        if child.alive():
            child.proc.send_signal(sig)
    deadline = time.monotonic() + timeout
    for child in children:
        if child.proc is None:
            continue
        try:
            child.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.proc.kill()
            child.proc.wait()


class WebChildren:
    """The web processes beside the serving parent, watched by a thread of the parent.

    Replacements are started with exec (`prilavok serve --child-fd`), not fork: the parent
    already runs waitress threads and pooled connections that a forked copy must not inherit.
    """

    def __init__(self, processes: int, sock: socket.socket):
        fd = sock.fileno()
        argv = [sys.executable, "-m", "appliance.cli", "serve", "--child-fd", str(fd), "--child-of", str(os.getpid())]
        self.children = [Supervised(f"web-{i + 2}", argv, pass_fds=(fd,)) for i in range(max(0, processes - 1))]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="web-children", daemon=True)

    def start(self) -> WebChildren:
        for child in self.children:
            child.start()
        if self.children:
            self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            for child in self.children:
                child.check()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        stop_all(self.children, signal.SIGTERM, timeout=10)


def run_all() -> int:
    """Start every process; restart one that dies (the log says how it ended); stop all on Ctrl-C or SIGTERM."""
    cfg = settings.get()
    open_from_settings(cfg)
    migrate()
    refuse_production_problems(cfg)
    children = [Supervised(name, [sys.executable, "-m", "appliance.cli", *argv])
                for name, argv, demo_only in PROCESSES if cfg.demo or not demo_only]
    for child in children:
        child.start()
    print("Логины демо-режима: owner / manager / mechanic, пароль demo." if cfg.demo else "", flush=True)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        while not stopping.wait(0.5):
            for child in children:
                child.check()
    except KeyboardInterrupt:
        pass
    stop_all(children)
    print("Прилавок остановлен.", flush=True)
    return 0
