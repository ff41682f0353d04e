"""The one rule for which phone a customer is reached on (appliance/customers/contact.py)."""
import pytest

from appliance import clock, customers
from appliance.customers import PhoneInput, VehicleInput
from appliance.errors import InputError
from db.models.customers import Phone, Vehicle


def _person(*numbers, primary: str | None = None):
    c = customers.create_customer("Смирнова Ольга", [PhoneInput(n, kind) for n, kind in numbers])
    if primary:
        Phone.update(is_primary=(Phone.e164 == primary)).where(Phone.customer == c.id).execute()
    return c


def test_main_phone_is_the_primary_else_the_first(db):
    c = _person(("+74957654321", "work"), ("+79161234567", "mobile"))
    Phone.update(is_primary=False).where(Phone.customer == c.id).execute()
    assert customers.main_phone(c).e164 == "+74957654321"
    Phone.update(is_primary=True).where(Phone.e164 == "+79161234567").execute()
    assert customers.main_phone(c).e164 == "+79161234567"
    assert [p.e164 for p in customers.phones_of(c)] == ["+79161234567", "+74957654321"]


def test_main_phone_of_a_customer_without_phones_is_none(db):
    c = _person(("+79161234567", "mobile"))
    Phone.delete().where(Phone.customer == c.id).execute()
    assert customers.main_phone(c) is None


def test_sms_goes_to_the_primary_when_it_is_a_mobile(db):
    c = _person(("+79031112233", "mobile"), ("+79161234567", "mobile"), primary="+79161234567")
    assert customers.phone_for_sms(c) == "+79161234567"


def test_sms_skips_a_landline_primary_for_the_first_mobile(db):
    c = _person(("+74957654321", "work"), ("+79161234567", "mobile"), ("+79031112233", "mobile"),
                primary="+74957654321")
    assert customers.main_phone(c).e164 == "+74957654321"  # the slip and the order page still show it
    assert customers.phone_for_sms(c) == "+79161234567"


def test_no_sms_to_a_customer_with_only_landlines(db):
    c = _person(("+74957654321", "work"), ("+74951112233", "home"))
    with pytest.raises(InputError, match="нет мобильного"):
        customers.phone_for_sms(c)


def test_live_vehicles_leave_out_removed_cars(db):
    c = customers.create_customer("Петров", [PhoneInput("89161234567")],
                                  vehicle_list=[VehicleInput("Lada", "Vesta"), VehicleInput("Kia", "Rio")])
    first, second = list(c.vehicles.order_by(Vehicle.id))
    second.deleted_at = clock.utcnow()
    second.save()
    assert [v.id for v in c.live_vehicles()] == [first.id]
