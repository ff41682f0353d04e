"""Phone numbers: stored E.164, typed any way a Russian manager types them."""
from __future__ import annotations

import dataclasses
import re

import phonenumbers

from appliance import settings
from appliance.errors import InputError


def normalize(text: str, field: str = "phone") -> str:
    """'8 916 123-45-67', '+7 (916) 1234567', '9161234567' -> '+79161234567'."""
    raw = (text or "").strip()
    if not raw:
        raise InputError("Укажите номер телефона.", field)
    digits = re.sub(r"\D", "", raw)
    region = settings.get().get("app", "region") or "RU"
    if region == "RU" and not raw.startswith("+"):
        # Russian habits: a leading 8 is the trunk prefix, a bare 10-digit number is national.
        if len(digits) == 11 and digits[0] in "78":
            raw = "+7" + digits[1:]
        elif len(digits) == 10:
            raw = "+7" + digits
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise InputError(f"«{text}» не похоже на номер телефона.", field) from None
    if not phonenumbers.is_valid_number(number):
        raise InputError(f"Номер «{text}» набран с ошибкой: проверьте количество цифр и код.", field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national_digits(e164: str) -> str:
    """Digits as staff think of the number: 10 digits for a Russian mobile."""
    number = phonenumbers.parse(e164, None)
    return str(number.national_number)


def display(e164: str | None) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 7:
        n = str(number.national_number)
        if len(n) == 10:
            return f"+7 {n[:3]} {n[3:6]}-{n[6:8]}-{n[8:]}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def masked(e164: str | None) -> str:
    """For slips on a public shelf: +7 916 ***-**-67."""
    text = display(e164)
    if len(text) < 6:
        return text
    return text[:6] + re.sub(r"\d", "*", text[6:-2]) + text[-2:]


@dataclasses.dataclass(frozen=True)
class DigitsQuery:
    """One reading of what a person typed to look a phone up: national digits to find."""

    digits: str
    at_start: bool  # the national number starts with them (a leading 8, 7 or +7 was typed)


def search_patterns(query: str) -> list[DigitsQuery]:
    """Every reading of a phone query, the likeliest first; [] when it is not a phone query.

    Stored numbers keep their national digits (9428897550). A leading 8 or 7 is the trunk or
    country prefix as often as it is a digit of the tail: «8942» is the start of 8 942 ... and
    also the last 4 digits of ...-89-42, so both readings are searched, the prefix one first.
    «+7» is always the country code. Spaces, dashes and brackets are ignored.
    """
    stripped = (query or "").strip()
    if not stripped or re.search(r"[^\d\s()+\-]", stripped):
        return []
    digits = re.sub(r"\D", "", stripped)
    if len(digits) < 3:
        return []
    if stripped.startswith("+"):
        if digits.startswith("7"):
            national = digits[1:11]
            return [DigitsQuery(national, True)] if len(national) >= 3 else []
        return [DigitsQuery(digits, False)]
    readings = []
    if digits[0] in "78" and len(digits) >= 4:
        readings.append(DigitsQuery(digits[1:11], True))
    if len(digits) <= 10:
        readings.append(DigitsQuery(digits, False))
    return readings
