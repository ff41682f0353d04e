"""Which customer a buyer from 1C is: the bonus card first, then the phones in the order given.

One rule for the importer (a sale as it arrives) and for the later pass over unmatched
sales (a card or a phone added to a customer since): both ask ``customers_for``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from db.bulk import select_in, table
from db.models.customers import Phone
from db.models.exchange import BonusCard


def clean_card(text: str | None) -> str:
    """A bonus card number as stored: 1C and cashiers put spaces in it."""
    return re.sub(r"\s+", "", text or "")


def customers_for(buyers: Iterable[tuple[str, Sequence[str]]]) -> list[int | None]:
    """Customer id (or None) per (card, E.164 phones), in order; two queries for the whole batch.

    A card that belongs to a customer wins over the phones (a family shares a phone, not
    a card); otherwise the first phone that belongs to a customer.
    """
    buyers = [(clean_card(card), [p for p in phones if p]) for card, phones in buyers]
    cards = {card for card, _ in buyers if card}
    phones = {p for _, ps in buyers for p in ps}
    by_card = dict(select_in(f"SELECT number, customer_id FROM {table(BonusCard)} WHERE number IN", cards))
    by_phone = dict(select_in(f"SELECT e164, customer_id FROM {table(Phone)} WHERE e164 IN", phones))
    out = []
    for card, ps in buyers:
        found = by_card.get(card) if card else None
        for p in ps:
            found = found or by_phone.get(p)
        out.append(found)
    return out
