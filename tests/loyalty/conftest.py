"""A customer with a bonus card, sales made with it, and a clock to move between them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from appliance import customers
from appliance.customers import PhoneInput
from db.models.exchange import BonusCard
from db.models.loyalty import LoyaltySale
from db.models.sales import Sale, SaleLine

DATA = Path(__file__).parent / "data"
T0 = dt.datetime(2026, 11, 2, 9, 0)  # UTC, 12:00 shop time


@pytest.fixture
def at():
    """`with at(when):` runs the block at that UTC instant (naive = UTC)."""
    def travel(when: dt.datetime):
        return time_machine.travel(when.replace(tzinfo=dt.UTC), tick=False)
    return travel


@pytest.fixture
def card(db, staff):
    customer = customers.create_customer("Иванов Сергей Петрович", [PhoneInput("+7 916 555-12-34")], staff["manager"])
    return BonusCard.create(number="2000012345678", customer=customer, created_at=T0 - dt.timedelta(days=30))


def make_sale(card: BonusCard, lines, when: dt.datetime, number: str = "ЧК-1", redeemed: int = 0,
              paid: int | None = None) -> LoyaltySale:
    """lines: (article, qty, sum_kop); a sale as the importer leaves it, with its LoyaltySale."""
    total = sum(s for _, _, s in lines)
    sale = Sale.create(number=number, date=when, customer=card.customer_id, total_kop=total, source="1c",
                       created_at=when)
    for article, qty, sum_kop in lines:
        SaleLine.create(sale=sale, article=article, brand="CHERY", name=article, qty=Decimal(qty),
                        price_kop=int(sum_kop / Decimal(qty)), sum_kop=sum_kop)
    return LoyaltySale.create(sale=sale, card=card, paid_kop=paid, redeemed_kop=redeemed, created_at=when)
