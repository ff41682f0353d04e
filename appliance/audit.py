"""The audit log: every change a person makes, who/when/what, old -> new."""
from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import re

from appliance import money
from appliance.clock import to_local, utcnow
from db.models.audit import AuditEntry
from db.models.customers import SOURCES, Customer, Vehicle
from db.models.orders import LINE_STATUSES, ORDER_STATUSES, OrderLine
from db.models.printing import STATUS_LABELS as PRINT_STATUSES
from db.models.sms import KINDS as SMS_KINDS
from db.models.sms import STATUSES as SMS_STATUSES
from db.models.staff import ROLE_LABELS, Staff
from db.models.workshop import BOOKING_SOURCES, BOOKING_STATUSES, WorkOrder
from db.models.workshop import KINDS as WORK_KINDS
from db.models.workshop import STATUSES as WORK_STATUSES


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "id") and hasattr(value, "_meta"):
        return value.id
    return value


def record(actor, action: str, obj, changes: dict | None = None, note: str = "") -> AuditEntry:
    """Write one entry. `obj` is a model instance or an (object_type, object_id) pair."""
    if isinstance(obj, tuple):
        object_type, object_id = obj
    else:
        object_type, object_id = obj._meta.table_name, obj.id
    payload = {k: [_plain(old), _plain(new)] for k, (old, new) in (changes or {}).items()}
    return AuditEntry.create(
        at=utcnow(),
        actor=actor if getattr(actor, "id", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes=json.dumps(payload, ensure_ascii=False) if payload else "",
        note=note,
    )


def diff(instance, new_values: dict) -> dict:
    """{field: (old, new)} for the fields whose value would change; assigns the new ones."""
    changes = {}
    for name, new in new_values.items():
        old = getattr(instance, name)
        if old != new:
            changes[name] = (old, new)
            setattr(instance, name, new)
    return changes


def history(object_type: str, object_id, limit: int = 100):
    return (
        AuditEntry.select()
        .where((AuditEntry.object_type == object_type) & (AuditEntry.object_id == str(object_id)))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )


def history_of_customer(customer_id: int, vehicle_ids: list[int], limit: int = 40):
    """The card's history block: changes of the customer and of its cars, newest first, one query."""
    where = (AuditEntry.object_type == "customer") & (AuditEntry.object_id == str(customer_id))
    if vehicle_ids:
        where |= (AuditEntry.object_type == "vehicle") & AuditEntry.object_id.in_([str(v) for v in vehicle_ids])
    return AuditEntry.select().where(where).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)


def log_page(object_type: str = "", actor_id: int | None = None, page: int = 1,
             per_page: int = 100) -> list[tuple[AuditEntry, dict]]:
    """The audit page: newest first, filtered by object kind and by who acted; each with its changes."""
    query = AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if actor_id:
        query = query.where(AuditEntry.actor == actor_id)
    return [(e, changes_of(e)) for e in query.paginate(page, per_page)]


def changes_of(entry: AuditEntry) -> dict:
    return json.loads(entry.changes) if entry.changes else {}


# --- how the log reads to a person (the owner's «Журнал», the card's history) -------------
# Every action code passed to record() has its words here: tests/system/test_audit_words.py
# walks the code and fails on a code without them.

ACTION_LABELS = {
    "create": "создал(а)", "update": "изменил(а)", "delete": "удалил(а)", "merge": "объединил(а)",
    "merged_into": "объединил(а) с другой карточкой", "status": "сменил(а) статус", "decide": "решил(а)",
    "issue": "выдал(а) заказ", "cancel": "отменил(а)", "plan": "запланировал(а)", "move": "перенёс(ла)",
    "revoke": "отозвал(а) доступ", "login": "вход в систему", "lockout": "вход заблокирован",
    "password": "сменил(а) пароль", "setting": "изменил(а) настройку", "resolve": "закрыл(а) уведомление",
    "assign": "взял(а) уведомление", "link_inspection": "связал(а) с осмотром", "add_work": "добавил(а) работу",
    "add_part": "добавил(а) запчасть", "remove_work": "убрал(а) работу", "remove_part": "убрал(а) запчасть",
    "price": "поставил(а) цену", "finding": "записал(а) находку осмотра",
    "print_key_label": "напечатал(а) этикетку для ключей", "attach_sale": "привязал(а) чек к клиенту",
    "sms.queue": "отправил(а) SMS", "sms.resend": "отправил(а) SMS повторно",
    "sms.opt_out": "отметил(а) отказ от рекламных SMS", "sms.opt_in": "вернул(а) рекламные SMS",
    "sms_template.update": "изменил(а) шаблон SMS", "print.reprint": "напечатал(а) ещё раз",
    "print.retry": "повторил(а) печать", "print.cancel": "отменил(а) печать",
    "supplier.save": "сохранил(а) настройки поставщика", "supplier_order.create": "оформил(а) заказ поставщику",
    "supplier_order.placed": "заказ принят поставщиком", "reorder.qty": "изменил(а) количество к заказу",
    "mandatory.create": "добавил(а) в обязательное наличие", "mandatory.update": "изменил(а) обязательное наличие",
    "mandatory.remove": "убрал(а) из обязательного наличия", "analogs.link": "связал(а) аналоги",
    "analogs.unlink": "отвязал(а) аналог",
    "dial": "позвонил(а) клиенту", "close": "закрыл(а) вручную",
    "loyalty.issue": "выдал(а) бонусную карту", "loyalty.redeem": "списал(а) баллы в оплату",
    "loyalty.correct": "скорректировал(а) баллы",
    "ratings.reasons": "изменил(а) причины низких оценок", "ratings.callback": "записал(а) итог звонка по оценке",
    "ratings.accept_late": "принял(а) поздний ответ как оценку", "ratings.review": "разобрал(а) ответ на оценку",
    "payroll.scale": "изменил(а) шкалу KPI", "payroll.plan_create": "задал(а) план менеджеру",
    "payroll.plan_edit": "изменил(а) план менеджера", "payroll.close": "закрыл(а) месяц по зарплате",
    "payroll.correction": "добавил(а) корректировку зарплаты",
}

OBJECT_LABELS = {
    "customer": "клиент", "vehicle": "автомобиль", "phone": "телефон", "order": "заказ",
    "order_line": "позиция заказа", "order_event": "событие заказа", "arrival": "поступление",
    "receipt_match": "позиция поступления", "staff": "сотрудник", "sms_message": "SMS-сообщение",
    "sms_template": "шаблон SMS", "sms_opt_out": "отказ от рекламных SMS", "work_order": "заказ-наряд",
    "work_line": "работа", "part_line": "запчасть в заказ-наряде", "finding": "находка осмотра",
    "booking": "запись на ремонт", "device_token": "доступ табло или сайта", "setting": "настройка",
    "notification": "уведомление", "print_job": "задание печати", "consumable_group": "группа расходников",
    "sale": "чек", "bonus_card": "бонусная карта", "supplier_account": "поставщик",
    "supplier_order": "заказ поставщику", "reorder_line": "строка дозаказа",
    "mandatory_item": "позиция обязательного наличия", "analog_group": "группа аналогов",
    "work_order.status": "статус заказ-наряда", "sms_part": "часть SMS", "call": "звонок",
    "phone_call": "звонок", "call_leg": "звонок на телефон сотрудника", "callback": "«Перезвонить»",
    "click_to_call": "звонок из программы", "pbx_event": "событие АТС", "pbx_status": "состояние АТС",
    "card_issue": "выдача бонусной карты", "loyalty_entry": "движение баллов", "loyalty_sale": "баллы по чеку",
    "sale_return": "возврат товара", "sale_return_line": "строка возврата",
    "rating_request": "просьба об оценке", "rating_item": "что оценивали", "rated_staff": "оценённый сотрудник",
    "rating_reply": "ответ на просьбу об оценке", "rating_callback": "звонок по низкой оценке",
    "manager_plan": "план менеджера", "kpi_scale": "шкала KPI", "closed_month": "закрытый месяц",
    "pay_correction": "корректировка зарплаты",
    "buyer_order": "заказ покупателя (1С)", "buyer_order_line": "строка заказа покупателя",
    "buyer_order_sale": "продажа по заказу покупателя",
}

# How changed fields are named to a person reading the history. Areas add their fields here.
FIELD_LABELS = {
    "name": "название", "source": "источник", "notes": "заметки", "kind": "вид", "phones": "телефоны",
    "make": "марка", "model": "модель", "year": "год", "vin": "VIN", "plate": "госномер",
    "engine": "двигатель", "mileage": "пробег", "deleted_at": "удалён", "merged_into": "объединён в",
    "last_visit_at": "последний визит", "username": "логин", "role": "роль", "assignee": "ответственный",
    "is_open": "открыто", "status": "статус", "comment": "комментарий", "active": "действует",
    "paid_kop": "оплачено", "prepayment_kop": "предоплата", "price_kop": "цена", "total_kop": "сумма",
    "estimate_kop": "оценка", "promised_date": "обещали", "shelf_place": "место на полке",
    "manager": "менеджер", "mechanic": "механик", "customer": "клиент", "vehicle": "автомобиль",
    "article": "артикул", "brand": "бренд", "qty": "количество", "state": "решение", "phone": "телефон",
    "text": "текст", "body": "текст", "title": "название", "resent_from": "повтор SMS",
    "revoked_at": "отозван", "bay": "пост", "planned_start": "начало", "planned_end": "окончание",
    "inspection": "осмотр", "work": "работа", "part": "запчасть", "line": "строка", "price": "цена",
    "finding": "находка", "value": "значение", "number": "номер", "members": "аналоги", "ref": "номер у поставщика",
    "min_qty": "минимум", "target_qty": "заказывать до", "pack": "кратность", "interval_days": "интервал, дней",
    "product_groups": "группы товаров", "keywords": "ключевые слова", "position": "порядок",
    "complaint": "жалоба", "recommendations": "рекомендации", "code": "код", "url": "адрес",
    "login": "логин", "password": "пароль", "markup": "наценка, %", "lead_days": "срок, дней",
    "working_days": "рабочие дни", "concurrency": "параллельных запросов", "rate_limit": "запросов в секунду",
    "options": "параметры", "enabled": "включён", "supplier": "поставщик", "full_name": "ФИО",
    "article_key": "артикул (ключ)", "brand_key": "бренд (ключ)", "supplier_days": "срок поставщика, дней",
    "expected_date": "ожидается", "lines": "позиции", "wish_at": "желаемое время", "reason": "причина", "supplier_ref": "номер у поставщика",
    "amount_kop": "сумма", "extension": "внутренний номер", "outcome": "итог", "reasons": "причины",
    "reply": "ответ", "sale": "чек", "score": "оценка", "quote_at": "дата цены",
    "pay_total_kop": "зарплата за месяц", "scale": "шкала KPI", "base_kind": "оклад",
    "base_kop": "оклад, сумма", "parts_percent": "% с продаж запчастей", "repairs_percent": "% с ремонтов",
    "plan_shop_kop": "план продаж магазина", "plan_personal_kop": "план личных продаж",
    "plan_check_kop": "план среднего чека", "plan_cards": "план по бонусным картам", "shifts": "смены",
    "left_on": "последний рабочий день", "month": "месяц", "staff": "сотрудник",
}
FIELD_LABELS["name"] = "имя"  # the card's most common change: a customer's name

_STATUS_BY_OBJECT = {
    "order": ORDER_STATUSES, "order_line": LINE_STATUSES, "work_order": WORK_STATUSES,
    "booking": BOOKING_STATUSES, "print_job": PRINT_STATUSES, "sms_message": SMS_STATUSES,
}
_KIND_BY_OBJECT = {
    "customer": {"person": "частное лицо", "company": "организация"}, "work_order": WORK_KINDS,
    "sms_message": SMS_KINDS, "sms_template": SMS_KINDS,
    "device_token": {"display": "табло мастерской", "website": "сайт"},
}
_BASE_KINDS = {"month": "в месяц", "shift": "за смену"}
_SOURCE_BY_OBJECT = {"booking": BOOKING_SOURCES}
_MATCH_STATES = {"open": "ждёт решения", "resolved": "отдано в заказ", "dismissed": "отклонено"}
_STAFF_FIELDS = ("manager", "mechanic", "assignee", "actor", "created_by")
_CUSTOMER_FIELDS = ("customer", "merged_into")


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def money_text(kop) -> str:
    """220100 -> '2 201 ₽', 150050 -> '1 500,50 ₽' (as the formatting filter writes money)."""
    return money.text(kop)


class _Names:
    """Names behind ids, looked up once per page."""

    def __init__(self):
        self._cache: dict[tuple[str, str], str] = {}

    def get(self, kind: str, key) -> str:
        cache_key = (kind, str(key))
        if cache_key not in self._cache:
            self._cache[cache_key] = self._lookup(kind, key)
        return self._cache[cache_key]

    @staticmethod
    def _lookup(kind: str, key) -> str:
        try:
            ident = int(key)
        except (TypeError, ValueError):
            ident = None
        if kind == "customer" and ident is not None:
            row = Customer.get_or_none(Customer.id == ident)
            return f"клиент «{row.name}»" if row else f"клиент №{ident}"
        if kind == "staff" and ident is not None:
            row = Staff.get_or_none(Staff.id == ident)
            return row.full_name if row else f"сотрудник №{ident}"
        if kind == "vehicle" and ident is not None:
            row = Vehicle.get_or_none(Vehicle.id == ident)
            return f"автомобиль {row.title} {row.plate}".strip() if row else f"автомобиль №{ident}"
        if kind == "order_line" and ident is not None:
            row = OrderLine.get_or_none(OrderLine.id == ident)
            return f"позиция заказа №{row.order_id}: {row.article} {row.brand}".strip() if row else f"позиция заказа №{ident}"
        if kind == "work_order" and ident is not None:
            row = WorkOrder.get_or_none(WorkOrder.id == ident)
            return f"заказ-наряд {row.number}" if row else f"заказ-наряд №{ident}"
        if kind == "sms_opt_out":
            return f"отказ от рекламных SMS {_phone_text(key)}"
        if kind == "setting":
            return f"настройка «{SETTING_LABELS.get(str(key), key)}»"
        return f"{OBJECT_LABELS.get(kind, kind)} №{key}"


SETTING_LABELS = {"workshop.mechanics_may_change_status": "механики отмечают ход работы на табло"}


def _phone_text(value) -> str:
    text = str(value)
    digits = re.sub(r"\D", "", text)
    if text.startswith("+7") and len(digits) == 11:
        return f"+7 {digits[1:4]} {digits[4:7]}-{digits[7:9]}-{digits[9:]}"
    return text


def _time_text(field: str, value: str) -> str | None:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if len(value) == 10 or field.endswith("_date"):
        return moment.strftime("%d.%m.%Y")
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return to_local(moment).strftime("%d.%m.%Y %H:%M")


def value_text(object_type: str, field: str, value, names: _Names | None = None) -> str:
    """One old or new value as a person reads it: money, yes/no, dates, labels instead of codes."""
    names = names or _Names()
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, list):
        return ", ".join(value_text(object_type, field, v, names) for v in value)
    if field.endswith("_kop") and isinstance(value, int | float | str) and re.fullmatch(r"-?\d+", str(value)):
        return money_text(int(value))
    labels = None
    if field == "status":
        labels = _STATUS_BY_OBJECT.get(object_type)
    elif field == "kind":
        labels = _KIND_BY_OBJECT.get(object_type)
    elif field == "source":
        labels = _SOURCE_BY_OBJECT.get(object_type, SOURCES)
    elif field == "role":
        labels = ROLE_LABELS
    elif field == "state" and object_type == "receipt_match":
        labels = _MATCH_STATES
    elif field == "base_kind":
        labels = _BASE_KINDS
    if labels and str(value) in labels:
        return labels[str(value)]
    if field in _CUSTOMER_FIELDS and isinstance(value, int):
        return names.get("customer", value)
    if field in _STAFF_FIELDS and isinstance(value, int):
        return names.get("staff", value)
    if field == "phone" or field == "phones":
        return ", ".join(_phone_text(p.strip()) for p in str(value).split(","))
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d([ T][\d:.]+([+-]\d\d:\d\d)?)?", value):
        return _time_text(field, value) or value
    return str(value)


_MOVED = re.compile(r"\b([a-z_]+)\.([a-z_]+)=(\d+)")


def note_text(note: str) -> str:
    """Old merge notes said «phone.customer=1, order.customer=2»: say «телефон: 1, заказ: 2»."""
    return _MOVED.sub(lambda m: f"{OBJECT_LABELS.get(m.group(1), m.group(1))}: {m.group(3)}", note or "")


def moved_text(moved: dict[str, int]) -> str:
    """What a merge moved, keyed by table name: «телефон: 1, заказ: 2»."""
    return ", ".join(f"{OBJECT_LABELS.get(table, table)}: {count}" for table, count in moved.items())


@dataclasses.dataclass
class Change:
    field: str
    old: str
    new: str


@dataclasses.dataclass
class Line:
    """One log entry in words."""

    entry: AuditEntry
    action: str
    subject: str
    changes: list[Change]
    note: str


def present(entries, names: _Names | None = None) -> list[Line]:
    names = names or _Names()
    out = []
    for e in entries:
        changes = changes_of(e)
        out.append(Line(
            entry=e, action=action_label(e.action), subject=names.get(e.object_type, e.object_id),
            changes=[Change(field_label(k), value_text(e.object_type, k, old, names),
                            value_text(e.object_type, k, new, names)) for k, (old, new) in changes.items()],
            note=note_text(e.note)))
    return out


def changes_text(object_type: str, changes: dict) -> str:
    """{field: (old, new)} in one line of words, for a timeline note: «предоплата: 0 ₽ → 500 ₽»."""
    names = _Names()
    return "; ".join(f"{field_label(k)}: {value_text(object_type, k, _plain(old), names)} → "
                     f"{value_text(object_type, k, _plain(new), names)}" for k, (old, new) in changes.items())


def object_types() -> dict[str, str]:
    """The journal's filter: kinds of objects, as people call them."""
    return dict(sorted(OBJECT_LABELS.items(), key=lambda kv: kv[1]))
