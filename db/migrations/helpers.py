"""Small tools that keep migrations idempotent on an existing box."""
from __future__ import annotations


def column_names(db, table: str) -> set[str]:
    return {c.name for c in db.get_columns(table)}


def add_column_if_missing(migrator, table: str, name: str, field) -> None:
    if name not in column_names(migrator.database, table):
        migrator.migrate(migrator.add_column(table, name, field))
