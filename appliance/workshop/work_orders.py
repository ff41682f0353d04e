"""Work orders (заказы-наряды): planned on a bay, moved, worked on, handed over.

Hand-over is a repair visit: the customer's last visit moves forward and, unless the
accounting system is set to bring repair receipts itself ([workshop] repair_sale =
accounting), a Sale of kind "repair" (source "workshop", external id "workshop:<id>")
carries the sum into the customer's stats. The 1C exchange imports every receipt as
kind "parts", so by default the workshop is the one place that knows a receipt is a repair.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import Decimal

from appliance import audit, clock, customers, forms, notifications, permissions, settings, vehicles
from appliance.errors import InputError
from appliance.printing import queue_labels
from appliance.workshop import devices, inspections, schedule
from appliance.workshop.bookings import notification_key
from appliance.workshop.inspections import open_inspection
from db import write_transaction
from db.models.customers import Customer, Vehicle
from db.models.orders import Order, OrderLine
from db.models.sales import Sale, SaleLine
from db.models.staff import Staff
from db.models.system import KeyValue
from db.models.workshop import (
    KINDS,
    SEVERITIES,
    STATUSES,
    Bay,
    Booking,
    Finding,
    PartLine,
    StatusChange,
    WorkLine,
    WorkOrder,
)
from hardware.printer.labels import Barcode, Label, TextBlock

log = logging.getLogger(__name__)

TRANSITIONS = {
    "planned": ("arrived", "in_work", "no_show", "cancelled"),
    "arrived": ("in_work", "planned", "cancelled"),
    "in_work": ("waiting_parts", "ready"),
    "waiting_parts": ("in_work", "ready"),
    "ready": ("handed_over", "in_work"),
    "no_show": ("planned",),
    "cancelled": (),
    "handed_over": (),
}
# What a mechanic may press on the wall tablet (when [workshop] mechanics_may_change_status).
BOARD_ACTIONS = {"in_work": "Начал работу", "waiting_parts": "Ждём запчасти", "ready": "Готово"}
ACTION_LABELS = {"arrived": "Приехал", "in_work": "В работу", "waiting_parts": "Ждём запчасти", "ready": "Готов",
                 "handed_over": "Выдать клиенту", "no_show": "Не приехал", "cancelled": "Отменить",
                 "planned": "Вернуть в план"}
# Which row of the permission table a status change is: the floor's steps, the desk's, the hand-over.
STATUS_ACTIONS = {"arrived": "work_order.board_status", "in_work": "work_order.board_status",
                  "waiting_parts": "work_order.board_status", "ready": "work_order.board_status",
                  "handed_over": "work_order.hand_over", "cancelled": "work_order.status",
                  "no_show": "work_order.status", "planned": "work_order.status"}


@dataclasses.dataclass
class OrderInput:
    customer_id: int
    bay_id: int
    start: dt.datetime  # UTC
    end: dt.datetime
    vehicle_id: int | None = None
    mechanic_id: int | None = None
    kind: str = "repair"
    complaint: str = ""
    mileage: int | None = None
    booking_id: int | None = None
    inspection_id: int | None = None
    # A repair of a car with a recent inspection (findings, no repair yet) links back to it by default.
    link_open_inspection: bool = True


def get(wo_id: int) -> WorkOrder | None:
    return WorkOrder.get_or_none(WorkOrder.id == wo_id)


def _bay(bay_id) -> Bay:
    bay = Bay.get_or_none((Bay.id == bay_id) & Bay.active)
    if bay is None:
        raise InputError("Выберите пост.", "bay")
    return bay


def _mechanic(mechanic_id) -> Staff | None:
    if not mechanic_id:
        return None
    user = Staff.get_or_none((Staff.id == mechanic_id) & Staff.active & (Staff.role.in_(("mechanic", "owner", "manager"))))
    if user is None:
        raise InputError("Выберите механика из списка.", "mechanic")
    return user


def mechanics() -> list[Staff]:
    return list(Staff.select().where(Staff.active & (Staff.role == "mechanic")).order_by(Staff.full_name))


def _history(wo: WorkOrder, old: str | None, new: str, actor, via: str = "", note: str = "") -> None:
    StatusChange.create(work_order=wo, from_status=old, to_status=new, at=clock.utcnow(),
                        by=actor if getattr(actor, "id", None) else None, via=via, note=note)


def create(data: OrderInput, actor=None) -> WorkOrder:
    """Plan a work order on a bay; refuses overlaps, the past and hours outside the working day."""
    permissions.require(actor, "work_order.plan")
    if data.kind not in KINDS:
        raise InputError("Неизвестный вид работ.", "kind")
    bay = _bay(data.bay_id)
    mechanic = _mechanic(data.mechanic_id)
    schedule.check_hours(data.start, data.end)
    schedule.check_not_past(data.start, "Запись")
    if data.mileage is not None and not (0 <= data.mileage <= 3_000_000):
        raise InputError("Пробег должен быть от 0 до 3 000 000 км.", "mileage")
    complaint = forms.text(data.complaint, "complaint", "Что беспокоит", forms.NOTE_LEN, multiline=True)
    with write_transaction():
        customer = Customer.get_or_none(Customer.id == data.customer_id)
        if customer is None:
            raise InputError("Клиент не найден.", "customer")
        customer = customers.survivor(customer)
        vehicle = None
        if data.vehicle_id:
            vehicle = Vehicle.get_or_none((Vehicle.id == data.vehicle_id) & (Vehicle.customer == customer))
            if vehicle is None:
                raise InputError("Этот автомобиль не принадлежит клиенту.", "vehicle")
        booking = None
        if data.booking_id:
            booking = Booking.get_or_none(Booking.id == data.booking_id)
            if booking is None or booking.status != "new":
                raise InputError("Запись уже запланирована или отменена.", "booking")
        inspection = None
        if data.inspection_id:
            inspection = inspections.chosen(data.inspection_id, customer)
        elif data.kind == "repair" and vehicle is not None and data.link_open_inspection:
            inspection = open_inspection(vehicle)
        schedule.check_free(bay, data.start, data.end, mechanic)
        now = clock.utcnow()
        wo = WorkOrder.create(kind=data.kind, customer=customer, vehicle=vehicle, booking=booking,
                              inspection=inspection, bay=bay, mechanic=mechanic, planned_start=data.start,
                              planned_end=data.end, complaint=complaint, mileage=data.mileage,
                              created_by=actor, created_at=now, updated_at=now)
        _history(wo, None, "planned", actor)
        if booking is not None:
            booking.status = "planned"
            booking.save()
            audit.record(actor, "plan", booking, {"status": ("new", "planned")}, note=wo.number)
            notifications.resolve("website_request", notification_key(booking), actor if getattr(actor, "id", None) else None,
                                  f"запланировано: {wo.number}")
        audit.record(actor, "create", wo, {"bay": (None, bay.name), "planned_start": (None, data.start),
                                           "planned_end": (None, data.end), "customer": (None, customer.id)})
    return wo


def create_for_phone(phone: str, name: str, car: customers.VehicleInput | None, data: OrderInput,
                     actor=None) -> WorkOrder:
    """The advisor typed a phone on the grid: find or add the customer (and the car), then plan.

    A new phone adds a customer, which needs the right to add customers (a mechanic has not)."""
    permissions.require(actor, "work_order.plan")
    with write_transaction():
        customer, _ = customers.get_or_create_by_phone(phone, name, actor, source="phone")
        if car is not None and car.make.strip() and not data.vehicle_id:
            plate = vehicles.normalize_plate(car.plate)
            same = None
            if plate:
                same = Vehicle.get_or_none((Vehicle.customer == customer) & (Vehicle.plate == plate)
                                           & Vehicle.deleted_at.is_null())
            data.vehicle_id = (same or customers.add_vehicle(customer, car, actor)).id
        data.customer_id = customer.id
        return create(data, actor)


def link_inspection(wo: WorkOrder, inspection_id: int | None, actor=None) -> WorkOrder:
    """Say (or unsay) that this repair came out of that inspection of the same car."""
    permissions.require(actor, "work_order.edit", wo)
    inspection = None
    if inspection_id:
        inspection = WorkOrder.get_or_none((WorkOrder.id == inspection_id) & (WorkOrder.kind == "inspection")
                                           & (WorkOrder.vehicle == wo.vehicle_id))
        if inspection is None or wo.kind != "repair":
            raise InputError("Связать можно ремонт с осмотром того же автомобиля.", "inspection")
    with write_transaction():
        old = wo.inspection.number if wo.inspection_id else None
        WorkOrder.update(inspection=inspection, updated_at=clock.utcnow()).where(WorkOrder.id == wo.id).execute()
        audit.record(actor, "link_inspection", wo, {"inspection": (old, inspection.number if inspection else None)})
    return WorkOrder.get_by_id(wo.id)


def booking_complaint(booking: Booking) -> str:
    """The job text for the work order: the complaint, plus the car as typed when it is not in the base."""
    if booking.vehicle_text and not booking.vehicle_id:
        return f"{booking.complaint}\nАвтомобиль: {booking.vehicle_text}".strip()
    return booking.complaint


def from_booking(booking: Booking, bay_id: int, start: dt.datetime, end: dt.datetime, actor=None,
                 mechanic_id: int | None = None, kind: str = "repair") -> WorkOrder:
    inspection = open_inspection(booking.vehicle) if booking.vehicle_id and kind == "repair" else None
    return create(OrderInput(customer_id=booking.customer_id, bay_id=bay_id, start=start, end=end,
                             vehicle_id=booking.vehicle_id, mechanic_id=mechanic_id, kind=kind,
                             complaint=booking_complaint(booking), booking_id=booking.id,
                             inspection_id=inspection.id if inspection else None), actor)


def move(wo: WorkOrder, bay_id: int, start: dt.datetime, end: dt.datetime, actor=None) -> WorkOrder:
    """Drag or resize on the grid; the same checks as planning."""
    permissions.require(actor, "work_order.plan", wo)
    if wo.status not in schedule.BLOCKING:
        raise InputError(f"Заказ-наряд {wo.number} {wo.status_label}: переносить его нельзя.")
    bay = _bay(bay_id)
    schedule.check_hours(start, end)
    if wo.status == "planned" and start != wo.planned_start:
        schedule.check_not_past(start, "Перенос")
    with write_transaction():
        fresh = WorkOrder.get_by_id(wo.id)
        schedule.check_free(bay, start, end, fresh.mechanic, exclude_id=wo.id)
        old_bay = fresh.bay
        changes = audit.diff(fresh, {"planned_start": start, "planned_end": end})
        if old_bay.id != bay.id:
            fresh.bay = bay
            changes["bay"] = (old_bay.name, bay.name)
        if changes:
            fresh.updated_at = clock.utcnow()
            fresh.version += 1
            fresh.save()
            audit.record(actor, "move", fresh, changes)
    return fresh


def update(wo: WorkOrder, actor, complaint, recommendations, mileage, mechanic_id, kind: str | None = None) -> WorkOrder:
    """Save the work order form; a field given as forms.KEEP (not in the form) keeps its value."""
    permissions.require(actor, "work_order.edit", wo)
    if mileage is not forms.KEEP and mileage is not None and not (0 <= mileage <= 3_000_000):
        raise InputError("Пробег должен быть от 0 до 3 000 000 км.", "mileage")
    if kind is not None and kind not in KINDS:
        raise InputError("Неизвестный вид работ.", "kind")
    values = {}
    if complaint is not forms.KEEP:
        values["complaint"] = forms.text(complaint, "complaint", "Что беспокоит", forms.NOTE_LEN, multiline=True)
    if recommendations is not forms.KEEP:
        values["recommendations"] = forms.text(recommendations, "recommendations", "Рекомендации", forms.NOTE_LEN,
                                               multiline=True)
    if mileage is not forms.KEEP:
        values["mileage"] = mileage
    mechanic = None if mechanic_id is forms.KEEP else _mechanic(mechanic_id)
    if mechanic_id is not forms.KEEP:
        values["mechanic"] = mechanic
    if kind:
        values["kind"] = kind
    with write_transaction():
        fresh = WorkOrder.get_by_id(wo.id)
        if mechanic and (mechanic.id != fresh.mechanic_id) and fresh.status in schedule.BLOCKING:
            schedule.check_free(fresh.bay, fresh.planned_start, fresh.planned_end, mechanic, exclude_id=fresh.id)
        changes = audit.diff(fresh, values)
        if "mechanic" in changes:
            old, new = changes["mechanic"]
            changes["mechanic"] = (old.full_name if old else None, new.full_name if new else None)
        if changes:
            fresh.updated_at = clock.utcnow()
            fresh.version += 1
            fresh.save()
            audit.record(actor, "update", fresh, changes)
        if mileage and fresh.vehicle_id and (fresh.vehicle.mileage or 0) < mileage:
            Vehicle.update(mileage=mileage).where(Vehicle.id == fresh.vehicle_id).execute()
    return fresh


def set_status(wo: WorkOrder, new: str, actor=None, via: str = "", note: str = "") -> WorkOrder:
    """Move along planned -> arrived -> in work -> waiting for parts -> ready -> handed over."""
    if new not in STATUSES:
        raise InputError("Неизвестный статус.")
    permissions.require(actor, STATUS_ACTIONS[new], wo)
    with write_transaction():
        fresh = WorkOrder.get_by_id(wo.id)
        old = fresh.status
        if old == new:
            return fresh
        if new not in TRANSITIONS.get(old, ()):
            raise InputError(f"Заказ-наряд {fresh.number} {STATUSES[old]}: перевести в «{STATUSES[new]}» нельзя.")
        if new == "planned" and old == "no_show":
            schedule.check_free(fresh.bay, fresh.planned_start, fresh.planned_end, fresh.mechanic, exclude_id=fresh.id)
        now = clock.utcnow()
        fresh.status = new
        if new == "in_work" and fresh.started_at is None:
            fresh.started_at = now
        if new == "ready":
            fresh.finished_at = now
        if new == "handed_over":
            _hand_over(fresh, actor, now)
        fresh.updated_at = now
        fresh.version += 1
        fresh.save()
        _history(fresh, old, new, actor, via, note)
        audit.record(actor, "status", fresh, {"status": (old, new)}, note=" ".join(x for x in (via, note) if x))
    return fresh


PERMISSION_KEY = "workshop.mechanics_may_change_status"


def mechanics_may_change_status() -> bool:
    """The owner's switch on the devices page wins over [workshop] mechanics_may_change_status."""
    row = KeyValue.get_or_none(KeyValue.key == PERMISSION_KEY)
    if row is not None:
        return row.value == "yes"
    return bool(settings.get().getbool("workshop", "mechanics_may_change_status"))


def set_mechanics_may_change_status(allowed: bool, actor) -> None:
    permissions.require(actor, "workshop.devices")
    old = mechanics_may_change_status()
    value = "yes" if allowed else "no"
    with write_transaction():
        (KeyValue.insert(key=PERMISSION_KEY, value=value)
         .on_conflict(conflict_target=[KeyValue.key], update={KeyValue.value: value}).execute())
        audit.record(actor, "setting", ("setting", PERMISSION_KEY), {"value": (old, allowed)})


def board_set_status(wo: WorkOrder, new: str, mechanic_id, device_user) -> WorkOrder:
    """A mechanic's tap on the wall tablet, recorded as that mechanic via that tablet."""
    if new not in BOARD_ACTIONS:
        raise InputError("С табло можно отметить только «начал», «ждём запчасти» и «готово».")
    permissions.require(device_user, "work_order.board_status", wo)
    if device_user.role == "display":
        mechanic = Staff.get_or_none((Staff.id == mechanic_id) & Staff.active & (Staff.role == "mechanic"))
        if mechanic is None:
            raise InputError("Выберите, кто из механиков отмечает.", "mechanic")
        via = f"табло: {devices.device_name(device_user)}"
    else:
        mechanic, via = device_user, "табло"
    with write_transaction():
        if new == "in_work" and wo.mechanic_id is None and mechanic.role == "mechanic":
            # Whoever starts an unassigned job takes it, unless the schedule has him elsewhere then.
            if not schedule.conflicts(wo.bay_id, wo.planned_start, wo.planned_end, mechanic.id, wo.id):
                WorkOrder.update(mechanic=mechanic).where(WorkOrder.id == wo.id).execute()
                audit.record(mechanic, "update", wo, {"mechanic": (None, mechanic.full_name)}, note=via)
        return set_status(wo, new, mechanic, via=via)


TABLET_OFF = "Владелец не разрешил механикам отмечать статусы: спросите менеджера."


@permissions.limit("tablet_statuses")
def _tablet_statuses(actor, wo) -> str | None:
    """A mechanic marks the floor's steps only while the owner's switch is on."""
    return None if mechanics_may_change_status() else TABLET_OFF


@permissions.limit("tablet_statuses_today")
def _tablet_statuses_today(actor, wo) -> str | None:
    return _tablet_statuses(actor, wo) or _board_today(actor, wo)


@permissions.limit("board_today")
def _board_today(actor, wo) -> str | None:
    """The wall tablet shows and marks today's work orders only."""
    if wo is None or schedule.on_board(wo, clock.local_today()):
        return None
    return "На табло — только заказ-наряды на сегодня."


@permissions.limit("unpriced_line")
def _unpriced_line(actor, line) -> str | None:
    if line is None or not line.price_kop:
        return None
    return "Строку с ценой удаляет " + permissions.refusal("work_line.price").split(" может ", 1)[1]


def _hand_over(wo: WorkOrder, actor, now: dt.datetime) -> None:
    wo.handed_over_at = now
    customers.record_visit(wo.customer_id, now)
    if settings.get().get("workshop", "repair_sale") == "accounting":
        return
    if wo.sale_id or wo.total_kop <= 0:
        return
    external = f"workshop:{wo.id}"
    sale = Sale.get_or_none(Sale.external_id == external)
    if sale is None:
        sale = Sale.create(number=wo.number, date=now, customer=wo.customer_id,
                           manager=actor if getattr(actor, "role", "") in ("owner", "manager") else None,
                           kind="repair", total_kop=wo.total_kop, external_id=external, source="workshop",
                           created_at=now)
        for w in wo.works.order_by(WorkLine.position, WorkLine.id):
            SaleLine.create(sale=sale, name=w.name, qty=1, price_kop=w.price_kop, sum_kop=w.price_kop)
        for p in wo.parts.order_by(PartLine.position, PartLine.id):
            SaleLine.create(sale=sale, article=p.article, brand=p.brand, name=p.name, qty=p.qty,
                            price_kop=p.price_kop, sum_kop=p.sum_kop)
    wo.sale = sale


# --- lines ----------------------------------------------------------------------------

MONEY_LABELS = {"work_price": "Цена работы", "part_price": "Цена запчасти", "estimate": "Оценка"}
DECIMAL_LABELS = {"norm_hours": "Нормо-часы", "qty": "Количество"}


def parse_money(text, field: str) -> int:
    """'1500', '1 500,50' roubles -> kopecks."""
    raw = str(text if text is not None else "").replace("₽", "")
    value = forms.number(raw, field, MONEY_LABELS.get(field, "Сумма"), 0, 10_000_000, default=Decimal(0))
    return int((value * 100).quantize(Decimal(1)))


def parse_decimal(text, field: str, default: str = "1") -> Decimal:
    """Hours or a quantity: more than zero, at most 1000."""
    return forms.number(text, field, DECIMAL_LABELS.get(field, "Количество"), 0, 1000,
                        default=Decimal(default), above_lo=True)


def _editable(wo: WorkOrder) -> None:
    if wo.status in ("handed_over", "cancelled"):
        raise InputError(f"Заказ-наряд {wo.number} {wo.status_label}: менять его нельзя.")


def _retotal(wo: WorkOrder) -> None:
    works = sum(w.price_kop for w in wo.works)
    parts = sum(p.sum_kop for p in wo.parts)
    WorkOrder.update(total_kop=works + parts, updated_at=clock.utcnow()).where(WorkOrder.id == wo.id).execute()
    wo.total_kop = works + parts


def _require_price(actor, wo: WorkOrder, price_kop: int) -> None:
    """A line without a price is anyone's; a price is the desk's (the mechanic leaves it empty)."""
    why = permissions.reason(actor, "work_line.price", wo) if price_kop else None
    if why:
        raise permissions.PermissionDenied(f"{why} Оставьте сумму пустой: её поставит менеджер.", "work_line.price")


def add_work(wo: WorkOrder, name: str, norm_hours, price, actor=None) -> WorkLine:
    _editable(wo)
    permissions.require(actor, "work_line.add", wo)
    name = forms.text(name, "work_name", "Работа", forms.NAME_LEN)
    if not name:
        raise InputError("Назовите работу.", "work_name")
    hours = parse_decimal(norm_hours, "norm_hours")
    price_kop = parse_money(price, "work_price")
    _require_price(actor, wo, price_kop)
    with write_transaction():
        line = WorkLine.create(work_order=wo, name=name[:200], norm_hours=hours, price_kop=price_kop,
                               position=wo.works.count())
        _retotal(wo)
        audit.record(actor, "add_work", wo, {"work": (None, f"{name}, {hours} н/ч, {price_kop / 100:.2f} ₽")})
    return line


def add_part(wo: WorkOrder, name: str, qty, price, actor=None, article: str = "", brand: str = "",
             source: str = "stock", order_line_id: int | None = None) -> PartLine:
    """A part with a price typed here needs the right to price; one from an order keeps the order's price."""
    _editable(wo)
    permissions.require(actor, "work_line.add", wo)
    name = forms.text(name, "part_name", "Запчасть", forms.NAME_LEN)
    article = forms.text(article, "article", "Артикул", forms.ARTICLE_LEN)
    brand = forms.text(brand, "brand", "Бренд", forms.ARTICLE_LEN)
    if not name and not article:
        raise InputError("Укажите запчасть: название или артикул.", "part_name")
    if source not in ("stock", "order"):
        raise InputError("Запчасть со склада или из заказа.", "part_source")
    quantity = parse_decimal(qty, "qty")
    price_kop = parse_money(price, "part_price")
    if order_line_id is None:
        _require_price(actor, wo, price_kop)
    with write_transaction():
        line = PartLine.create(work_order=wo, name=(name or article)[:200], article=(article or "").strip(),
                               brand=(brand or "").strip(), qty=quantity, price_kop=price_kop, source=source,
                               order_line_id=order_line_id, position=wo.parts.count())
        _retotal(wo)
        audit.record(actor, "add_part", wo, {"part": (None, f"{line.article} {line.name} × {quantity}".strip())})
    return line


def remove_line(wo: WorkOrder, kind: str, line_id: int, actor=None) -> None:
    _editable(wo)
    model = WorkLine if kind == "work" else PartLine
    with write_transaction():
        line = model.get_or_none((model.id == line_id) & (model.work_order == wo))
        if line is None:
            raise InputError("Строка уже удалена.")
        permissions.require(actor, "work_line.remove", line)
        line.delete_instance()
        _retotal(wo)
        audit.record(actor, "remove_" + ("work" if kind == "work" else "part"), wo, {"line": (line.name, None)})


def set_price(wo: WorkOrder, kind: str, line_id: int, price, actor=None):
    """The desk prices a line the mechanic added without one (or corrects a price)."""
    _editable(wo)
    permissions.require(actor, "work_line.price", wo)
    model = WorkLine if kind == "work" else PartLine
    price_kop = parse_money(price, "price")
    with write_transaction():
        line = model.get_or_none((model.id == line_id) & (model.work_order == wo))
        if line is None:
            raise InputError("Строка уже удалена.")
        old = line.price_kop
        line.price_kop = price_kop
        line.save()
        _retotal(wo)
        audit.record(actor, "price", wo, {"price": (f"{line.name}: {old / 100:.2f} ₽", f"{price_kop / 100:.2f} ₽")})
    return line


def add_finding(wo: WorkOrder, text: str, severity: str, estimate, actor=None) -> Finding:
    permissions.require(actor, "work_line.add", wo)
    if wo.kind != "inspection":
        raise InputError("Находки записываются только в осмотре.")
    text = forms.text(text, "finding", "Находка", 300, multiline=True)
    if not text:
        raise InputError("Опишите, что нашли.", "finding")
    if severity not in SEVERITIES:
        raise InputError("Выберите срочность.", "severity")
    with write_transaction():
        row = Finding.create(work_order=wo, text=text[:300], severity=severity,
                             estimate_kop=parse_money(estimate, "estimate"))
        audit.record(actor, "finding", wo, {"finding": (None, text)})
    return row


def totals(wo: WorkOrder) -> dict:
    works = sum(w.price_kop for w in wo.works)
    parts = sum(p.sum_kop for p in wo.parts)
    hours = sum((w.norm_hours for w in wo.works), Decimal(0))
    return {"works_kop": works, "parts_kop": parts, "total_kop": works + parts, "norm_hours": hours}


def for_customer(customer_id: int, limit: int = 30):
    return list(WorkOrder.select().where(WorkOrder.customer == customer_id)
                .order_by(WorkOrder.planned_start.desc()).limit(limit))


def history(wo: WorkOrder):
    return list(wo.status_changes.order_by(StatusChange.at, StatusChange.id))


def mark_no_shows(now: dt.datetime | None = None) -> int:
    """Planned cars that have not arrived N minutes after their slot started: no-show (system)."""
    now = now or clock.utcnow()
    minutes = settings.get().getint("workshop", "no_show_after_minutes") or 60
    late = list(WorkOrder.select().where((WorkOrder.status == "planned")
                                         & (WorkOrder.planned_start < now - dt.timedelta(minutes=minutes))))
    for wo in late:
        try:
            set_status(wo, "no_show", None, via="system", note=f"не приехал за {minutes} мин.")
        except InputError as exc:
            log.warning("no-show of work order %s skipped: %s", wo.id, exc.message)
    return len(late)


def key_label(wo: WorkOrder):
    """A label for the car keys: work order number, car, plate, customer's first name."""
    car = wo.vehicle.title if wo.vehicle_id else ""
    plate = wo.vehicle.plate if wo.vehicle_id else ""
    return Label(width_mm=58, height_mm=40, texts=[
        TextBlock(wo.number, 2, 2, size_mm=5, bold=True),
        TextBlock(plate or "без номера", 2, 9, size_mm=6, bold=True),
        TextBlock(car, 2, 17, size_mm=3.2),
        TextBlock(wo.customer.name.split()[0] if wo.customer.name else "", 2, 21.5, size_mm=3),
    ], barcodes=[Barcode(wo.number.replace("ЗН-", "WO"), 2, 26, height_mm=9, human_readable=False)])


def print_key_label(wo: WorkOrder, actor=None) -> str:
    """Queue the key label (the devices process prints it)."""
    permissions.require(actor, "work_order.edit", wo)
    queue_labels([key_label(wo)], f"Ключи {wo.number}", actor)
    audit.record(actor, "print_key_label", wo)
    return wo.number


# --- parts from the customer's parts orders -------------------------------------------

def order_lines_for(wo: WorkOrder) -> list:
    """The customer's ordered parts not yet in any work order: candidates for this one."""
    linked = PartLine.select(PartLine.order_line_id).where(PartLine.order_line_id.is_null(False))
    return list(OrderLine.select(OrderLine, Order).join(Order)
                .where((Order.customer == wo.customer_id) & OrderLine.status.not_in(("cancelled", "refused", "returned"))
                       & OrderLine.id.not_in(linked))
                .order_by(OrderLine.id.desc()).limit(20))


def add_part_from_order(wo: WorkOrder, order_line_id: int, actor=None) -> PartLine:
    line = (OrderLine.select(OrderLine, Order).join(Order)
            .where((OrderLine.id == order_line_id) & (Order.customer == wo.customer_id)).first())
    if line is None:
        raise InputError("Эта позиция заказа не относится к клиенту.", "order_line")
    if PartLine.select().where(PartLine.order_line_id == line.id).exists():
        raise InputError("Эта позиция заказа уже в заказ-наряде.", "order_line")
    return add_part(wo, line.name or line.article, line.qty, str(Decimal(line.price_kop) / 100), actor,
                    article=line.article, brand=line.brand, source="order", order_line_id=line.id)


def order_line_statuses(wo: WorkOrder) -> dict[int, str]:
    """{order line id: its status label} for the parts of this work order that come from an order."""
    ids = [p.order_line_id for p in wo.parts if p.order_line_id]
    if not ids:
        return {}
    return {line.id: line.status_label for line in OrderLine.select().where(OrderLine.id.in_(ids))}
