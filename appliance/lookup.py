"""What a scanned or typed code at the counter opens: each area adds a resolver.

A barcode scanner is a keyboard that types a code and Enter into the search box; a
resolver (dotted path) gets the text and returns a URL to open, or None.
"""
from __future__ import annotations

import importlib

RESOLVERS: list[str] = [
    "appliance.orders.orders:resolve_code",  # order slip barcode ZK000123
]


def resolve(text: str) -> str | None:
    text = (text or "").strip()
    if not text:
        return None
    for path in RESOLVERS:
        module_name, _, attr = path.partition(":")
        try:
            resolver = getattr(importlib.import_module(module_name), attr)
        except ModuleNotFoundError:
            continue
        url = resolver(text)
        if url:
            return url
    return None
