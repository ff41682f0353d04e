"""Kopecks as a person reads them, outside a page (SMS, the journal, the order timeline):
'2 300 ₽', '1 500,50 ₽', '-1 500,50 ₽'. Pages use the Babel filter web.formatting.money,
which writes the same."""
from __future__ import annotations


def text(kop, space: str = "\u00a0") -> str:
    sign = "-" if int(kop) < 0 else ""
    rub, k = divmod(abs(int(kop)), 100)
    whole = f"{rub:,}".replace(",", space)
    return f"{sign}{whole},{k:02d}{space}₽" if k else f"{sign}{whole}{space}₽"
