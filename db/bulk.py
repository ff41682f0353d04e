"""Raw-SQL bulk writes for the hot paths (the 1C importer: a million sale lines).

peewee's query building costs more than SQLite's work there, so these write with
executemany and read with plain tuples; values go through each field's ``db_value``
except for the plain types, whose Python value is already the database's.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import peewee

from db import database, is_sqlite

_PLAIN = (peewee.CharField, peewee.IntegerField, peewee.ForeignKeyField, peewee.TextField)


def chunks(items: list, size: int) -> Iterable[list]:
    """Consecutive slices of at most ``size`` (SQLite binds at most 999 parameters per statement)."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def table(model) -> str:
    """The model's table name, quoted for SQL."""
    return f'"{model._meta.table_name}"'


def bulk_insert(model, rows: list[dict]) -> None:
    """executemany with the model's own column names: the hot path of a million lines."""
    if not rows:
        return
    names = list(rows[0].keys())
    fields = [model._meta.fields[n] for n in names]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    param = database.param
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({", ".join([param] * len(names))})'
    converters = [f.db_value if not isinstance(f, _PLAIN) else None for f in fields]
    params = [tuple(v if conv is None else conv(v) for v, conv in zip(row.values(), converters, strict=True))
              for row in rows]
    cursor = database.cursor()
    cursor.executemany(sql, params)


def select_in(prefix: str, values, chunk: int = 500) -> Iterator[tuple]:
    """``prefix IN (...)`` in chunks, as plain tuples: peewee's query building is the slow part here."""
    values = list(values)
    for i in range(0, len(values), chunk):
        part = values[i:i + chunk]
        sql = f"{prefix} ({', '.join([database.param] * len(part))})"
        yield from database.execute_sql(sql, part).fetchall()


def insert_returning_ids(model, rows: list[dict]) -> list[int]:
    """Insert rows and return their ids, in order.

    SQLite: the import holds the write lock (BEGIN IMMEDIATE), so ids after MAX(id) are
    ours to give; one executemany. Elsewhere: INSERT ... RETURNING.
    """
    if not rows:
        return []
    if not is_sqlite():
        ids = []
        for chunk in chunks(rows, 300):
            ids += [r[0] for r in model.insert_many(chunk).returning(model._meta.primary_key).tuples().execute()]
        return ids
    base = database.execute_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table(model)}").fetchone()[0]
    ids = list(range(base + 1, base + 1 + len(rows)))
    for row_id, row in zip(ids, rows, strict=True):
        row["id"] = row_id
    bulk_insert(model, rows)
    return ids


def insert_tuples(model, names: tuple[str, ...], rows: list[tuple]) -> None:
    """executemany of ready tuples (values already in database form)."""
    if not rows:
        return
    columns = ", ".join(f'"{model._meta.fields[n].column_name}"' for n in names)
    sql = f'INSERT INTO {table(model)} ({columns}) VALUES ({", ".join([database.param] * len(names))})'
    database.cursor().executemany(sql, rows)
