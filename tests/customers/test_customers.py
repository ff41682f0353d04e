import pytest

from appliance import audit, customers
from appliance.clock import utcnow
from appliance.customers import DuplicatePhone, PhoneInput, VehicleInput
from appliance.errors import InputError, StaleEdit
from db.models.customers import Customer, Phone, Vehicle
from db.models.sales import Sale


@pytest.fixture
def ivanov(db, staff):
    return customers.create_customer(
        "Иванов Пётр Сергеевич", [PhoneInput("8 916 123-45-67"), PhoneInput("+7 (495) 765-43-21", "work")],
        staff["manager"], source="avito", notes="Берёт только оригинал",
        vehicle_list=[VehicleInput("Chery", "Tiggo 4", 2020, plate="о777оо77", engine="SQRE4G15C")])


def test_customer_with_two_phones_and_a_car(ivanov, staff):
    assert [p.e164 for p in ivanov.phones.order_by(Phone.id)] == ["+79161234567", "+74957654321"]
    car = ivanov.vehicles.get()
    assert (car.make, car.model, car.plate) == ("Chery", "Tiggo 4", "О777ОО77")
    entry = audit.history("customer", ivanov.id).get()
    assert entry.actor.username == "manager" and entry.action == "create"


def test_second_customer_with_existing_phone_is_offered_the_existing_card(ivanov, staff):
    with pytest.raises(DuplicatePhone) as exc:
        customers.create_customer("Петя", [PhoneInput("+7 916 1234567")], staff["manager"])
    assert exc.value.existing.id == ivanov.id
    assert Customer.select().count() == 1


def test_nothing_half_saved_when_the_car_is_bad(db, staff):
    with pytest.raises(InputError):
        customers.create_customer("Сидоров", [PhoneInput("89031112233")], staff["manager"],
                                  vehicle_list=[VehicleInput("Haval", vin="LGWEF4A5XNF1234")])
    assert Customer.select().count() == 0 and Phone.select().count() == 0


def test_empty_name_and_no_phone_are_refused(db, staff):
    with pytest.raises(InputError, match="имя"):
        customers.create_customer("  ", [PhoneInput("89031112233")], staff["manager"])
    with pytest.raises(InputError, match="телефон"):
        customers.create_customer("Сидоров", [PhoneInput("")], staff["manager"])


def test_stale_edit_is_refused_and_changes_are_audited(ivanov, staff):
    customers.update_customer(ivanov, 1, staff["owner"], "Иванов Пётр", "avito", "", [PhoneInput("+79161234567")])
    with pytest.raises(StaleEdit):
        customers.update_customer(ivanov, 1, staff["manager"], "Иванов П.", "avito", "", [PhoneInput("+79161234567")])
    fresh = Customer.get_by_id(ivanov.id)
    assert fresh.name == "Иванов Пётр" and fresh.version == 2
    entry = audit.history("customer", ivanov.id).first()
    changes = audit.changes_of(entry)
    assert changes["name"] == ["Иванов Пётр Сергеевич", "Иванов Пётр"]
    assert changes["phones"] == ["+79161234567, +74957654321", "+79161234567"]
    assert entry.actor.username == "owner"


@pytest.mark.parametrize("query", ["4567", "8 916", "+7 (916) 123", "иванов", "ИВАНОВ", "пётр", "петр", "о777", "O777OO77",
                                   "tiggo", "оригинал"])
def test_search_finds_by_any_handle(ivanov, db, staff, query):
    customers.create_customer("Смирнова Анна", [PhoneInput("89035550000")], staff["manager"])
    hits = customers.search(query)
    assert hits and hits[0].customer.id == ivanov.id, query


def test_search_by_vin_fragment(db, staff):
    from appliance.vehicles import vin_check_digit

    vin = "LVVDB11B0MD654321"
    vin = vin[:8] + vin_check_digit(vin) + vin[9:]
    c = customers.create_customer("Орлов", [PhoneInput("89035550001")], staff["manager"],
                                  vehicle_list=[VehicleInput("Chery", "Tiggo", vin=vin)])
    assert customers.search("654321")[0].customer.id == c.id or customers.search("D654321")[0].customer.id == c.id
    assert customers.search(vin)[0].customer.id == c.id


def test_merge_moves_everything_and_keeps_a_pointer(db, staff):
    keep = customers.create_customer("Кузнецов Олег", [PhoneInput("89161110001")], staff["manager"],
                                     vehicle_list=[VehicleInput("Geely", "Coolray", plate="в001вв77")])
    drop = customers.create_customer("Кузнецов О.", [PhoneInput("89161110002")], staff["manager"],
                                     vehicle_list=[VehicleInput("Geely", "Coolray", plate="В001ВВ77")])
    import datetime as dt
    Sale.create(number="1", date=dt.datetime(2026, 1, 5), customer=drop, kind="parts", total_kop=150000,
                created_at=dt.datetime(2026, 1, 5))
    pairs = customers.likely_duplicates()
    assert any({p.first.id, p.second.id} == {keep.id, drop.id} for p in pairs)

    customers.merge(keep, drop, staff["owner"])
    assert Customer.get_by_id(drop.id).merged_into_id == keep.id
    assert customers.find_by_phone("+79161110002").id == keep.id
    assert keep.live_vehicles().count() == 1  # the same plate on both cards is one car
    assert customers.stats(keep).total_kop == 150000
    assert [h.customer.id for h in customers.search("Кузнецов")] == [keep.id]
    assert "объединён" in audit.history("customer", keep.id).first().note
    assert not any({p.first.id, p.second.id} == {keep.id, drop.id} for p in customers.likely_duplicates())


def _valid_vin(body: str) -> str:
    from appliance.vehicles import vin_check_digit

    return body[:8] + vin_check_digit(body) + body[9:]


def test_editing_a_car_to_another_customers_vin_is_refused(ivanov, staff):
    vin = _valid_vin("LVVDB11B0MD654321")
    other = customers.create_customer("Сидоров Олег", [PhoneInput("89031112233")], staff["manager"])
    customers.add_vehicle(other, VehicleInput("Chery", "Tiggo 7", vin=vin), staff["manager"])
    car = ivanov.vehicles.get()
    with pytest.raises(InputError, match="Автомобиль с этим VIN уже записан у клиента «Сидоров Олег»") as exc:
        customers.update_vehicle(car, VehicleInput("Chery", "Tiggo 4", 2020, vin=vin.lower()), staff["manager"])
    assert exc.value.field == "vin"
    assert Vehicle.get_by_id(car.id).vin == ""
    # the same car keeps its own VIN through an edit of something else
    mine = customers.update_vehicle(Vehicle.get(Vehicle.customer == other), VehicleInput(
        "Chery", "Tiggo 7 Pro", vin=vin), staff["manager"])
    assert (mine.model, mine.vin) == ("Tiggo 7 Pro", vin)


def test_recent_customers_are_the_last_visitors_first(db, staff):
    customers.create_customer("Никогда", [PhoneInput("89031110001")])
    old = customers.create_customer("Давно", [PhoneInput("89031110002")])
    new = customers.create_customer("Вчера", [PhoneInput("89031110003")])
    gone = customers.create_customer("Удалён", [PhoneInput("89031110004")])
    customers.record_visit(old.id, utcnow().replace(year=2020))
    customers.record_visit(new.id, utcnow())
    customers.soft_delete(gone, staff["owner"])
    assert [c.name for c in customers.recent(15)] == ["Вчера", "Давно", "Никогда"]
    assert [c.name for c in customers.recent(1)] == ["Вчера"]
