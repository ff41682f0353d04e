"""Every spelling a person types at the counter finds the customer (issue 13, item 1)."""
import pytest

from appliance import customers
from appliance.customers import PhoneInput, VehicleInput


@pytest.fixture
def shop(db, staff):
    target = customers.create_customer(
        "Орлов Денис", [PhoneInput("+7 942 889-75-50")], staff["manager"],
        vehicle_list=[VehicleInput("BYD", "F3", 2012, plate="Т986НР177")])
    # Neighbours that share some digits or letters, so a sloppy match would rank them first.
    customers.create_customer("Смирнова Анна", [PhoneInput("89035550000")], staff["manager"],
                              vehicle_list=[VehicleInput("Lifan", "X60", 2015, plate="А123ВС77")])
    customers.create_customer("Ким Ольга", [PhoneInput("+7 916 894-20-01")], staff["manager"])
    return target


PHONE_SPELLINGS = [
    "8942", "89428", "894288", "8942889755", "89428897550", "79428897550", "+79428897550",
    "7 942 889", "7942889", "+7 (942) 88", "+7 942", "8 (942) 889-75-50", "8-942-889-75-50",
    "+7-942-889-75-50", "942 889 75 50", "9428897550", "942889", "942-889", "(942) 889",
    "7550", "97550", "75-50",
]


@pytest.mark.parametrize("typed", PHONE_SPELLINGS)
def test_every_phone_spelling_finds_the_customer(shop, typed):
    hits = customers.search(typed)
    assert hits, f"«{typed}» found nobody"
    assert shop.id in [h.customer.id for h in hits[:3]], typed


def test_last_four_digits_rank_the_tail_first(shop, staff):
    # «8942» is also inside Ким's number (+7 916 894-20-01): the leading-8 reading comes first.
    ids = [h.customer.id for h in customers.search("8942")]
    assert ids[0] == shop.id


PLATE_SPELLINGS = [
    "Т986НР177", "т986нр", "Т986НР", "986нр", "т 986 нр 177",
    # Latin letters that look or sound like the plate's: Т→T, Н→H, Р→P or R.
    "T986HP177", "t986hr", "T986HR177", "t986hr177",
    # The keyboard left in the Latin layout: the Cyrillic keys т, н, р are n, y, h there.
    "n986yh", "n986yh177", "N986YH177",
]


@pytest.mark.parametrize("typed", PLATE_SPELLINGS)
def test_every_plate_spelling_finds_the_customer(shop, typed):
    hits = customers.search(typed)
    assert hits and hits[0].customer.id == shop.id, typed


def test_a_plate_of_another_customer_is_not_mixed_in(shop):
    assert [h.customer.id for h in customers.search("t986hr")] == [shop.id]
