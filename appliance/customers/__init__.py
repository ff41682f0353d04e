"""The customer base: customers with phones and cars, their history, search and merges."""
from __future__ import annotations

import dataclasses
import re

import peewee
from peewee import fn

from appliance import audit, forms, permissions, phones, vehicles
from appliance.clock import utcnow
from appliance.customers.contact import MAIN_FIRST
from appliance.customers.contact import main_phone as main_phone  # re-exported: customers.main_phone
from appliance.customers.contact import phone_for_sms as phone_for_sms
from appliance.customers.contact import phones_of as phones_of
from appliance.errors import InputError, NotFound, StaleEdit
from appliance.forms import KEEP
from db import database, is_sqlite, write_transaction
from db.models.customers import SOURCES, Customer, Phone, Vehicle
from db.models.sales import Sale


@dataclasses.dataclass
class PhoneInput:
    number: str
    kind: str = "mobile"
    comment: str = ""


KINDS = ("person", "company")
PHONE_KINDS = ("mobile", "work", "home", "other")


@dataclasses.dataclass
class VehicleInput:
    """A car as typed; a field left as forms.KEEP (absent from an edit form) keeps its stored value."""

    make: str
    model: str = ""
    year: int | None = None
    vin: str = ""
    plate: str = ""
    engine: str = ""
    mileage: int | None = None


class DuplicatePhone(InputError):
    """The phone belongs to an existing customer: offer that card instead of a second one."""

    def __init__(self, number: str, existing: Customer, field: str = "phone"):
        super().__init__(f"Номер {phones.display(number)} уже есть у клиента «{existing.name}».", field)
        self.existing = existing


def live() -> peewee.ModelSelect:
    return Customer.select().where(Customer.deleted_at.is_null() & Customer.merged_into.is_null())


def recent(limit: int = 15) -> list[Customer]:
    """The base's start page: who came last (never seen ones at the end)."""
    return list(live().order_by(Customer.last_visit_at.desc(nulls="LAST"), Customer.id.desc()).limit(limit))


def get(customer_id: int) -> Customer:
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        raise NotFound(customer_id)
    return customer


def survivor(customer: Customer) -> Customer:
    """Follow merge pointers to the card that holds this customer's history now."""
    seen = set()
    while customer.merged_into_id and customer.id not in seen:
        seen.add(customer.id)
        customer = customer.merged_into
    return customer


def find_by_phone(e164: str) -> Customer | None:
    phone = Phone.select(Phone, Customer).join(Customer).where(Phone.e164 == e164).first()
    return survivor(phone.customer) if phone else None


def _clean_name(name: str) -> str:
    name = re.sub(r"\s+", " ", (name or "").strip())
    if not name:
        raise InputError("Укажите имя клиента.", "name")
    if len(name) > 200:
        raise InputError("Имя слишком длинное (больше 200 знаков).", "name")
    return name


def _clean_phones(items: list[PhoneInput], customer_id: int | None) -> list[tuple[str, PhoneInput]]:
    result, seen = [], set()
    for i, item in enumerate(items):
        if not (item.number or "").strip():
            continue
        e164 = phones.normalize(item.number, f"phone-{i}")
        forms.choice(item.kind, f"phone-{i}", "Вид телефона", PHONE_KINDS)
        if e164 in seen:
            raise InputError(f"Номер {phones.display(e164)} указан дважды.", f"phone-{i}")
        seen.add(e164)
        owner = find_by_phone(e164)
        if owner is not None and owner.id != customer_id:
            raise DuplicatePhone(e164, owner, f"phone-{i}")
        result.append((e164, item))
    if not result:
        raise InputError("Укажите хотя бы один телефон: по нему мы узнаём клиента.", "phone-0")
    return result


def clean_vehicle(data: VehicleInput) -> dict:
    make = forms.text(data.make, "make", "Марка", forms.SHORT_LEN)
    if not make:
        raise InputError("Укажите марку автомобиля.", "make")
    year = data.year
    if year is not None and not (1950 <= year <= utcnow().year + 1):
        raise InputError(f"Год выпуска {year} — проверьте.", "year")
    mileage = data.mileage
    if mileage is not None and not (0 <= mileage <= 3_000_000):
        raise InputError("Пробег должен быть от 0 до 3 000 000 км.", "mileage")
    return {
        "make": make, "model": forms.text(data.model, "model", "Модель", forms.SHORT_LEN), "year": year,
        "vin": vehicles.normalize_vin(forms.text(data.vin, "vin", "VIN", 30)),
        "plate": vehicles.normalize_plate(forms.text(data.plate, "plate", "Госномер", 20)),
        "engine": forms.text(data.engine, "engine", "Двигатель", forms.SHORT_LEN), "mileage": mileage,
    }


def create_customer(name: str, phone_list: list[PhoneInput], actor=None, source: str = "walk_in",
                    notes: str = "", kind: str = "person", vehicle_list: list[VehicleInput] = ()) -> Customer:
    """Create a customer with phones (at least one) and cars, all or nothing."""
    permissions.require(actor, "customer.create")
    name = _clean_name(name)
    if source not in SOURCES:
        raise InputError("Выберите источник из списка.", "source")
    kind = forms.choice(kind, "kind", "Тип клиента", KINDS, default="person")
    notes = forms.text(notes, "notes", "Заметки", forms.NOTE_LEN, multiline=True)
    cleaned_vehicles = [clean_vehicle(v) for v in vehicle_list]
    with write_transaction():
        cleaned = _clean_phones(phone_list, None)
        now = utcnow()
        customer = Customer.create(name=name, kind=kind, source=source, notes=(notes or "").strip(),
                                   created_by=actor, created_at=now, updated_at=now)
        for i, (e164, item) in enumerate(cleaned):
            Phone.create(customer=customer, e164=e164, digits=phones.national_digits(e164),
                         kind=item.kind, comment=item.comment, is_primary=i == 0)
        for values in cleaned_vehicles:
            Vehicle.create(customer=customer, created_at=now, **values)
        audit.record(actor, "create", customer, {
            "name": (None, name), "source": (None, source),
            "phones": (None, ", ".join(e for e, _ in cleaned)),
        })
        reindex(customer.id)
    return customer


def get_or_create_by_phone(number: str, name: str = "", actor=None, source: str = "phone") -> tuple[Customer, bool]:
    e164 = phones.normalize(number)
    existing = find_by_phone(e164)
    if existing:
        return existing, False
    return create_customer(name or f"Клиент {phones.display(e164)}", [PhoneInput(e164)], actor, source), True


def find_or_create_walk_in(number: str, name: str = "", actor=None) -> tuple[Customer, bool]:
    """The counter's rule for a phone typed in a form (a new order, a 1C sale to attach): the
    customer who has it, or a new walk-in customer named as typed (or by the phone).
    Returns (customer, created)."""
    return get_or_create_by_phone(number, (name or "").strip(), actor, source="walk_in")


def update_customer(customer: Customer, version: int, actor, name: str, source: str, notes: str,
                    phone_list: list[PhoneInput], kind: str | None = None) -> Customer:
    """Save an edit made on a form opened at `version`; refuse if someone saved meanwhile.
    A field given as forms.KEEP (not in the form) keeps its stored value."""
    permissions.require(actor, "customer.edit", customer)
    name = customer.name if name is KEEP else _clean_name(name)
    source = customer.source if source is KEEP else source
    if source not in SOURCES:
        raise InputError("Выберите источник из списка.", "source")
    notes = customer.notes if notes is KEEP else forms.text(notes, "notes", "Заметки", forms.NOTE_LEN, multiline=True)
    if kind:
        kind = forms.choice(kind, "kind", "Тип клиента", KINDS)
    with write_transaction():
        current = Customer.get_by_id(customer.id)
        if current.version != version:
            raise StaleEdit("Карточку уже изменил кто-то другой, пока вы её редактировали. "
                            "Откройте её заново и внесите правки ещё раз.")
        if phone_list is KEEP:
            phone_list = [PhoneInput(p.e164, p.kind, p.comment)
                          for p in current.phones.order_by(Phone.is_primary.desc(), Phone.id)]
        cleaned = _clean_phones(phone_list, customer.id)
        changes = audit.diff(current, {"name": name, "source": source, "notes": notes,
                                       **({"kind": kind} if kind else {})})
        old_phones = [p.e164 for p in current.phones.order_by(Phone.id)]
        new_phones = [e for e, _ in cleaned]
        if old_phones != new_phones:
            changes["phones"] = (", ".join(old_phones), ", ".join(new_phones))
        Phone.delete().where((Phone.customer == current) & Phone.e164.not_in(new_phones)).execute()
        for i, (e164, item) in enumerate(cleaned):
            row = Phone.get_or_none(Phone.e164 == e164)
            if row is None:
                Phone.create(customer=current, e164=e164, digits=phones.national_digits(e164),
                             kind=item.kind, comment=item.comment, is_primary=i == 0)
            else:
                row.kind, row.comment, row.is_primary = item.kind, item.comment, i == 0
                row.save()
        if changes:
            current.version += 1
            current.updated_at = utcnow()
            current.save()
            audit.record(actor, "update", current, changes)
            reindex(current.id)
    return current


def _refuse_vin_of_another_customer(vin: str, customer) -> None:
    """One car, one card: a VIN already on another customer's card is refused (adding or editing)."""
    if not vin:
        return
    other = (Vehicle.select().where((Vehicle.vin == vin) & Vehicle.deleted_at.is_null()
                                    & (Vehicle.customer != customer)).first())
    if other:
        raise InputError(f"Автомобиль с этим VIN уже записан у клиента «{other.customer.name}».", "vin")


def add_vehicle(customer: Customer, data: VehicleInput, actor=None) -> Vehicle:
    permissions.require(actor, "vehicle.edit", customer)
    values = clean_vehicle(data)
    with write_transaction():
        _refuse_vin_of_another_customer(values["vin"], customer)
        vehicle = Vehicle.create(customer=customer, created_at=utcnow(), **values)
        audit.record(actor, "create", vehicle, {k: (None, v) for k, v in values.items() if v not in ("", None)},
                     note=f"клиент #{customer.id}")
        reindex(customer.id)
    return vehicle


def update_vehicle(vehicle: Vehicle, data: VehicleInput, actor=None) -> Vehicle:
    permissions.require(actor, "vehicle.edit", vehicle)
    data = dataclasses.replace(data, **{f.name: getattr(vehicle, f.name) for f in dataclasses.fields(data)
                                        if getattr(data, f.name) is KEEP})
    values = clean_vehicle(data)
    with write_transaction():
        if values["vin"] != vehicle.vin:  # an old duplicate (from an import) stays editable
            _refuse_vin_of_another_customer(values["vin"], vehicle.customer_id)
        changes = audit.diff(vehicle, values)
        if changes:
            vehicle.save()
            audit.record(actor, "update", vehicle, changes, note=f"клиент #{vehicle.customer_id}")
            reindex(vehicle.customer_id)
    return vehicle


def soft_delete(customer: Customer, actor, reason: str = "") -> None:
    permissions.require(actor, "customer.delete", customer)
    reason = forms.text(reason, "reason", "Причина", forms.NOTE_LEN, multiline=True)
    with write_transaction():
        customer.deleted_at = utcnow()
        customer.save()
        audit.record(actor, "delete", customer, {"deleted_at": (None, customer.deleted_at)}, note=reason)
        unindex(customer.id)


def record_visit(customer_id: int, at) -> None:
    """A sale or a handed-over repair: move the last visit forward, never back."""
    (Customer.update(last_visit_at=at)
     .where((Customer.id == customer_id) & ((Customer.last_visit_at.is_null()) | (Customer.last_visit_at < at)))
     .execute())


# --- search ---------------------------------------------------------------------------

def index_text(customer: Customer, vehicle_rows) -> str:
    parts = [customer.name, customer.notes]
    for v in vehicle_rows:
        parts += [v.make, v.model, v.vin, v.engine, *vehicles.plate_search_forms(v.plate)]
    return _fold(" ".join(p for p in parts if p))


def _fold(text: str) -> str:
    return text.replace("ё", "е").replace("Ё", "Е")


def reindex(customer_id: int) -> None:
    if not is_sqlite():
        return
    customer = Customer.get_by_id(customer_id)
    if not customer.is_live:
        unindex(customer_id)
        return
    text = index_text(customer, customer.live_vehicles())
    database.execute_sql("DELETE FROM customer_fts WHERE rowid = ?", (customer_id,))
    database.execute_sql("INSERT INTO customer_fts(rowid, body) VALUES (?, ?)", (customer_id, text))


def unindex(customer_id: int) -> None:
    if is_sqlite():
        database.execute_sql("DELETE FROM customer_fts WHERE rowid = ?", (customer_id,))


def rebuild_index(batch: int = 5000) -> int:
    """Rebuild the whole search index (after bulk loads), with the same text as reindex()."""
    if not is_sqlite():
        return 0
    count = 0
    with write_transaction():
        database.execute_sql("DELETE FROM customer_fts")
        last_id = 0
        while True:
            chunk = list(live().where(Customer.id > last_id).order_by(Customer.id).limit(batch))
            if not chunk:
                break
            last_id = chunk[-1].id
            cars: dict[int, list[Vehicle]] = {}
            for v in Vehicle.select().where(Vehicle.customer.in_([c.id for c in chunk]) & Vehicle.deleted_at.is_null()):
                cars.setdefault(v.customer_id, []).append(v)
            database.connection().executemany(
                "INSERT INTO customer_fts(rowid, body) VALUES (?, ?)",
                [(c.id, index_text(c, cars.get(c.id, []))) for c in chunk])
            count += len(chunk)
    return count


def _fts_query(text: str) -> str | None:
    tokens = re.findall(r"\w+", _fold(text).lower())
    if not tokens:
        return None
    return " ".join(f'"{t}"*' for t in tokens[:6])


def _phone_matches(pattern: phones.DigitsQuery, limit: int, sqlite: bool) -> list[int]:
    """Any run of 3+ digits: the trigram index finds it without scanning every phone."""
    if sqlite:
        start = "AND p.digits LIKE ? " if pattern.at_start else ""
        args = (f'digits:"{pattern.digits}"', *([pattern.digits + "%"] if pattern.at_start else []), limit)
        cursor = database.execute_sql(
            "SELECT p.customer_id FROM phone_fts f JOIN phone p ON p.id = f.rowid "
            f"WHERE phone_fts MATCH ? {start}ORDER BY p.customer_id DESC LIMIT ?", args)
        return [r[0] for r in cursor]
    cond = Phone.digits.startswith(pattern.digits) if pattern.at_start else Phone.digits.contains(pattern.digits)
    rows = Phone.select(Phone.customer).where(cond).order_by(Phone.customer.desc()).limit(limit)
    return [r.customer_id for r in rows]


def _vehicle_matches(query: str, limit: int, sqlite: bool) -> list[int]:
    """A plate or VIN fragment in any spelling: look-alike Latin letters, the keyboard
    left in the other layout (vehicles.plate_query_forms / vin_query_forms)."""
    plates, vins = vehicles.plate_query_forms(query), vehicles.vin_query_forms(query)
    if not plates and not vins:
        return []
    if sqlite:
        terms = [f'plate:"{p}"' for p in plates] + [f'vin:"{v}"' for v in vins]
        cursor = database.execute_sql(
            "SELECT v.customer_id FROM vehicle_fts f JOIN vehicle v ON v.id = f.rowid "
            "WHERE vehicle_fts MATCH ? AND v.deleted_at IS NULL LIMIT ?",
            (" OR ".join(terms), limit))
        return [r[0] for r in cursor]
    cond = None
    for column, spellings in ((Vehicle.plate, plates), (Vehicle.vin, vins)):
        for form in spellings:
            cond = column.contains(form) if cond is None else cond | column.contains(form)
    rows = Vehicle.select(Vehicle.customer).where(Vehicle.deleted_at.is_null() & cond).limit(limit)
    return [r.customer_id for r in rows]


def _text_matches(query: str, limit: int, sqlite: bool) -> list[int]:
    if sqlite:
        match = _fts_query(query)
        if not match:
            return []
        cursor = database.execute_sql(
            "SELECT rowid FROM customer_fts WHERE customer_fts MATCH ? ORDER BY rank LIMIT ?", (match, limit))
        return [r[0] for r in cursor]
    return [c.id for c in live().where(Customer.name.contains(query)).limit(limit)]


@dataclasses.dataclass
class SearchHit:
    customer: Customer
    phones: list[str]
    vehicles: list[str]
    matched: str = ""


def search(query: str, limit: int = 20) -> list[SearchHit]:
    """What a manager typed: part of a phone, a surname, a plate or a VIN."""
    query = (query or "").strip()
    if not query:
        return []
    ids: list[int] = []
    patterns = phones.search_patterns(query)
    sqlite = is_sqlite()
    for pattern in patterns:
        ids += _phone_matches(pattern, limit * 2, sqlite)
    if len(ids) < limit:
        ids += _vehicle_matches(query, limit, sqlite)
    if len(ids) < limit and not patterns:
        ids += _text_matches(query, limit, sqlite)
    ordered = list(dict.fromkeys(ids))[:limit]
    if not ordered:
        return []
    customers = {c.id: c for c in live().where(Customer.id.in_(ordered))}
    phone_map: dict[int, list[str]] = {}
    for p in Phone.select().where(Phone.customer.in_(ordered)).order_by(*MAIN_FIRST):
        phone_map.setdefault(p.customer_id, []).append(p.e164)
    car_map: dict[int, list[str]] = {}
    for v in Vehicle.select().where(Vehicle.customer.in_(ordered) & Vehicle.deleted_at.is_null()):
        car_map.setdefault(v.customer_id, []).append(" ".join(x for x in (v.make, v.model, v.plate) if x))
    return [SearchHit(customers[i], phone_map.get(i, []), car_map.get(i, [])) for i in ordered if i in customers]


# --- the card -------------------------------------------------------------------------

@dataclasses.dataclass
class CustomerStats:
    receipts: int
    total_kop: int
    average_kop: int
    parts_kop: int
    repair_kop: int
    first_at: object
    last_at: object


def stats(customer: Customer) -> CustomerStats:
    row = (Sale.select(fn.COUNT(Sale.id).alias("n"), fn.COALESCE(fn.SUM(Sale.total_kop), 0).alias("total"),
                       fn.COALESCE(fn.SUM(peewee.Case(None, [(Sale.kind == "repair", Sale.total_kop)], 0)), 0).alias("repair"),
                       fn.MIN(Sale.date).alias("first"), fn.MAX(Sale.date).alias("last"))
           .where(Sale.customer == customer.id).dicts().get())
    n, total = row["n"], int(row["total"] or 0)
    repair = int(row["repair"] or 0)
    return CustomerStats(n, total, total // n if n else 0, total - repair, repair, row["first"], row["last"])


def purchases(customer: Customer, limit: int = 50):
    return (Sale.select().where(Sale.customer == customer.id)
            .order_by(Sale.date.desc(), Sale.id.desc()).limit(limit))


# --- duplicates and merge -------------------------------------------------------------

@dataclasses.dataclass
class DuplicatePair:
    first: Customer
    second: Customer
    reason: str


def _name_key(name: str) -> str:
    words = re.findall(r"\w+", _fold(name).lower())
    return " ".join(words[:2]) if words else ""


def likely_duplicates(limit: int = 100) -> list[DuplicatePair]:
    """Pairs that are probably one person: the same car twice, or a similar name with the same car."""
    pairs: dict[tuple[int, int], str] = {}
    live_ids = live().select(Customer.id)
    # The same car (VIN or plate) on two cards.
    for column, label in ((Vehicle.vin, "один и тот же VIN"), (Vehicle.plate, "один и тот же госномер")):
        dup_values = (Vehicle.select(column).where((column != "") & Vehicle.deleted_at.is_null()
                                                   & Vehicle.customer.in_(live_ids))
                      .group_by(column).having(fn.COUNT(fn.DISTINCT(Vehicle.customer)) > 1).limit(limit))
        for value in dup_values:
            owners = sorted({v.customer_id for v in Vehicle.select(Vehicle.customer)
                             .where((column == getattr(value, column.name)) & Vehicle.customer.in_(live_ids))})
            for a, b in zip(owners, owners[1:], strict=False):
                pairs.setdefault((a, b), label)
    # The same ten digits behind different spellings (e.g. a number saved with a wrong country code).
    tails = (Phone.select(fn.SUBSTR(Phone.digits, -10).alias("tail")).join(Customer)
             .where(Customer.deleted_at.is_null() & Customer.merged_into.is_null())
             .group_by(fn.SUBSTR(Phone.digits, -10)).having(fn.COUNT(fn.DISTINCT(Phone.customer)) > 1).limit(limit))
    for row in tails:
        owners = sorted({p.customer_id for p in Phone.select(Phone.customer)
                         .where(fn.SUBSTR(Phone.digits, -10) == row.tail)})
        for a, b in zip(owners, owners[1:], strict=False):
            pairs.setdefault((a, b), "один и тот же номер в разной записи")
    # Similar name and the same make+model.
    groups: dict[tuple[str, str], set[int]] = {}
    for v in (Vehicle.select(Vehicle.customer, Vehicle.make, Vehicle.model, Customer.name).join(Customer)
              .where(Vehicle.deleted_at.is_null() & Customer.deleted_at.is_null() & Customer.merged_into.is_null())):
        key = (_name_key(v.customer.name), f"{v.make} {v.model}".lower())
        if key[0]:
            groups.setdefault(key, set()).add(v.customer_id)
    for ids in groups.values():
        if len(ids) > 1:
            ordered = sorted(ids)
            for a, b in zip(ordered, ordered[1:], strict=False):
                pairs.setdefault((a, b), "похожее имя и такой же автомобиль")
    result = []
    for (a, b), reason in list(pairs.items())[:limit]:
        first, second = Customer.get_or_none(Customer.id == a), Customer.get_or_none(Customer.id == b)
        if first and second and first.is_live and second.is_live:
            result.append(DuplicatePair(first, second, reason))
    return result


def merge(survivor_customer: Customer, merged: Customer, actor) -> Customer:
    """Move everything of `merged` to the survivor; keep `merged` as a pointer to it."""
    permissions.require(actor, "customer.merge", survivor_customer)
    from db.models import load_all

    if survivor_customer.id == merged.id:
        raise InputError("Нельзя объединить клиента с самим собой.")
    if not (survivor_customer.is_live and merged.is_live):
        raise InputError("Один из клиентов уже удалён или объединён.")
    load_all()
    moved = {}
    with write_transaction():
        for field in Customer._meta.backrefs:
            model = field.model
            if model is Customer:
                continue
            count = model.update({field: survivor_customer.id}).where(field == merged.id).execute()
            if count:
                table = model._meta.table_name
                moved[table] = moved.get(table, 0) + count
        notes = "\n".join(n for n in (survivor_customer.notes, merged.notes) if n)
        changes = audit.diff(survivor_customer, {"notes": notes})
        if merged.last_visit_at and (not survivor_customer.last_visit_at or merged.last_visit_at > survivor_customer.last_visit_at):
            changes.update(audit.diff(survivor_customer, {"last_visit_at": merged.last_visit_at}))
        survivor_customer.version += 1
        survivor_customer.updated_at = utcnow()
        survivor_customer.save()
        merged.merged_into = survivor_customer
        merged.updated_at = utcnow()
        merged.save()
        Phone.update(is_primary=False).where((Phone.customer == survivor_customer) & (Phone.is_primary == True)).execute()  # noqa: E712
        first_phone = Phone.select().where(Phone.customer == survivor_customer).order_by(Phone.id).first()
        if first_phone:
            first_phone.is_primary = True
            first_phone.save()
        _merge_duplicate_cars(survivor_customer, actor)
        note = f"объединён с клиентом №{merged.id} «{merged.name}»; перенесено: " + audit.moved_text(moved)
        audit.record(actor, "merge", survivor_customer, changes, note=note)
        audit.record(actor, "merged_into", merged, {"merged_into": (None, survivor_customer.id)})
        unindex(merged.id)
        reindex(survivor_customer.id)
    return survivor_customer


_CAR_FIELDS = ("model", "year", "vin", "plate", "engine", "comment")


def _same_car(kept: Vehicle, other: Vehicle) -> bool:
    """The same VIN; else the same plate, unless both cars have VINs and they differ."""
    if kept.vin and other.vin:
        return kept.vin == other.vin
    return bool(kept.plate) and vehicles.normalize_plate(kept.plate) == vehicles.normalize_plate(other.plate)


def _merge_duplicate_cars(customer: Customer, actor) -> None:
    """After a merge, one car per VIN (else per plate): the oldest keeps the union of what both
    cards knew, and the history rows of the copy (work orders, parts orders, bookings) move to it."""
    cars = list(customer.live_vehicles())
    dropped: set[int] = set()
    for i, kept in enumerate(cars):
        if kept.id in dropped:
            continue
        for other in cars[i + 1:]:
            if other.id in dropped or not _same_car(kept, other):
                continue
            fill = {f: getattr(other, f) for f in _CAR_FIELDS if not getattr(kept, f) and getattr(other, f)}
            if other.mileage and (kept.mileage or 0) < other.mileage:
                fill["mileage"] = other.mileage
            changes = audit.diff(kept, fill)
            kept.save()
            moved = []
            for field in Vehicle._meta.backrefs:
                count = field.model.update({field: kept.id}).where(field == other.id).execute()
                if count:
                    moved.append((field.model._meta.table_name, count))
            other.deleted_at = utcnow()
            other.save()
            dropped.add(other.id)
            audit.record(actor, "merge", kept, changes,
                         note=f"объединён с копией #{other.id} ({other.title} {other.plate}".rstrip() + ")"
                         + (f"; перенесено: {audit.moved_text(dict(moved))}" if moved else ""))
