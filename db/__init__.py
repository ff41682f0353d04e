"""Storage: one database object, initialised from settings (SQLite by default).

The models bind to `database`, a proxy, so the same models run on SQLite (WAL, foreign
keys, busy timeout) or on PostgreSQL through a peewee db_url for a chain of shops.
"""
from __future__ import annotations

from pathlib import Path

import peewee
from playhouse.db_url import connect
from playhouse.pool import PooledSqliteDatabase

database = peewee.DatabaseProxy()

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


def write_transaction():
    """The transaction for every piece of work that writes (views, jobs, devices, imports).

    A deferred SQLite transaction that reads and then writes fails at once with "database
    is locked" when another connection committed in between (WAL snapshot: the busy timeout
    is never used). ``BEGIN IMMEDIATE`` takes the write lock up front and waits for it up to
    the busy timeout instead. Nested, it is a savepoint (peewee's atomic); on other
    databases a plain ``atomic()``.
    """
    return database.atomic("IMMEDIATE") if is_sqlite() else database.atomic()


def migrate(target: str | None = None) -> list[str]:
    """Apply pending numbered migrations; returns the names applied."""
    from playhouse.migrations import Runner

    return Runner(database.obj, str(MIGRATIONS_DIR)).up(target)


def schema_status() -> list:
    from playhouse.migrations import Runner

    return Runner(database.obj, str(MIGRATIONS_DIR)).status()
