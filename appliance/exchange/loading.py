"""What the loaders of one import share: the counters, batching, the product index, money.

``Tally`` is the state of one import (counts for the log row, notes, what to do after
the commit); the catalog and documents loaders are mixins over it, put together by
``importer._Import``.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from appliance import parts, settings
from db.bulk import select_in, table
from db.models.catalog import Product
from db.models.exchange import ImportLog

BATCH = 500

akey = functools.lru_cache(maxsize=1 << 16)(parts.article_key)
bkey = functools.lru_cache(maxsize=1 << 12)(parts.brand_key)


def cfg(key: str, fallback: str = "") -> str:
    return settings.get().get("exchange", key, fallback=fallback) or fallback


def default_warehouse() -> str:
    return cfg("default_warehouse", "Основной склад")


def to_kop(value: Decimal | None) -> int:
    if value is None:
        return 0
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fold(text: str) -> str:
    return " ".join((text or "").replace("ё", "е").replace("Ё", "Е").split()).lower()


def chain(first, rest):
    yield first
    yield from rest


class Tally:
    """One import's counts and what it changed, shared by the loaders."""

    def __init__(self, entry: ImportLog):
        self.entry = entry
        self.rows = self.created = self.updated = self.skipped = self.unmatched = 0
        self.notes: list[str] = []
        self.receipts_changed: list[int] = []
        self.products_changed = False
        self.product_keys: set[str] = set()  # article keys of products created or changed here
        self.sales_touched = False
        self.stock_warehouses: set[str] = set()
        self.generated_at = None  # the file's own "formed at" (local), when it says
        self.only_changes = False
        self._phones: dict[str, str] = {}
        self._staff: dict[str, int] | None = None
        self._seen_keys: set[str] = set()
        self._skipped_kinds: dict[str, int] = {}
        self.unknown_articles = 0


class Batcher:
    def __init__(self, fn, size: int = BATCH):
        self.fn, self.size, self.items = fn, size, []

    def add(self, item) -> None:
        self.items.append(item)
        if len(self.items) >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.items:
            items, self.items = self.items, []
            self.fn(items)


class ProductIndex:
    """Products for a set of article keys: exact brand first, else the only product with that article."""

    def __init__(self, article_keys: Iterable[str]):
        keys = [k for k in set(article_keys) if k]
        self.by_pair: dict[tuple[str, str], int] = {}
        self.by_article: dict[str, list[int]] = {}
        for pid, ak, bk in select_in(f"SELECT id, article_key, brand_key FROM {table(Product)} WHERE article_key IN",
                                      keys):
            self.by_pair[(ak, bk)] = pid
            self.by_article.setdefault(ak, []).append(pid)

    def find(self, ak: str, bk: str) -> int | None:
        pid = self.by_pair.get((ak, bk))
        if pid is None:
            ids = self.by_article.get(ak, [])
            pid = ids[0] if len(ids) == 1 else None
        return pid
