"""A merge keeps one copy of a car that both cards had (issue 13, item 3)."""
from appliance import audit, customers
from appliance.clock import utcnow
from appliance.customers import PhoneInput, VehicleInput
from appliance.vehicles import vin_check_digit
from db.models.customers import Vehicle
from db.models.orders import Order

VIN = "LGXC16AF0" [:8] + vin_check_digit("LGXC16AF0C1234567") + "C1234567"


def _order(customer, vehicle):
    now = utcnow()
    return Order.create(customer=customer, vehicle=vehicle, created_at=now, updated_at=now)


def test_the_same_plate_on_both_cards_becomes_one_car_with_both_histories(db, staff):
    keep = customers.create_customer("Павлов Игорь", [PhoneInput("89161110001")], staff["manager"],
                                     vehicle_list=[VehicleInput("BYD", "F3", plate="А568НА177")])
    drop = customers.create_customer("Павлов И.", [PhoneInput("89161110002")], staff["manager"],
                                     vehicle_list=[VehicleInput("BYD", "F3", 2011, plate="a568ha 177", vin=VIN,
                                                                engine="473QB", mileage=182000),
                                                   VehicleInput("Lifan", "Solano", plate="К001КК77")])
    kept_car = keep.vehicles.get()
    dropped_car = drop.vehicles.where(Vehicle.make == "BYD").get()
    order = _order(drop, dropped_car)

    customers.merge(keep, drop, staff["owner"])

    cars = list(keep.live_vehicles())
    assert sorted(c.title for c in cars) == ["BYD F3, 2011", "Lifan Solano"]
    byd = Vehicle.get_by_id(kept_car.id)
    assert (byd.plate, byd.vin, byd.engine, byd.mileage, byd.year) == ("А568НА177", VIN, "473QB", 182000, 2011)
    assert Order.get_by_id(order.id).vehicle_id == byd.id
    assert Vehicle.get_by_id(dropped_car.id).deleted_at is not None
    entry = audit.history("vehicle", byd.id).first()
    assert entry.action == "merge" and VIN in entry.changes


def test_the_same_vin_under_different_plates_is_one_car(db, staff):
    keep = customers.create_customer("Зайцев", [PhoneInput("89161110003")], staff["manager"],
                                     vehicle_list=[VehicleInput("Haval", "H6", vin=VIN, plate="М111ММ77")])
    drop = customers.create_customer("Зайцев Пётр", [PhoneInput("89161110004")], staff["manager"])
    # The duplicate card got the car with a new plate (VINs are unique per live customer, so add it raw).
    Vehicle.create(customer=drop, make="Haval", model="H6", vin=VIN, plate="Т222ТТ77", created_at=utcnow())
    customers.merge(keep, drop, staff["owner"])
    cars = list(keep.live_vehicles())
    assert len(cars) == 1 and cars[0].plate == "М111ММ77"


def test_cars_with_the_same_plate_but_different_vins_stay_apart(db, staff):
    other_vin = "LGXC16AF0"[:8] + vin_check_digit("LGXC16AF0C7654321") + "C7654321"
    keep = customers.create_customer("Фролов", [PhoneInput("89161110005")], staff["manager"],
                                     vehicle_list=[VehicleInput("Chery", "Tiggo", vin=VIN, plate="Е555ЕЕ77")])
    drop = customers.create_customer("Фролов А.", [PhoneInput("89161110006")], staff["manager"],
                                     vehicle_list=[VehicleInput("Chery", "Tiggo", vin=other_vin, plate="Е555ЕЕ77")])
    customers.merge(keep, drop, staff["owner"])
    assert keep.live_vehicles().count() == 2
