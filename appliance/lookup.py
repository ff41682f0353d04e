"""What a scanned or typed code at the counter opens: each area adds a resolver.

A barcode scanner is a keyboard that types a code and Enter into the search box; a
resolver (dotted path) gets the text and returns a URL to open, or None.
"""
from __future__ import annotations

from appliance import hooks

RESOLVERS: list[str] = [
    "appliance.orders.orders:resolve_code",  # order slip barcode ZK000123
    "appliance.loyalty.cards:resolve_code",  # a bonus card (spaces, wrong keyboard layout tolerated)
]


def resolve(text: str) -> str | None:
    text = (text or "").strip()
    if not text:
        return None
    for resolver in hooks.load_all(RESOLVERS):
        url = resolver(text)
        if url:
            return url
    return None
