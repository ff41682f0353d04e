"""Backups of the SQLite database: online copy, integrity check, rotation, safe restore."""
from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from pathlib import Path

from appliance import settings
from appliance.clock import local_now, utcnow
from appliance.errors import InputError
from db import database, is_sqlite
from db.models.system import KeyValue

log = logging.getLogger(__name__)
PREFIX = "prilavok-"


def backup_dir() -> Path:
    cfg = settings.get()
    return Path(cfg.get("backup", "dir") or cfg.var_dir / "backups")


def integrity_problem(path: Path) -> str | None:
    """None when the file is a sound Prilavok database; otherwise what is wrong, in Russian."""
    if not path.exists():
        return f"Файл {path} не найден."
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = con.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                return f"Файл повреждён: {result}"
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return f"Это не база данных SQLite или она повреждена ({exc})."
    if not {"schema_migration", "customer"} <= tables:
        return "Это не резервная копия Прилавка: нет нужных таблиц."
    return None


def make_backup(dest_dir: Path | None = None) -> Path:
    """Copy the live database with SQLite's online backup API and verify the copy."""
    if not is_sqlite():
        raise RuntimeError("backup of a non-SQLite database is done by its own tools (pg_dump)")
    dest_dir = dest_dir or backup_dir()
    dest_dir.mkdir(parents=True, exist_ok=True)
    stamp = local_now().strftime("%Y%m%d-%H%M%S")
    target = dest_dir / f"{PREFIX}{stamp}.db"
    tmp = target.with_suffix(".tmp")
    dst = sqlite3.connect(tmp)
    try:
        database.connection().backup(dst)
    finally:
        dst.close()
    problem = integrity_problem(tmp)
    if problem:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"backup copy failed its integrity check: {problem}")
    tmp.replace(target)
    KeyValue.insert(key="last_backup_at", value=utcnow().isoformat()).on_conflict(
        conflict_target=[KeyValue.key], update={KeyValue.value: utcnow().isoformat()}).execute()
    log.info("backup written to %s", target)
    return target


def _stamp(path: Path) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(path.stem[len(PREFIX):], "%Y%m%d-%H%M%S")
    except ValueError:
        return None


def rotate(dest_dir: Path | None = None, keep_daily: int | None = None, keep_weekly: int | None = None) -> list[Path]:
    """Keep the newest copy of each of the last N days and of each of the last M weeks."""
    cfg = settings.get()
    keep_daily = cfg.getint("backup", "keep_daily") if keep_daily is None else keep_daily
    keep_weekly = cfg.getint("backup", "keep_weekly") if keep_weekly is None else keep_weekly
    dest_dir = dest_dir or backup_dir()
    copies = sorted(((s, p) for p in dest_dir.glob(f"{PREFIX}*.db") if (s := _stamp(p))), reverse=True)
    keep: set[Path] = set()
    days, weeks = [], []
    for stamp, path in copies:
        day, week = stamp.date(), stamp.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days.append(day)
            keep.add(path)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.append(week)
            keep.add(path)
    removed = []
    for _, path in copies:
        if path not in keep:
            path.unlink()
            removed.append(path)
    return removed


def nightly() -> Path:
    path = make_backup()
    rotate()
    return path


def restore(source: Path) -> Path:
    """Replace the live database with a verified copy; the current one is kept beside it."""
    problem = integrity_problem(source)
    if problem:
        raise InputError(f"Восстановление отменено, текущая база не тронута. {problem}")
    live = settings.get().db_path
    keep = live.with_name(f"{live.name}.before-restore-{local_now():%Y%m%d-%H%M%S}")
    if live.exists():
        src = sqlite3.connect(live)
        dst = sqlite3.connect(keep)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(live)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    for suffix in ("-wal", "-shm"):
        stale = live.with_name(live.name + suffix)
        if stale.exists() and stale.stat().st_size == 0:
            stale.unlink()
    return keep
