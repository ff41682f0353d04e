"""Which of a customer's phones to use: one rule for the card, the order page, the slip and SMS.

- ``phones_of``: all of them, the primary first, then in the order they were added.
- ``main_phone``: the one to show or to call (order page, slips): the primary, else the first.
- ``phone_for_sms``: the one an SMS goes to: the primary if it is a mobile, else the first mobile;
  a landline never gets an SMS.
"""
from __future__ import annotations

import peewee

from appliance.errors import InputError
from db.models.customers import Customer, Phone

MAIN_FIRST = (Phone.is_primary.desc(), Phone.id)  # the order phones are listed in everywhere


def phones_of(customer: Customer) -> peewee.ModelSelect:
    return Phone.select().where(Phone.customer == customer.id).order_by(*MAIN_FIRST)


def main_phone(customer: Customer) -> Phone | None:
    return phones_of(customer).first()


def phone_for_sms(customer: Customer) -> str:
    """The e164 an SMS to this customer goes to; InputError when the customer has no mobile."""
    row = phones_of(customer).where(Phone.kind == "mobile").first()
    if row is None:
        raise InputError(f"У клиента «{customer.name}» нет мобильного телефона для SMS.", "phone")
    return row.e164
