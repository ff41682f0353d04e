"""The counter's walk-in rule (a new order, a 1C sale attached by phone): one function."""
import pytest

from appliance import customers
from appliance.errors import InputError


def test_a_known_phone_is_its_customer(db, staff):
    known = customers.create_customer("Иванов Пётр", [customers.PhoneInput("+7 916 123-45-67")], staff["manager"],
                                      source="avito")
    found, created = customers.find_or_create_walk_in("8 (916) 123 45 67", "Другое Имя", staff["manager"])
    assert (found.id, created) == (known.id, False) and found.name == "Иванов Пётр"


def test_an_unknown_phone_is_a_new_walk_in_customer(db, staff):
    new, created = customers.find_or_create_walk_in("89031112233", "  Петров Олег ", staff["manager"])
    assert created and (new.name, new.source) == ("Петров Олег", "walk_in")
    unnamed, created = customers.find_or_create_walk_in("89031112244", "", staff["manager"])
    assert created and unnamed.name.startswith("Клиент ") and "903" in unnamed.name


def test_a_merged_customer_answers_with_the_survivor(db, staff):
    keep = customers.create_customer("Сидоров", [customers.PhoneInput("89160000001")], staff["manager"])
    gone = customers.create_customer("Сидоров А.", [customers.PhoneInput("89160000002")], staff["manager"])
    customers.merge(keep, gone, staff["owner"])
    assert customers.find_or_create_walk_in("89160000002", "", staff["manager"]) == (keep, False)


def test_junk_phone_is_refused(db, staff):
    with pytest.raises(InputError):
        customers.find_or_create_walk_in("12", "", staff["manager"])
