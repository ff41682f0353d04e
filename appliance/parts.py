"""Parts identity: article + brand, compared the way suppliers and 1C spell them."""
from __future__ import annotations

import re

_BRAND_ALIASES = {
    "CHERY AUTOMOBILE": "CHERY",
    "GREATWALL": "GREAT WALL",
    "GWM": "GREAT WALL",
    "MOBIS": "HYUNDAI/KIA",
}


def article_key(text: str | None) -> str:
    """' lr-0 21.3456 ' -> 'LR0213456'."""
    return re.sub(r"[\s\-./_\\]", "", (text or "")).upper()


def brand_key(text: str | None) -> str:
    brand = re.sub(r"\s+", " ", (text or "").strip().upper())
    brand = _BRAND_ALIASES.get(brand, brand)
    return re.sub(r"[\s\-.]", "", brand)
