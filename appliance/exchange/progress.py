"""How far a running import is, and whether a "running" row still has a live process.

A running import writes its progress outside the database (its transaction holds the write
lock): ``<exchange>/running/<log id>`` = "pid bytes-read total", for a poll served by
another process (another web process, or the web while the worker imports).
"""
from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

from appliance import clock
from appliance.exchange.originals import exchange_dir
from db.models.exchange import ImportLog

# log id -> (bytes read, total bytes), for the progress bar of an import running in this process
PROGRESS: dict[int, tuple[int, int]] = {}
INTERRUPTED = "прервано: процесс был остановлен"
# A row is written a moment before its process marks it running; a row this young is left alone.
STARTING = timedelta(minutes=1)
ACTIVE: set[int] = set()  # log ids being imported in this process


class CountingReader(io.RawIOBase):
    """A file that reports how far it has been read (for the progress bar)."""

    def __init__(self, path: Path, log_id: int, total: int):
        self._fh = open(path, "rb")
        self._log_id = log_id
        self._total = total
        self._read = 0
        self._next_report = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._fh.readinto(buffer)
        self._count(n or 0)
        return n

    def read(self, size=-1):
        data = self._fh.read(size)
        self._count(len(data))
        return data

    def _count(self, n: int) -> None:
        self._read += n
        if self._read >= self._next_report:
            PROGRESS[self._log_id] = (self._read, self._total)
            mark_running(self._log_id, self._read, self._total)
            self._next_report = self._read + 256 * 1024

    def close(self):
        self._fh.close()
        super().close()


def running_file(log_id: int) -> Path:
    return exchange_dir() / "running" / str(log_id)


def mark_running(log_id: int, read: int, total: int) -> None:
    path = running_file(log_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{os.getpid()} {read} {total}")
    tmp.replace(path)


def read_running(log_id: int) -> tuple[int, int, int] | None:
    try:
        pid, read, total = (int(x) for x in running_file(log_id).read_text().split())
    except (OSError, ValueError):
        return None
    return pid, read, total


def is_interrupted(entry: ImportLog) -> bool:
    """A "running" row that no live process imports any more (it was killed or restarted)."""
    if entry.status != "running" or entry.id in ACTIVE:
        return False
    mark = read_running(entry.id)
    if mark is None:
        return entry.started_at < clock.utcnow() - STARTING
    return not running_in_another_process(entry.id)


def running_in_another_process(log_id: int) -> bool:
    """Whether a live process other than this one is importing this log's file."""
    mark = read_running(log_id)
    if mark is None or mark[0] == os.getpid():
        return False
    try:
        os.kill(mark[0], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def progress_of(entry: ImportLog) -> tuple[int, int]:
    """(bytes read, total) of a running import in this process, else from the log."""
    if entry.id in PROGRESS:
        return PROGRESS[entry.id]
    mark = read_running(entry.id)
    if mark is not None:
        return mark[1], mark[2]
    return (entry.progress_bytes, entry.size or 0)
