"""The one buyer -> customer rule: the bonus card first, then the phones in the order given."""
from __future__ import annotations

import datetime as dt

from appliance import customers
from appliance.customers import PhoneInput
from appliance.customers.matching import clean_card, customers_for
from db.models.exchange import BonusCard


def _customer(name, phone, card=None):
    c = customers.create_customer(name, [PhoneInput(phone)])
    if card:
        BonusCard.create(number=card, customer=c, created_at=dt.datetime(2026, 1, 1))
    return c


def test_card_wins_over_a_phone_of_another_customer(db):
    """A wife pays with her card from her husband's phone: the sale is hers."""
    husband = _customer("Петров Иван", "+79161110000")
    wife = _customer("Петрова Анна", "+79162220000", card="2000012345678")
    assert customers_for([("2000 0123 45678", ["+79161110000"])]) == [wife.id]
    assert customers_for([("", ["+79161110000"])]) == [husband.id]


def test_first_known_phone_and_unknown_buyers(db):
    anna = _customer("Петрова Анна", "+79162220000")
    oleg = _customer("Орлов Олег", "+79163330000")
    found = customers_for([
        ("9999", ["+79990000000", "+79163330000", "+79162220000"]),  # unknown card, second phone known
        ("", []),  # nobody to look for
        ("", ["", "+79162220000"]),  # an empty phone is skipped
        ("1111", ["+79995550000"]),  # nothing known
    ])
    assert found == [oleg.id, None, anna.id, None]


def test_a_big_batch_is_read_in_chunks(db):
    """More cards than SQLite binds in one statement: every one is still found."""
    anna = _customer("Петрова Анна", "+79162220000", card="5000")
    buyers = [(str(n), []) for n in range(1, 1200)] + [("5000", [])]
    assert customers_for(buyers)[-1] == anna.id


def test_clean_card_drops_spaces():
    assert clean_card(" 2000 0123\t45678 ") == "2000012345678" and clean_card(None) == ""
