import pytest

from appliance import phones, vehicles
from appliance.errors import InputError


@pytest.mark.parametrize("typed", ["8 916 123-45-67", "+7 (916) 123-45-67", "9161234567", "89161234567", "+79161234567"])
def test_russian_spellings_normalize_to_one_e164(settings, typed):
    assert phones.normalize(typed) == "+79161234567"


@pytest.mark.parametrize("typed", ["12345", "8 916 123", "телефон", "+7 000 000-00-00"])
def test_bad_phone_is_refused_in_russian(settings, typed):
    with pytest.raises(InputError) as exc:
        phones.normalize(typed)
    assert any(word in exc.value.message.lower() for word in ("номер", "телефон"))


def test_phone_display_and_mask(settings):
    assert phones.display("+79161234567") == "+7 916 123-45-67"
    assert phones.masked("+79161234567") == "+7 916 ***-**-67"


@pytest.mark.parametrize("query,expected", [
    ("4567", [("4567", False)]),
    ("8 916", [("916", True), ("8916", False)]),
    ("+7 (916)", [("916", True)]),
    ("8916123", [("916123", True), ("8916123", False)]),
    ("89161234567", [("9161234567", True)]),
    ("7 942 889", [("942889", True), ("7942889", False)]),
    ("916", [("916", False)]),
    ("Иванов", []), ("12", []), ("+7 9", []),
])
def test_phone_search_patterns(query, expected):
    assert [(p.digits, p.at_start) for p in phones.search_patterns(query)] == expected


def test_vin_check_digit_matches_the_published_example():
    # The worked example of the North American check digit (49 CFR 565): 1M8GDM9AXKP042788.
    assert vehicles.vin_check_digit("1M8GDM9A_KP042788".replace("_", "0")) == "X"
    assert vehicles.normalize_vin("1m8gdm9axkp042788") == "1M8GDM9AXKP042788"


@pytest.mark.parametrize("vin,reason", [
    ("1M8GDM9A1KP042788", "контрольный знак"),
    ("LVVDB11B9OD123456", "I, O и Q"),
    ("LVVDB11B", "17 знаков"),
])
def test_bad_vin_is_refused_with_the_reason(vin, reason):
    with pytest.raises(InputError) as exc:
        vehicles.normalize_vin(vin)
    assert reason in exc.value.message


def test_russian_assembled_vin_without_check_digit_is_accepted():
    assert vehicles.normalize_vin("XZGFF06A5LA123456") == "XZGFF06A5LA123456"


def test_plate_is_stored_in_cyrillic_whatever_the_keyboard_layout():
    assert vehicles.normalize_plate("a123bc 77") == "А123ВС77"
    assert vehicles.normalize_plate("А123ВС77") == "А123ВС77"
