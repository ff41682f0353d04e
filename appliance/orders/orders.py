"""Orders and their lines: create, copy, edit, and move lines through their statuses.

A line's status is the truth; the order's status is derived from its lines (the least
advanced of the lines still alive), stored only so the list can filter on it. Every
transition writes an OrderEvent (the order's timeline) and, when a person made it, an
audit entry.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re

from peewee import JOIN, fn

from appliance import audit, clock, forms, notifications, parts, permissions, settings
from appliance.clock import to_local
from appliance.customers import find_or_create_walk_in, survivor
from appliance.errors import InputError, NotFound, StaleEdit
from appliance.orders import arrival
from appliance.orders.lines import (
    ALLOWED,
    MAX_QTY,
    add_event,
    lines_of,
    money_text,
    problem_key,
    recompute,
    setting_int,
    transition,
)
from appliance.suppliers import registry
from appliance.suppliers.base import calendar_days, parse_weekdays
from db import write_transaction
from db.models.customers import Customer, Vehicle
from db.models.orders import (
    CLOSED_BAD,
    LINE_STATUSES,
    OPEN_STATUSES,
    Order,
    OrderEvent,
    OrderLine,
)
from db.models.staff import Staff
from db.models.suppliers import SupplierOrder, SupplierOrderLine

log = logging.getLogger(__name__)

MAX_PRICE_KOP = 100_000_000  # a million roubles per piece is a typo


# --- settings and dates ------------------------------------------------------------

def _cfg():
    return settings.get()


def shop_weekdays() -> frozenset[int]:
    return parse_weekdays(_cfg().get("orders", "working_days"))


def next_working_day(day: dt.date, weekdays: frozenset[int] | None = None) -> dt.date:
    """The day itself if the shop is open then, else the next day it is."""
    weekdays = weekdays or shop_weekdays()
    for _ in range(8):
        if day.isoweekday() in weekdays:
            return day
        day += dt.timedelta(days=1)
    return day


def add_working_days(day: dt.date, n: int, weekdays: frozenset[int] | None = None) -> dt.date:
    weekdays = weekdays or shop_weekdays()
    while n > 0:
        day += dt.timedelta(days=1)
        if day.isoweekday() in weekdays:
            n -= 1
    return day


def line_expected_date(supplier: str, supplier_days: int | None, today: dt.date | None = None) -> dt.date:
    """When a line should be on our shelf: the supplier's working days and lead days from
    its settings, then the first day the shop is open.

    A supplier whose settings cannot be read counts every day as a working day and no lead
    days (the order page says so: ``supplier_settings_note``)."""
    today = today or clock.local_today()
    days = setting_int("default_supplier_days") if supplier_days is None else supplier_days
    weekdays, lead = frozenset(range(1, 8)), 0
    if supplier:
        weekdays, lead = _supplier_calendar(supplier) or (weekdays, lead)
    calendar = calendar_days(days, today.isoweekday(), weekdays) + lead if days > 0 else 0
    return next_working_day(today + dt.timedelta(days=calendar))


def promised_date_for(lines: list[OrderLine] | list[LineInput], today: dt.date | None = None) -> dt.date:
    today = today or clock.local_today()
    dates = [line_expected_date(ln.supplier, ln.supplier_days, today) for ln in lines]
    return max(dates) if dates else next_working_day(today)


def _supplier_calendar(code: str) -> tuple[frozenset[int], int] | None:
    """(working weekdays, lead days) from the supplier's settings; None for a supplier
    typed by hand (not configured) or one whose settings have a typo (logged)."""
    try:
        config = registry.configs().get(code)
        if config is None:
            return None
        return parse_weekdays(config.working_days), int(config.lead_days or 0)
    except ValueError as exc:  # a number or a weekday list that is not one, in prilavok.ini or the form
        log.warning("supplier %s: settings unreadable, promised date counted without them: %s", code, exc)
        return None


def supplier_settings_note(lines: list[OrderLine]) -> str:
    """For the order page, near the promised date: which suppliers' days were not counted."""
    try:
        configs = registry.configs()
    except ValueError:
        configs = None
    unread = []
    for code in dict.fromkeys(ln.supplier for ln in lines if ln.supplier):
        if configs is None or (code in configs and _supplier_calendar(code) is None):
            unread.append(supplier_name(code))
    if not unread:
        return ""
    who = ("поставщика " if len(unread) == 1 else "поставщиков ") + ", ".join(unread)
    return (f"Настройки {who} не читаются (ошибка в настройках), срок посчитан без них: "
            f"{setting_int('default_supplier_days')} раб. дн. по умолчанию (или срок из позиции), "
            f"все дни недели — рабочие, без дней доставки.")


def supplier_choices() -> list[tuple[str, str]]:
    """(code, name) of configured suppliers, for the order form."""
    try:
        return [(a.code, a.name) for a in registry.all_suppliers()]
    except ValueError as exc:  # a typo in a supplier's settings: the form offers free text then
        log.warning("supplier list unreadable: %s", exc)
        return []


def supplier_name(code: str) -> str:
    if not code:
        return ""
    return dict(supplier_choices()).get(code, code)


# --- input -------------------------------------------------------------------------

@dataclasses.dataclass
class LineInput:
    article: str
    brand: str = ""
    name: str = ""
    qty: int | str = 1
    price: str | int = 0  # roubles as typed ("1 500,50") or kopecks when an int
    supplier: str = ""
    supplier_days: int | str | None = None
    notify: bool = True


def parse_money(text, field: str = "price") -> int:
    """'1 500,50' / '1500.5' / '' -> kopecks."""
    if isinstance(text, int):
        if text < 0:
            raise InputError("Сумма не может быть отрицательной.", field)
        return text
    raw = re.sub(r"[\s\u00a0₽руб.]+$", "", str(text or "").strip())
    raw = re.sub(r"[\s\u00a0]", "", raw).replace(",", ".")
    if not raw:
        return 0
    if raw.startswith("-"):
        raise InputError("Сумма не может быть отрицательной.", field)
    if not re.fullmatch(r"\d+(\.\d{1,2})?", raw):
        raise InputError(f"«{text}» — не сумма. Пишите рубли, например 1500 или 1500,50.", field)
    rub, _, kop = raw.partition(".")
    value = int(rub) * 100 + (int(kop.ljust(2, "0")) if kop else 0)
    if value > MAX_PRICE_KOP:
        raise InputError("Слишком большая сумма — проверьте, нет ли лишних цифр.", field)
    return value




def _int(value, field: str, label: str) -> int | None:
    """A whole number as typed; the caller says which range makes sense."""
    return forms.whole(value, field, label, -(10**12), 10**12)


def clean_line(item: LineInput, index: int) -> dict:
    """Validated values of one line; the field names carry the row index for the form."""
    article = re.sub(r"\s+", " ", (item.article or "").strip())
    if not article or not parts.article_key(article):
        raise InputError(f"Позиция {index + 1}: укажите артикул.", f"article-{index}")
    qty = _int(item.qty, f"qty-{index}", f"Позиция {index + 1}, количество")
    if qty is None or qty <= 0:
        raise InputError(f"Позиция {index + 1}: количество должно быть больше нуля.", f"qty-{index}")
    if qty > MAX_QTY:
        raise InputError(f"Позиция {index + 1}: количество {qty} — проверьте.", f"qty-{index}")
    days = _int(item.supplier_days, f"supplier_days-{index}", f"Позиция {index + 1}, срок поставки")
    if days is not None and not 0 <= days <= 120:
        raise InputError(f"Позиция {index + 1}: срок поставки от 0 до 120 рабочих дней.", f"supplier_days-{index}")
    brand = (item.brand or "").strip()
    return {
        "article": article[:100], "brand": brand[:100], "article_key": parts.article_key(article),
        "brand_key": parts.brand_key(brand), "name": (item.name or "").strip()[:250], "qty": qty,
        "price_kop": parse_money(item.price, f"price-{index}"), "supplier": forms.text(item.supplier, f"supplier-{index}", f"Позиция {index + 1}, поставщик", forms.SHORT_LEN),
        "supplier_days": days, "notify": bool(item.notify),
    }


def _check_promise(promised: dt.date | None) -> None:
    if promised is not None and promised < clock.local_today():
        raise InputError(f"Обещанная дата {promised:%d.%m.%Y} уже прошла — укажите сегодняшнюю или позже.",
                         "promised_date")


# --- create, copy, edit --------------------------------------------------------------

def create_order(customer: Customer, lines: list[LineInput], actor=None, *, manager: Staff | None = None,
                 vehicle: Vehicle | None = None, promised_date=None, prepayment="", comment: str = "",
                 copied_from: Order | None = None) -> Order:
    """A new order with its lines, all or nothing."""
    permissions.require(actor, "order.create")
    if customer is None or not customer.is_live:
        raise InputError("Клиент не найден или удалён.", "customer")
    items = [ln for ln in lines if any(str(getattr(ln, f) or "").strip() for f in ("article", "name", "brand"))]
    if not items:
        raise InputError("Добавьте хотя бы одну позицию с артикулом.", "article-0")
    cleaned = [clean_line(item, i) for i, item in enumerate(items)]
    promised = forms.day(promised_date, "promised_date", "Обещали")
    _check_promise(promised)
    prepay = parse_money(prepayment, "prepayment")
    comment = forms.text(comment, "comment", "Комментарий", forms.NOTE_LEN, multiline=True)
    if vehicle is not None and vehicle.customer_id != customer.id:
        raise InputError("Этот автомобиль записан у другого клиента.", "vehicle")
    now = clock.utcnow()
    today = clock.local_today()
    with write_transaction():
        if promised is None:
            promised = max(line_expected_date(c["supplier"], c["supplier_days"], today) for c in cleaned)
        order = Order.create(customer=customer, vehicle=vehicle, manager=manager or actor, created_by=actor,
                             created_at=now, updated_at=now, promised_date=promised, prepayment_kop=prepay,
                             comment=comment, copied_from=copied_from, status="new")
        for pos, values in enumerate(cleaned):
            OrderLine.create(order=order, position=pos, status="new", status_at=now, created_at=now,
                             expected_date=line_expected_date(values["supplier"], values["supplier_days"], today),
                             **values)
        note = f"копия заказа №{copied_from.id}" if copied_from else ""
        add_event(order, "copy" if copied_from else "create", actor, note=note or
                  f"{len(cleaned)} поз., обещано к {promised:%d.%m.%Y}")
        audit.record(actor, "create", order, {
            "customer": (None, customer.id), "lines": (None, ", ".join(c["article"] for c in cleaned)),
            "promised_date": (None, promised), "prepayment_kop": (None, prepay)}, note=note)
    log.info("order %s created for customer %s by %s: %d line(s)", order.id, customer.id,
             getattr(actor, "username", "system"), len(cleaned))
    return order


def create_walk_in(phone: str, name: str, lines: list[LineInput], actor=None, **kwargs) -> Order:
    """A new order for a customer known by the phone typed at the counter (a new one if nobody
    has it, see customers.find_or_create_walk_in): the customer and the order, all or nothing.
    `kwargs` as for create_order."""
    with write_transaction():
        customer, created = find_or_create_walk_in(phone, name, actor)
        if created:
            log.info("order form: new customer %s created from phone", customer.id)
        return create_order(customer, lines, actor, **kwargs)


def copy_order(order: Order, actor=None) -> Order:
    """Re-order or replacement in one click: the same customer, car and lines, all new again."""
    lines = [LineInput(ln.article, ln.brand, ln.name, ln.qty, ln.price_kop, ln.supplier, ln.supplier_days, ln.notify)
             for ln in order.lines.order_by(OrderLine.position)]
    customer = order.customer
    if not customer.is_live:
        customer = survivor(customer)
    return create_order(customer, lines, actor, manager=actor or order.manager, vehicle=order.vehicle,
                        comment=order.comment, copied_from=order)


def update_order(order: Order, actor, *, version: int | None = None, promised_date=None, prepayment=None,
                 comment: str | None = None, shelf_place: str | None = None, manager: Staff | None = None) -> Order:
    """Edit the order's header; refuses a form opened before someone else saved."""
    permissions.require(actor, "order.edit", order)
    with write_transaction():
        current = get(order.id)
        if version is not None and current.version != version:
            raise StaleEdit("Заказ уже изменил кто-то другой. Откройте его заново и повторите.")
        values = {}
        if promised_date is not None:
            promised = forms.day(promised_date, "promised_date", "Обещали")
            if promised is None:
                raise InputError("Укажите обещанную дату.", "promised_date")
            if promised != current.promised_date:
                _check_promise(promised)
            values["promised_date"] = promised
        if prepayment is not None:
            values["prepayment_kop"] = parse_money(prepayment, "prepayment")
        if comment is not None:
            values["comment"] = forms.text(comment, "comment", "Комментарий", forms.NOTE_LEN, multiline=True)
        if shelf_place is not None:
            values["shelf_place"] = forms.text(shelf_place, "shelf_place", "Место на полке", 20)
        if manager is not None:
            values["manager"] = manager
        changes = audit.diff(current, values)
        if changes:
            current.version += 1
            current.updated_at = clock.utcnow()
            current.save()
            audit.record(actor, "update", current, changes)
            add_event(current, "edit", actor, note=audit.changes_text("order", changes))
    return current


def add_line(order: Order, item: LineInput, actor=None) -> OrderLine:
    permissions.require(actor, "order.edit", order)
    values = clean_line(item, 0)
    now = clock.utcnow()
    with write_transaction():
        pos = (OrderLine.select(fn.MAX(OrderLine.position)).where(OrderLine.order == order).scalar() or 0) + 1
        line = OrderLine.create(order=order, position=pos, status="new", status_at=now, created_at=now,
                                expected_date=line_expected_date(values["supplier"], values["supplier_days"]),
                                **values)
        add_event(order, "edit", actor, line, to_status="new", note=f"добавлена позиция {line.article} × {line.qty}")
        audit.record(actor, "create", line, {"article": (None, line.article), "qty": (None, line.qty)},
                     note=f"заказ №{order.id}")
        recompute(order)
    return line


# --- batch moves ----------------------------------------------------------------------

def transition_order(order: Order, to_status: str, actor=None, **kwargs) -> list[OrderLine]:
    """Move every line that can make this move (the board and the batch actions)."""
    permissions.require(actor, "order.edit", order)
    if to_status == "arrived":
        waiting = [ln for ln in order.lines.order_by(OrderLine.position) if ln.status in OPEN_STATUSES]
        if not waiting:
            raise InputError(f"В заказе №{order.id} нет позиций, которые ещё ждут поступления.", "status")
        return arrival.arrive_lines(waiting, actor, title=f"Отмечено вручную: заказ №{order.id}").arrived
    moved = []
    with write_transaction():
        for line in order.lines.order_by(OrderLine.position):
            if to_status in ALLOWED.get(line.status, ()):
                moved.append(transition(line, to_status, actor, recompute_order=False, **kwargs))
        if not moved:
            raise InputError(f"В заказе №{order.id} нет позиций, которые можно перевести в "
                             f"«{LINE_STATUSES.get(to_status, to_status)}».", "status")
        recompute(order)
    return moved


def mark_ordered(orders: list[Order], actor=None, supplier_ref: str = "") -> int:
    """Batch action: every new line of these orders is now ordered at its supplier."""
    permissions.require(actor, "order.edit")
    count = 0
    with write_transaction():
        for order in orders:
            for line in order.lines.where(OrderLine.status == "new"):
                transition(line, "ordered", actor, supplier_ref=supplier_ref or None, recompute_order=False)
                count += 1
            recompute(order)
    if not count:
        raise InputError("В выбранных заказах нет новых позиций — заказывать нечего.")
    return count


def issue(order: Order, actor, paid="", line_ids: list[int] | None = None) -> list[OrderLine]:
    """The customer takes the arrived lines (all, or the chosen ones) and pays `paid`."""
    permissions.require(actor, "order.issue", order)
    paid_kop = parse_money(paid, "paid")
    lines = [ln for ln in order.lines.order_by(OrderLine.position) if ln.status == "arrived"
             and (line_ids is None or ln.id in line_ids)]
    if not lines:
        raise InputError("Выдавать нечего: нет пришедших позиций.", "paid")
    with write_transaction():
        for line in lines:
            transition(line, "issued", actor, recompute_order=False)
        Order.update(paid_kop=Order.paid_kop + paid_kop, updated_at=clock.utcnow()).where(Order.id == order.id).execute()
        add_event(order, "issue", actor, note=f"выдано {len(lines)} поз., получено {money_text(paid_kop)}")
        audit.record(actor, "issue", order, {"paid_kop": (order.paid_kop, order.paid_kop + paid_kop)})
        order = get(order.id)
        recompute(order)
        for arrival_id in {ln.arrival_id for ln in lines if ln.arrival_id}:
            if not OrderLine.select().where((OrderLine.arrival == arrival_id) & (OrderLine.status == "arrived")).exists():
                notifications.resolve("reminder", f"arrival:{arrival_id}:slips", comment="все заказы поступления выданы")
        if order.status == "issued":

            for key in ("pickup", "decide"):
                notifications.resolve("reminder" if key == "pickup" else "order_problem", problem_key(order, key),
                                      comment="заказ выдан")
    return lines


# --- reading -------------------------------------------------------------------------

def get(order_id: int) -> Order:
    order = Order.get_or_none((Order.id == order_id) & Order.deleted_at.is_null())
    if order is None:
        raise NotFound(order_id)
    return order


def total_kop(lines: list[OrderLine]) -> int:
    return sum(ln.sum_kop for ln in lines if ln.status not in CLOSED_BAD)


def due_kop(order: Order, lines: list[OrderLine] | None = None) -> int:
    """What the customer still has to pay at pickup."""
    lines = lines if lines is not None else lines_of(order)
    return max(0, total_kop(lines) - order.prepayment_kop - order.paid_kop)


def is_late(order: Order, today: dt.date | None = None) -> bool:
    today = today or clock.local_today()
    return bool(order.promised_date and order.promised_date < today and order.status in OPEN_STATUSES)


def timeline(order: Order) -> list[OrderEvent]:
    return list(OrderEvent.select(OrderEvent, Staff).join(Staff, JOIN.LEFT_OUTER, on=(OrderEvent.actor == Staff.id))
                .where(OrderEvent.order == order.id).order_by(OrderEvent.at.desc(), OrderEvent.id.desc()))


@dataclasses.dataclass
class Filters:
    status: str = ""
    manager: int | None = None
    supplier: str = ""
    late: bool = False
    prepaid: bool = False
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    customer: int | None = None
    q: str = ""


def search(filters: Filters, limit: int = 200):
    query = (Order.select(Order, Customer).join(Customer).switch(Order)
             .where(Order.deleted_at.is_null()))
    if filters.status == "open":
        query = query.where(Order.status.in_(OPEN_STATUSES + ("arrived",)))
    elif filters.status:
        query = query.where(Order.status == filters.status)
    if filters.manager:
        query = query.where(Order.manager == filters.manager)
    if filters.supplier:
        query = query.where(Order.id.in_(OrderLine.select(OrderLine.order).where(OrderLine.supplier == filters.supplier)))
    if filters.late:
        query = query.where(Order.status.in_(OPEN_STATUSES) & (Order.promised_date < clock.local_today()))
    if filters.prepaid:
        query = query.where(Order.prepayment_kop > 0)
    if filters.customer:
        query = query.where(Order.customer == filters.customer)
    if filters.date_from:
        query = query.where(Order.created_at >= clock.day_start(filters.date_from))
    if filters.date_to:
        query = query.where(Order.created_at < clock.day_start(filters.date_to + dt.timedelta(days=1)))
    q = (filters.q or "").strip()
    if q:
        number = re.sub(r"^(№|ZK|N)\s*", "", q, flags=re.I)
        if number.isdigit():
            query = query.where(Order.id == (forms.row_id(number) or 0))
        else:
            key = parts.article_key(q)
            query = query.where(Order.id.in_(OrderLine.select(OrderLine.order).where(
                OrderLine.article_key.contains(key))) | Customer.name.contains(q))
    return query.order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)


def lines_by_order(order_ids: list[int]) -> dict[int, list[OrderLine]]:
    result: dict[int, list[OrderLine]] = {}
    if not order_ids:
        return result
    for line in OrderLine.select().where(OrderLine.order.in_(order_ids)).order_by(OrderLine.position, OrderLine.id):
        result.setdefault(line.order_id, []).append(line)
    return result


def for_customer(customer: Customer, limit: int = 30) -> list[Order]:
    return list(Order.select().where((Order.customer == customer.id) & Order.deleted_at.is_null())
                .order_by(Order.created_at.desc()).limit(limit))


def local_date(value: dt.datetime | None) -> dt.date | None:
    return to_local(value).date() if value else None


def soft_delete(order: Order, actor, reason: str = "") -> None:
    permissions.require(actor, "order.delete", order)
    if order.status not in ("new", "cancelled"):
        raise InputError("Удалить можно только новый или отменённый заказ; остальные — отменить.")
    with write_transaction():
        order.deleted_at = clock.utcnow()
        order.save()
        audit.record(actor, "delete", order, {"deleted_at": (None, order.deleted_at)}, note=reason)
        add_event(order, "edit", actor, note="заказ удалён" + (f": {reason}" if reason else ""))


_SLIP_CODE = re.compile(r"(?:ZK|ЯЛ)(\d{1,9})")


def resolve_code(text: str) -> str | None:
    """lookup resolver: a slip's barcode (also as a scanner in Russian layout types it) opens the order."""
    match = _SLIP_CODE.fullmatch((text or "").strip().upper())
    if not match:
        return None
    order = Order.get_or_none((Order.id == int(match.group(1))) & Order.deleted_at.is_null())
    return f"/orders/{order.id}" if order else None


# --- ordering through a supplier's API (the suppliers' outbox) ------------------------------

def api_supplier_codes() -> set[str]:
    """Suppliers whose orders can be placed through their API (the others by phone/e-mail)."""
    try:
        return {code for code, cfg in registry.configs().items() if cfg.enabled and cfg.kind == "abcp"}
    except ValueError as exc:  # a typo in a supplier's settings
        log.warning("supplier settings unreadable, no API orders: %s", exc)
        return set()


def order_through_api(order: Order, actor=None) -> int:
    """Queue the new lines of API suppliers as supplier orders (one per supplier) and mark them
    ordered: the suppliers' outbox places them, the tracking check follows their statuses."""
    permissions.require(actor, "order.edit", order)
    codes = api_supplier_codes()
    lines = [ln for ln in lines_of(order) if ln.status == "new" and ln.supplier in codes]
    if not lines:
        raise InputError("Нет новых позиций у поставщиков с API: закажите по телефону и отметьте «Заказано».")
    now = clock.utcnow()
    by_supplier: dict[str, list[OrderLine]] = {}
    for line in lines:
        by_supplier.setdefault(line.supplier, []).append(line)
    with write_transaction():
        for code, group in sorted(by_supplier.items()):
            sorder = SupplierOrder.create(supplier=code, status="queued", source="customer", created_by=actor,
                                          created_at=now, next_attempt_at=now)
            for line in group:
                sline = SupplierOrderLine.create(
                    order=sorder, article=line.article, brand=line.brand, article_key=line.article_key,
                    brand_key=line.brand_key, name=line.name, qty=line.qty, status="queued", updated_at=now)
                line.supplier_line_id = sline.id
                transition(line, "ordered", actor, supplier_ref=sorder.client_ref, recompute_order=False,
                           note=f"передано поставщику {supplier_name(code)} через API")
            audit.record(actor, "supplier_order.create", sorder,
                         {"lines": (None, ", ".join(f"{ln.article} x{ln.qty}" for ln in group))},
                         note=f"заказ клиента №{order.id}")
        recompute(order)
    return len(lines)
