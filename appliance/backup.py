"""Backups of the SQLite database: online copy, integrity check, rotation, safe restore.

Each copy is one self-contained file (journal mode DELETE: no -wal/-shm beside it) with a
`<copy>.sha256` manifest in `sha256sum` format: `integrity_check` cannot see a copy edited
in place, the hash can.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import sqlite3
from pathlib import Path

from appliance import runtime, settings
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
    _copy(database.connection(), tmp)
    problem = integrity_problem(tmp)
    if problem:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"backup copy failed its integrity check: {problem}")
    tmp.replace(target)
    write_manifest(target)
    KeyValue.insert(key="last_backup_at", value=utcnow().isoformat()).on_conflict(
        conflict_target=[KeyValue.key], update={KeyValue.value: utcnow().isoformat()}).execute()
    log.info("backup written to %s", target)
    return target


def _copy(source: sqlite3.Connection, dest: Path) -> None:
    """An online copy in one file: WAL would leave -wal/-shm beside it at every open."""
    dst = sqlite3.connect(dest)
    try:
        source.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()


def manifest_path(copy: Path) -> Path:
    return copy.with_name(copy.name + ".sha256")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(copy: Path) -> Path:
    """`<sha256>  <name>`, so `sha256sum -c` checks it too."""
    manifest = manifest_path(copy)
    tmp = manifest.with_name(manifest.name + ".tmp")
    tmp.write_text(f"{_sha256(copy)}  {copy.name}\n", encoding="utf-8")
    tmp.replace(manifest)
    return manifest


def manifest_problem(copy: Path, unverified: bool = False) -> str | None:
    """None when the copy is byte for byte the one the backup wrote; otherwise why not, in Russian."""
    manifest = manifest_path(copy)
    if not manifest.exists():
        if unverified:
            log.warning("restoring %s without a manifest (--unverified)", copy)
            return None
        return (f"Рядом с копией нет файла контрольной суммы {manifest.name}: нельзя проверить, что копию "
                f"не меняли после создания. Если вы уверены в этой копии, повторите с ключом --unverified.")
    want = manifest.read_text(encoding="utf-8").split()[:1]
    if want != [_sha256(copy)]:
        return (f"Копия {copy.name} изменена после создания: её контрольная сумма не совпадает с {manifest.name}. "
                f"Возьмите другую копию.")
    return None


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
            for extra in (manifest_path(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
                extra.unlink(missing_ok=True)
    for leftover in [*dest_dir.glob(f"{PREFIX}*.tmp-wal"), *dest_dir.glob(f"{PREFIX}*.tmp-shm")]:
        leftover.unlink(missing_ok=True)  # left by copies made before they were written in one file
    return removed


def nightly() -> Path:
    path = make_backup()
    rotate()
    return path


def restore(source: Path, unverified: bool = False) -> Path:
    """Replace the live database with a verified copy; the current one is kept beside it.

    Only while no service runs (a web process would keep writing to the file being replaced);
    the service locks are held meanwhile, so none can start. ``unverified`` accepts a copy
    that has no manifest (from before manifests, or copied without it), never one that
    does not match its manifest.
    """
    with runtime.services_stopped():
        problem = integrity_problem(source) or manifest_problem(source, unverified)
        if problem:
            raise InputError(f"Восстановление отменено, текущая база не тронута. {problem}")
        return _replace_live(source)


def _replace_live(source: Path) -> Path:
    live = settings.get().db_path
    keep = live.with_name(f"{live.name}.before-restore-{local_now():%Y%m%d-%H%M%S}")
    if live.exists():
        src = sqlite3.connect(live)
        try:
            _copy(src, keep)
        finally:
            src.close()
        write_manifest(keep)
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
