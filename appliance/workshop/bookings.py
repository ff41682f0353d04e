"""Bookings (записи на ремонт): from the phone, the counter or the website, before a bay is chosen."""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from appliance import audit, clock, customers, notifications, permissions, phones
from appliance.errors import InputError
from appliance.workshop import schedule
from db import write_transaction
from db.models.customers import Customer, Vehicle
from db.models.workshop import BOOKING_SOURCES, Booking

log = logging.getLogger(__name__)

# A booking's source -> where a new customer came from (customers.SOURCES).
CUSTOMER_SOURCE = {"phone": "phone", "counter": "walk_in", "website": "website"}


@dataclasses.dataclass
class BookingInput:
    phone: str = ""
    name: str = ""
    customer_id: int | None = None
    vehicle_id: int | None = None
    vehicle_text: str = ""
    complaint: str = ""
    wish_at: dt.datetime | None = None  # UTC
    source: str = "phone"
    external_id: str | None = None


def _customer(data: BookingInput, actor) -> Customer:
    if data.customer_id:
        customer = Customer.get_or_none(Customer.id == data.customer_id)
        if customer is None or not customer.is_live:
            raise InputError("Клиент не найден.", "customer")
        return customers.survivor(customer)
    e164 = phones.normalize(data.phone)
    existing = customers.find_by_phone(e164)
    if existing:
        return existing
    return customers.create_customer((data.name or "").strip() or f"Клиент {phones.display(e164)}",
                                     [customers.PhoneInput(e164)], actor,
                                     source=CUSTOMER_SOURCE.get(data.source, "other"))


def validate(data: BookingInput) -> None:
    if data.source not in BOOKING_SOURCES:
        raise InputError("Неизвестный источник записи.", "source")
    if not data.customer_id:
        phones.normalize(data.phone)  # raises with the Russian message
    if len((data.complaint or "").strip()) > 2000:
        raise InputError("Описание слишком длинное (больше 2000 знаков).", "complaint")
    if len((data.name or "").strip()) > 200:
        raise InputError("Имя слишком длинное.", "name")
    if data.wish_at is not None:
        if data.wish_at < clock.utcnow():
            raise InputError("Желаемое время уже прошло: выберите время в будущем.", "wish_at")
        if data.wish_at > clock.utcnow() + dt.timedelta(days=366):
            raise InputError("Запись больше чем на год вперёд не принимаем.", "wish_at")


def create_booking(data: BookingInput, actor=None, token=None) -> Booking:
    """Save a booking (and a new customer when the phone is new), all or nothing."""
    permissions.require(actor, "booking.create")
    validate(data)
    with write_transaction():
        customer = _customer(data, actor)
        vehicle = None
        if data.vehicle_id:
            vehicle = Vehicle.get_or_none((Vehicle.id == data.vehicle_id) & (Vehicle.customer == customer))
            if vehicle is None:
                raise InputError("Этот автомобиль не принадлежит клиенту.", "vehicle")
        booking = Booking.create(
            customer=customer, vehicle=vehicle, vehicle_text=(data.vehicle_text or "").strip()[:200],
            complaint=(data.complaint or "").strip(), wish_at=data.wish_at, source=data.source,
            external_id=data.external_id, token=token, created_by=actor, created_at=clock.utcnow())
        audit.record(actor, "create", booking, {"customer": (None, customer.id), "source": (None, data.source),
                                                "wish_at": (None, data.wish_at)})
    return booking


def cancel(booking: Booking, actor, reason: str = "") -> None:
    permissions.require(actor, "booking.cancel", booking)
    if booking.status != "new":
        raise InputError("Эта запись уже запланирована или отменена.")
    with write_transaction():
        booking.status = "cancelled"
        booking.save()
        audit.record(actor, "cancel", booking, {"status": ("new", "cancelled")}, note=reason)
        notifications.resolve("website_request", notification_key(booking), actor, "запись отменена")


def notification_key(booking: Booking) -> str:
    return f"booking:{booking.id}"


def unplanned():
    return schedule.unplanned_bookings()


def describe(booking: Booking) -> str:
    car = booking.vehicle.title if booking.vehicle_id else booking.vehicle_text
    return ", ".join(x for x in (booking.customer.name, car) if x)
