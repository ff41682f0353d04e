"""Write transactions that take SQLite's write lock up front.

Supplier calls run in thread pools and record link status while the nightly run
writes its lines. A deferred SQLite transaction that reads, then writes, fails at
once with "database is locked" when another connection committed in between (WAL
snapshot); ``BEGIN IMMEDIATE`` waits for the lock instead (busy timeout). On other
databases this is a plain ``atomic()``.
"""
from __future__ import annotations

from db import database, is_sqlite


def write_txn():
    if is_sqlite() and not database.in_transaction():
        return database.atomic("IMMEDIATE")
    return database.atomic()
