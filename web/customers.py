"""The customer base at the counter: search as you type, the card, add and edit, duplicates."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from appliance import audit, customers, forms, lookup, phones, staff
from appliance.customers import PhoneInput, VehicleInput
from appliance.errors import InputError, NotFound
from db.models.customers import SOURCES, Customer, Vehicle
from web.auth import actor, permission_required
from web.forms import hidden_id, hidden_int, once_per_form

bp = Blueprint("customers", __name__)
log = logging.getLogger(__name__)

# Blocks of the customer card from other areas: (title, template). A template gets `customer`.
CARD_SECTIONS: list[tuple[str, str]] = [
    ("Расходники", "exchange/_customer_consumables.html"),
    ("Заказы", "orders/_customer_orders.html"),
    ("Ремонты", "workshop/_customer_work_orders.html"),
    ("SMS", "sms/_customer_sms.html"),
    ("Звонки", "customers/_calls.html"),
]


def _phones_from_form(form) -> list[PhoneInput]:
    numbers, kinds = form.getlist("phone"), form.getlist("phone_kind")
    return [PhoneInput(n, kinds[i] if i < len(kinds) else "mobile") for i, n in enumerate(numbers)]


def _phone_rows(form) -> list[tuple[str, str]]:
    """Phone inputs to show on the form: what was typed, or the saved ones, plus an empty row."""
    if "phones" in form and not hasattr(form, "getlist"):  # the saved ones, never a query string
        rows = list(form["phones"])
    elif hasattr(form, "getlist") and form.getlist("phone"):
        kinds = form.getlist("phone_kind")
        rows = [(n, kinds[i] if i < len(kinds) else "mobile") for i, n in enumerate(form.getlist("phone"))]
    else:
        rows = [(form.get("phone", ""), "mobile")]
    if len(rows) < 2 or rows[-1][0]:
        rows.append(("", "mobile"))
    return rows


def _vehicle_from_form(form, prefix: str = "", keep_absent: bool = False) -> VehicleInput:
    """The car fields of a form; on an edit (`keep_absent`) a field not sent keeps its value."""
    def field(name, parse=lambda v: v or ""):
        raw = form.get(prefix + name)
        return forms.KEEP if keep_absent and raw is None else parse(raw)

    return VehicleInput(
        make=field("make"), model=field("model"),
        year=field("year", lambda v: forms.whole(v, "year", "Год выпуска", 0, 9999)), vin=field("vin"),
        plate=field("plate"), engine=field("engine"),
        mileage=field("mileage", lambda v: forms.whole(v, "mileage", "Пробег", 0, 3_000_000)),
    )


def _load(customer_id: int) -> Customer:
    try:
        customer = customers.get(customer_id)
    except NotFound:
        abort(404)
    if customer.merged_into_id:
        return customers.survivor(customer)
    return customer


@bp.route("/customers")
@permission_required("customer.view")
def index():
    q = request.args.get("q", "")
    hits = customers.search(q) if q else []
    recent = [] if q else customers.recent(15)
    if request.htmx:
        return render_template("customers/_results.html", hits=hits, q=q)
    return render_template("customers/index.html", hits=hits, q=q, recent=recent)


@bp.route("/search")
@permission_required("customer.view")
def search():
    """The header's search box: a scanned code opens its object; text searches customers."""
    q = request.args.get("q", "").strip()
    url = lookup.resolve(q)
    if url:
        return redirect(url)
    hits = customers.search(q)
    if len(hits) == 1 and request.args.get("go"):
        return redirect(url_for("customers.card", customer_id=hits[0].customer.id))
    return render_template("customers/index.html", hits=hits, q=q, recent=[])


@bp.route("/customers/new", methods=["GET", "POST"])
@permission_required("customer.create")
@once_per_form
def new():
    form = request.form if request.method == "POST" else request.args
    error = field = existing = None
    if request.method == "POST":
        try:
            vehicle_list = [_vehicle_from_form(form, "car_")] if any(
                form.get(f"car_{k}", "").strip() for k in ("make", "model", "vin", "plate")) else []
            customer = customers.create_customer(
                form.get("name", ""), _phones_from_form(form), actor(),
                source=form.get("source", "walk_in"), notes=form.get("notes", ""),
                kind=form.get("kind", "person"), vehicle_list=vehicle_list)
        except customers.DuplicatePhone as exc:
            error, field, existing = exc.message, exc.field, exc.existing
        except InputError as exc:
            error, field = exc.message, exc.field
            log.info("customer form refused: %s (%s)", exc.message, exc.field)
        else:
            flash(f"Клиент «{customer.name}» добавлен.")
            return redirect(url_for("customers.card", customer_id=customer.id))
    return render_template("customers/form.html", form=form, error=error, field=field, existing=existing,
                           sources=SOURCES, customer=None, phone_values=_phone_rows(form)), (422 if error else 200)


@bp.route("/customers/check-phone")
@permission_required("customer.create")
def check_phone():
    """As the phone is typed on the new-customer form: is it someone we know?"""
    number = request.args.get("phone", "")
    try:
        existing = customers.find_by_phone(phones.normalize(number))
    except InputError:
        existing = None
    return render_template("customers/_phone_owner.html", existing=existing)


@bp.route("/customers/<int:customer_id>")
@permission_required("customer.view")
def card(customer_id: int):
    customer = _load(customer_id)
    if customer.id != customer_id:
        return redirect(url_for("customers.card", customer_id=customer.id))
    phone_rows = list(customers.phones_of(customer))
    vehicle_rows = list(customer.live_vehicles())
    history = audit.present(audit.history_of_customer(customer.id, [v.id for v in vehicle_rows]))
    return render_template("customers/card.html", customer=customer, phones=phone_rows, vehicles=vehicle_rows,
                           stats=customers.stats(customer), sales=list(customers.purchases(customer)),
                           history=history, sections=CARD_SECTIONS, staff_names=staff.names())


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@permission_required("customer.edit")
def edit(customer_id: int):
    customer = _load(customer_id)
    error = field = None
    if request.method == "POST":
        form = request.form
        try:
            version = hidden_int(form, "version")
            if version is None:
                abort(400)
            customers.update_customer(customer, version, actor(), form.get("name", forms.KEEP),
                                      form.get("source", forms.KEEP), form.get("notes", forms.KEEP),
                                      _phones_from_form(form) if "phone" in form else forms.KEEP,
                                      kind=form.get("kind") or None)
        except InputError as exc:
            error, field = exc.message, exc.field
            log.info("customer %s edit refused: %s", customer.id, exc.message)
        else:
            flash("Изменения сохранены.")
            return redirect(url_for("customers.card", customer_id=customer.id))
    else:
        phone_rows = list(customers.phones_of(customer))
        form = {"name": customer.name, "source": customer.source, "notes": customer.notes, "kind": customer.kind,
                "version": customer.version, "phones": [(p.e164, p.kind) for p in phone_rows]}
    return render_template("customers/form.html", form=form, error=error, field=field, existing=None,
                           sources=SOURCES, customer=customer, phone_values=_phone_rows(form)), (422 if error else 200)


@bp.route("/customers/<int:customer_id>/vehicles/new", methods=["GET", "POST"])
@permission_required("vehicle.edit")
@once_per_form
def add_vehicle(customer_id: int):
    customer = _load(customer_id)
    error = field = None
    if request.method == "POST":
        try:
            customers.add_vehicle(customer, _vehicle_from_form(request.form), actor())
        except InputError as exc:
            error, field = exc.message, exc.field
        else:
            return _vehicle_saved(customer)
    return _vehicle_form(customer, None, request.form, error, field)


@bp.route("/customers/<int:customer_id>/vehicles/<int:vehicle_id>/edit", methods=["GET", "POST"])
@permission_required("vehicle.edit")
def edit_vehicle(customer_id: int, vehicle_id: int):
    customer = _load(customer_id)
    vehicle = Vehicle.get_or_none((Vehicle.id == vehicle_id) & (Vehicle.customer == customer))
    if vehicle is None:
        abort(404)
    error = field = None
    form = request.form if request.method == "POST" else {
        "make": vehicle.make, "model": vehicle.model, "year": vehicle.year or "", "vin": vehicle.vin,
        "plate": vehicle.plate, "engine": vehicle.engine, "mileage": vehicle.mileage or ""}
    if request.method == "POST":
        try:
            customers.update_vehicle(vehicle, _vehicle_from_form(request.form, keep_absent=True), actor())
        except InputError as exc:
            error, field = exc.message, exc.field
        else:
            return _vehicle_saved(customer)
    return _vehicle_form(customer, vehicle, form, error, field)


def _vehicle_saved(customer):
    """After a car is saved: the fresh list for htmx, the card for a plain form post."""
    if request.htmx:
        vehicle_rows = list(customer.live_vehicles())
        return render_template("customers/_vehicles.html", customer=customer, vehicles=vehicle_rows)
    return redirect(url_for("customers.card", customer_id=customer.id))


def _vehicle_form(customer, vehicle, form, error, field):
    """The inline car form; a refused save is shown again in place of the form, not of the list."""
    html = render_template("customers/_vehicle_form.html", customer=customer, vehicle=vehicle, form=form,
                           error=error, field=field)
    headers = {"HX-Retarget": "#vehicle-form", "HX-Reswap": "innerHTML"} if error else {}
    return html, (422 if error else 200), headers


@bp.route("/customers/duplicates")
@permission_required("customer.merge")
def duplicates():
    return render_template("customers/duplicates.html", pairs=customers.likely_duplicates())


@bp.route("/customers/merge", methods=["POST"])
@permission_required("customer.merge")
def merge():
    try:
        keep = customers.get(hidden_id(request.form, "keep"))
        drop = customers.get(hidden_id(request.form, "drop"))
        customers.merge(keep, drop, actor())
    except NotFound:
        abort(400)
    except InputError as exc:
        flash(exc.message, "error")
        return redirect(url_for("customers.duplicates"))
    flash(f"Карточки объединены: история перенесена в «{keep.name}».")
    return redirect(url_for("customers.card", customer_id=keep.id))


@bp.route("/customers/<int:customer_id>/delete", methods=["POST"])
@permission_required("customer.delete")
def delete(customer_id: int):
    """Soft delete: the card leaves search and lists; its history stays for reports and the audit log."""
    customer = _load(customer_id)
    try:
        customers.soft_delete(customer, actor(), request.form.get("reason", ""))
    except InputError as exc:
        flash(exc.message, "error")
        return redirect(url_for("customers.card", customer_id=customer.id))
    flash(f"Клиент «{customer.name}» удалён.")
    return redirect(url_for("customers.index"))
