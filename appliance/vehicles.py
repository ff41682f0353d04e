"""VINs and plates: validated the way the traffic police and the parts catalogs read them."""
from __future__ import annotations

import re

from appliance.errors import InputError

_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
    "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
    "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)

# Cyrillic letters allowed on Russian plates, and their Latin look-alikes typed by mistake.
_LATIN_TO_CYR = str.maketrans("ABEKMHOPCTYX", "АВЕКМНОРСТУХ")
_CYR_TO_LATIN = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    rem = total % 11
    return "X" if rem == 10 else str(rem)


def normalize_vin(text: str, field: str = "vin") -> str:
    """Upper-case 17 characters; the 9th is the check digit for North American VINs.

    Chinese market cars (LVV..., LB3..., L6T...) follow ISO 3779, where the 9th position
    is usually the check digit too (GB 16735); a mismatch is refused for VINs that start
    with 1-5 (North America) or L (China), where it is mandatory.
    """
    vin = re.sub(r"[\s-]", "", text or "").upper().translate(_CYR_TO_LATIN)
    if not vin:
        return ""
    if re.search(r"[IOQ]", vin):
        raise InputError("В VIN не бывает букв I, O и Q — проверьте: возможно, это цифры 1 и 0.", field)
    if len(vin) != 17:
        raise InputError(f"VIN состоит из 17 знаков, а введено {len(vin)}.", field)
    if not re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin):
        raise InputError("VIN может содержать только латинские буквы и цифры.", field)
    if vin[0] in "12345L" and vin_check_digit(vin) != vin[8]:
        raise InputError("VIN введён с ошибкой: не сходится контрольный знак (9-й символ).", field)
    return vin


def normalize_plate(text: str) -> str:
    """'a123bc 77' -> 'А123ВС77' (Cyrillic, as printed on the plate)."""
    return re.sub(r"[\s-]", "", text or "").upper().translate(_LATIN_TO_CYR)


def plate_search_forms(text: str) -> set[str]:
    plate = normalize_plate(text)
    return {plate, plate.translate(_CYR_TO_LATIN)} if plate else set()


# What a person types for a plate's letter with Latin letters: the look-alikes above, and the
# ones that sound alike (R for Р, S for С, V for В, U for У).
_PLATE_LATIN = str.maketrans("ABEKMHOPCTYXRSVU", "АВЕКМНОРСТУХРСВУ")
# The keyboard left in the other layout: the Latin key under each Cyrillic letter (ЙЦУКЕН).
_KEYS_LATIN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_KEYS_CYR = "йцукенгшщзхъфывапролджэячсмитьбюё"
_LATIN_KEY_TO_CYR = str.maketrans(_KEYS_LATIN + _KEYS_LATIN.upper(), _KEYS_CYR + _KEYS_CYR.upper())
_CYR_KEY_TO_LATIN = str.maketrans(_KEYS_CYR + _KEYS_CYR.upper(), _KEYS_LATIN + _KEYS_LATIN.upper())
_PLATE_CHARS = re.compile(r"[0-9АВЕКМНОРСТУХ]+")
_VIN_CHARS = re.compile(r"[0-9A-HJ-NPR-Z]+")


def _looks_like_car_fragment(text: str) -> bool:
    """4+ characters with a digit, and a letter or 5+ characters: not a surname, not '2020'."""
    return len(text) >= 4 and bool(re.search(r"\d", text)) and (bool(re.search(r"\D", text)) or len(text) >= 5)


def plate_query_forms(query: str) -> list[str]:
    """The plates (Cyrillic, as stored) a typed fragment may mean: 'T986HR177', 't986hr' (look- and
    sound-alike Latin letters) and 'n986yh' (Cyrillic keys pressed in the Latin layout) all mean Т986НР."""
    raw = re.sub(r"[\s-]", "", query or "")
    if not _looks_like_car_fragment(raw):
        return []
    forms = [raw.upper().replace("Ё", "Е"), raw.upper().translate(_PLATE_LATIN),
             raw.translate(_LATIN_KEY_TO_CYR).upper()]
    return [f for f in dict.fromkeys(forms) if _PLATE_CHARS.fullmatch(f)]


def vin_query_forms(query: str) -> list[str]:
    """VIN fragments (Latin, as stored) a typed text may mean, also typed in the Cyrillic layout."""
    raw = re.sub(r"[\s-]", "", query or "")
    if not _looks_like_car_fragment(raw):
        return []
    forms = [raw.upper().translate(_CYR_TO_LATIN), raw.translate(_CYR_KEY_TO_LATIN).upper()]
    return [f for f in dict.fromkeys(forms) if _VIN_CHARS.fullmatch(f)]
