"""Storage: one database object, initialised from settings (SQLite by default).

The models bind to `database`, a proxy, so the same models run on SQLite (WAL, foreign
keys, busy timeout) or on PostgreSQL through a peewee db_url for a chain of shops.
"""
from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

import peewee
from playhouse.db_url import connect
from playhouse.pool import PooledDatabase, PooledSqliteDatabase

database = peewee.DatabaseProxy()

# What a database call may raise: peewee's wrapper, or the driver's own from a raw cursor.
DATABASE_ERRORS = (peewee.DatabaseError, sqlite3.DatabaseError)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def sqlite_pragmas(busy_timeout_ms: int = 5000) -> dict:
    return {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": busy_timeout_ms,
        "synchronous": "normal",
        "cache_size": -32000,
        "temp_store": "memory",
    }


def open_database(path_or_url: str | Path, busy_timeout_ms: int = 5000) -> peewee.Database:
    """Bind the proxy to a database and return it; a plain path means SQLite."""
    global _turn_timeout_s
    _turn_timeout_s = busy_timeout_ms / 1000
    text = str(path_or_url)
    if "://" in text:
        db = connect(text)
    else:
        Path(text).parent.mkdir(parents=True, exist_ok=True)
        # Pooled: a request borrows an open connection instead of opening one and re-running pragmas.
        db = PooledSqliteDatabase(text, pragmas=sqlite_pragmas(busy_timeout_ms), check_same_thread=False,
                                  max_connections=32, stale_timeout=600)
    database.initialize(db)
    return db


def open_from_settings(settings) -> peewee.Database:
    url = settings.get("database", "url") or settings.db_path
    return open_database(url, settings.getint("database", "busy_timeout_ms"))


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


# Writers of one process take turns here before asking SQLite: a waiter blocked on this lock
# wakes as soon as it is free, while SQLite's busy handler polls with growing sleeps (up to
# 100 ms), so under load some writers starved until the busy timeout and failed.
_turn = threading.Lock()
_turn_timeout_s = 5.0


@contextlib.contextmanager
def write_transaction():
    """The transaction for every piece of work that writes (views, jobs, devices, imports).

    A deferred SQLite transaction that reads and then writes fails at once with "database
    is locked" when another connection committed in between (WAL snapshot: the busy timeout
    is never used). ``BEGIN IMMEDIATE`` takes the write lock up front and waits for it up to
    the busy timeout instead. Nested, it is a savepoint (peewee's atomic); on other
    databases a plain ``atomic()``. A storage fault drops the connection (see below).
    """
    outer = not database.in_transaction()
    sqlite = is_sqlite()
    # Past the timeout the work goes on to SQLite's own wait rather than failing here.
    got_turn = sqlite and outer and _turn.acquire(timeout=_turn_timeout_s)
    try:
        with database.atomic("IMMEDIATE") if sqlite else database.atomic():
            yield
    except DATABASE_ERRORS as exc:
        fault = _fault_in_chain(exc)
        if outer and fault is not None:
            drop_broken_connections()
            if fault is not exc:  # SQLite rolled back by itself, peewee's ROLLBACK then failed
                raise fault from None
        raise
    finally:
        if got_turn:
            _turn.release()


def storage_fault(exc: BaseException) -> str | None:
    """What storage trouble a database error is: "full" (no space left), "readonly", "ioerror",
    or None for anything else (a bug, a constraint, a busy lock). An error raised while
    handling one of those (a failed ROLLBACK) counts as that one."""
    fault = _fault_in_chain(exc)
    return _fault_kind(fault) if fault is not None else None


def is_busy(exc: BaseException) -> bool:
    """The write lock stayed taken past the busy timeout (a long 1C import, say): retry later."""
    orig = getattr(exc, "orig", None) or exc
    return (getattr(orig, "sqlite_errorname", "") or "").startswith("SQLITE_BUSY") or "database is locked" in str(orig)


def _fault_in_chain(exc: BaseException | None) -> BaseException | None:
    while exc is not None:
        if _fault_kind(exc):
            return exc
        exc = exc.__context__
    return None


def _fault_kind(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None) or exc  # peewee keeps the driver's exception here
    name = getattr(orig, "sqlite_errorname", "") or ""
    pgcode = getattr(orig, "pgcode", "") or ""
    text = str(orig).lower()
    if name.startswith("SQLITE_FULL") or pgcode == "53100" or "disk is full" in text or "no space left" in text:
        return "full"
    if name.startswith("SQLITE_READONLY") or pgcode == "25006" or "readonly database" in text:
        return "readonly"
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        return "ioerror"
    return None


def drop_broken_connections() -> None:
    """After a storage fault, close this thread's connection instead of giving it back to the
    pool, and the idle pooled ones too: a SQLite connection opened while the files were
    read-only stays read-only, so login kept failing after the files were writable again."""
    db = database.obj
    if isinstance(db, PooledDatabase):
        if not db.is_closed():
            db.manual_close()
        db.close_idle()
    elif db is not None and not db.is_closed():
        db.close()


def migrate(target: str | None = None) -> list[str]:
    """Apply pending numbered migrations; returns the names applied."""
    from playhouse.migrations import Runner

    return Runner(database.obj, str(MIGRATIONS_DIR)).up(target)


def schema_status() -> list:
    from playhouse.migrations import Runner

    return Runner(database.obj, str(MIGRATIONS_DIR)).status()
