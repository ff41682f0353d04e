"""Bookings from the shop's website: a JSON request with a per-website token.

The website posts {"name", "phone", "car", "complaint", "wish_at", "id"}; `wish_at` is
ISO 8601, shop time when it carries no offset. `id` (the site's own request id) makes a
retry after a timeout return the same booking instead of a second one.
"""
from __future__ import annotations

import datetime as dt
import logging

from appliance import clock, notifications, phones
from appliance.clock import local_to_utc, to_local
from appliance.errors import InputError
from appliance.workshop import bookings, devices
from db import write_transaction
from db.models.workshop import Booking, DeviceToken

log = logging.getLogger(__name__)


def authenticate(header_value: str | None) -> DeviceToken | None:
    """'Bearer <token>' (or the bare token) -> the website's token row."""
    value = (header_value or "").strip()
    if value.lower().startswith("bearer "):
        value = value[7:].strip()
    return devices.find(value, "website")


def _text(payload: dict, key: str, limit: int) -> str:
    value = payload.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise InputError(f"Поле «{key}» должно быть строкой.", key)
    return str(value).strip()[:limit]


def parse_wish(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InputError("Время записи нужно в виде 2026-11-23T10:00.", "wish_at")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"«{value}» — не дата и время. Пример: 2026-11-23T10:00.", "wish_at") from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return local_to_utc(parsed)


def submit(token: DeviceToken, payload) -> tuple[Booking, bool]:
    """Create the booking and its notification; (booking, created). Raises InputError for 422."""
    if not isinstance(payload, dict):
        raise InputError("Ожидается JSON-объект с полями name, phone, car, complaint, wish_at.")
    external_id = _text(payload, "id", 100) or None
    if external_id:
        existing = Booking.get_or_none((Booking.token == token.id) & (Booking.external_id == external_id))
        if existing:
            return existing, False
    phone_text = _text(payload, "phone", 40)
    if not phone_text:
        raise InputError("Не указан телефон.", "phone")
    data = bookings.BookingInput(
        phone=phone_text, name=_text(payload, "name", 200), vehicle_text=_text(payload, "car", 200),
        complaint=_text(payload, "complaint", 2000), wish_at=parse_wish(payload.get("wish_at")),
        source="website", external_id=external_id)
    with write_transaction():
        booking = bookings.create_booking(data, None, token=token)
        wish = f", на {to_local(booking.wish_at):%d.%m %H:%M}" if booking.wish_at else ""
        notifications.raise_notification(
            "website_request", bookings.notification_key(booking),
            f"Запись на ремонт с сайта: {booking.customer.name}, {phones.display(phones.normalize(phone_text))}{wish}",
            body="\n".join(x for x in (
                data.vehicle_text, data.complaint,
                f"Имя на сайте: {data.name}" if data.name and data.name != booking.customer.name else "",
                f"Сайт: {token.name}") if x),
            url=f"/workshop?booking={booking.id}")
    log.info("website booking %s from %s (token %s) at %s", booking.id, booking.customer_id, token.id, clock.utcnow())
    return booking, True
