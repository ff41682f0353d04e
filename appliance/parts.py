"""Parts identity: article + brand, compared the way suppliers and 1C spell them.

The one article key of the shop: catalog, 1C import, supplier adapters, searches. The
importer's bulk SQL uses ``sql_article_key``, the same rule spelled in SQL.
"""
from __future__ import annotations

import re

_BRAND_ALIASES = {
    "CHERY AUTOMOBILE": "CHERY",
    "GREATWALL": "GREAT WALL",
    "GWM": "GREAT WALL",
    "MOBIS": "HYUNDAI/KIA",
}

# What an article may be written with besides its letters and digits.
_ARTICLE_PUNCTUATION = "-./_\\"
_ARTICLE_STRIP = re.compile(r"[\s" + re.escape(_ARTICLE_PUNCTUATION) + "]")
# The whitespace 1C exports and people type (Python's \s covers more; SQL needs them named).
_SQL_WHITESPACE = " \t\n\r\x0b\x0c\xa0"


def article_key(text: str | None) -> str:
    """' lr-0 21.3456 ' -> 'LR0213456'."""
    return _ARTICLE_STRIP.sub("", (text or "")).upper()


def sql_article_key(column: str = "article") -> str:
    """``article_key`` of ``column`` as an SQL expression, for bulk queries that narrow by key.

    SQLite's UPPER folds only Latin letters: callers confirm candidates with ``article_key``.
    """
    expr = column
    for ch in _ARTICLE_PUNCTUATION + _SQL_WHITESPACE:
        expr = f"REPLACE({expr}, '{ch}', '')"
    return f"UPPER({expr})"


def brand_key(text: str | None) -> str:
    brand = re.sub(r"\s+", " ", (text or "").strip().upper())
    brand = _BRAND_ALIASES.get(brand, brand)
    return re.sub(r"[\s\-.]", "", brand)
