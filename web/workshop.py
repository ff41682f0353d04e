"""The workshop: the bay schedule, work orders, the wall tablet and the website's booking endpoint.

Who may do what is the permission table (appliance.permissions, README «Права доступа»):
staff plan and edit, the desk prices, hands over and cancels; the `display` role (the wall
tablet, logged in by a device token) sees only today's board and may post only the three
board statuses, attributed to a mechanic, when the owner allows it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user

from appliance import audit, clock, customers, forms, permissions, phones, settings
from appliance.clock import local_to_utc, to_local
from appliance.customers import VehicleInput
from appliance.errors import InputError
from appliance.workshop import (
    bookings,
    devices,
    inspections,
    planning,
    reports,
    schedule,
    website,
    work_orders,
)
from appliance.workshop.work_orders import OrderInput
from db.models.customers import Customer
from db.models.workshop import BOOKING_SOURCES, KINDS, SEVERITIES, STATUSES, Booking, DeviceToken, WorkOrder
from web.auth import actor, permission_required, safe_next
from web.extensions import csrf
from web.forms import arg_id, once_per_form, refused

bp = Blueprint("workshop", __name__)
log = logging.getLogger(__name__)





def _day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else clock.local_today()
    except ValueError:
        return clock.local_today()


def _when(day: str | None, hhmm: str | None, field: str) -> dt.datetime:
    """A date and an HH:MM typed in shop time -> naive UTC."""
    try:
        date = dt.date.fromisoformat((day or "").strip())
        hh, mm = (hhmm or "").strip().split(":")[:2]
        return local_to_utc(dt.datetime.combine(date, dt.time(int(hh), int(mm))))
    except (ValueError, OverflowError):
        raise InputError("Укажите дату и время, например 23.11.2026 10:30.", field) from None


# What each picked id is, for the message when the form sends something else.
_REF_LABELS = {"bay": "Пост", "vehicle": "Автомобиль", "mechanic": "Механик", "inspection": "Осмотр",
               "booking": "Запись", "customer": "Клиент", "order_line": "Позиция заказа"}


def _int(value, field: str) -> int | None:
    """An id from a select or a hidden field of the form."""
    return forms.ref(value, field, _REF_LABELS[field])


def _mileage(value) -> int | None:
    return forms.whole(value, "mileage", "Пробег", 0, 3_000_000)


def _load(wo_id: int) -> WorkOrder:
    wo = work_orders.get(wo_id)
    if wo is None:
        abort(404)
    return wo


def _shop_epoch_ms() -> int:
    return int(clock.utcnow().replace(tzinfo=dt.UTC).timestamp() * 1000)


@bp.after_request
def _shop_time_header(response):
    """The tablet shows the box's clock (a wall tablet off the internet drifts)."""
    response.headers["X-Shop-Time"] = str(_shop_epoch_ms())
    return response


@bp.app_template_global()
def workshop_orders_for(customer) -> list:
    """Rows for the customer card's «Ремонты» section."""
    return work_orders.for_customer(customer.id, limit=20)


@bp.app_template_global()
def workshop_repair_stats(customer):
    """All-time repair visits of a customer, for the card."""
    return reports.repair_visits(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1), customer.id)


# --- the schedule ---------------------------------------------------------------------

@bp.route("/workshop", endpoint="schedule")
@permission_required("workshop.view")
def schedule_page():
    day = _day(request.args.get("date"))
    highlight = arg_id("booking")
    if highlight and not request.args.get("date"):
        booking = Booking.get_or_none(Booking.id == highlight)
        if booking and booking.wish_at:
            day = to_local(booking.wish_at).date()
    return render_template("workshop/schedule.html", grid=schedule.day_grid(day), highlight=highlight,
                           prev_day=day - dt.timedelta(days=1), next_day=day + dt.timedelta(days=1))


@bp.route("/workshop/grid")
@permission_required("workshop.view")
def grid():
    return render_template("workshop/_grid.html", grid=schedule.day_grid(_day(request.args.get("date"))))


@bp.route("/workshop/week")
@permission_required("workshop.view")
def week():
    day = _day(request.args.get("date"))
    monday = day - dt.timedelta(days=day.weekday())
    return render_template("workshop/week.html", week=schedule.week_grid(monday), today=clock.local_today(),
                           prev_week=monday - dt.timedelta(days=7), next_week=monday + dt.timedelta(days=7))


def _id(value) -> int:
    """A row id from a form or a query string; junk becomes 0, which matches nothing."""
    return forms.row_id(value) or 0


def _form_context(form):
    booking = Booking.get_or_none(Booking.id == _id(form.get("booking_id"))) if form.get("booking_id") else None
    customer = None
    if booking:
        customer = booking.customer
    elif form.get("customer_id"):
        customer = Customer.get_or_none(Customer.id == _id(form.get("customer_id")))
    elif form.get("phone"):
        try:
            customer = customers.find_by_phone(phones.normalize(form.get("phone")))
        except InputError:
            customer = None
    vehicles = list(customer.live_vehicles()) if customer else []
    inspection = None
    if booking and booking.vehicle_id:
        inspection = inspections.open_inspection(booking.vehicle)
    recent = [] if booking else inspections.recent_for(customer)
    open_ids = {i.id for i in (inspections.open_inspection(v) for v in vehicles) if i}
    return {"form": form, "booking": booking, "customer": customer, "vehicles": vehicles, "error": None,
            "field": None, "bays": schedule.active_bays(), "mechanics": work_orders.mechanics(), "kinds": KINDS,
            "inspection": inspection, "hours": schedule.hours(), "inspections": recent, "open_ids": open_ids}


@bp.route("/workshop/new")
@permission_required("work_order.plan")
def new_order():
    """The dialog after a click on an empty slot (or a booking dropped onto the grid)."""
    form = dict(request.args.items())
    if form.get("booking_id"):
        booking = Booking.get_or_none(Booking.id == _id(form["booking_id"]))
        if booking is not None:
            form.setdefault("complaint", work_orders.booking_complaint(booking))
            form.update(planning.wished_slot(booking, form))
    if form.get("start") and not form.get("end"):
        end = planning.default_end(form["start"])
        if end:
            form["end"] = end
    form.setdefault("date", clock.local_today().isoformat())
    return render_template("workshop/_order_form.html", **_form_context(form))


@bp.route("/workshop/customer-vehicles")
@permission_required("work_order.plan")
def customer_vehicles():
    return render_template("workshop/_customer_pick.html", **_form_context(dict(request.args.items())))


@bp.route("/workshop/work-orders", methods=["POST"])
@permission_required("work_order.plan")
@once_per_form
def create_order():
    form = request.form
    try:
        start = _when(form.get("date"), form.get("start"), "start")
        end = _when(form.get("date"), form.get("end"), "end")
        data = OrderInput(customer_id=0, bay_id=_int(form.get("bay"), "bay") or 0, start=start, end=end,
                          vehicle_id=_int(form.get("vehicle_id"), "vehicle"), mechanic_id=_int(form.get("mechanic"), "mechanic"),
                          kind=form.get("kind", "repair"), complaint=form.get("complaint", ""),
                          mileage=_mileage(form.get("mileage")),
                          **_inspection_choice(form))
        car = VehicleInput(make=form.get("make", ""), model=form.get("model", ""), plate=form.get("plate", ""))
        booking_id = _int(form.get("booking_id"), "booking")
        customer_id = None if booking_id else _int(form.get("customer_id"), "customer")
        wo = planning.plan(data, actor(), booking_id=booking_id, customer_id=customer_id,
                           phone=form.get("phone", ""), name=form.get("name", ""), car=car)
    except InputError as exc:
        return refused(exc, "workshop/_order_form.html", **_form_context(form))
    if request.htmx:
        day = to_local(wo.planned_start).date()
        if form.get("shown") and form.get("shown") != day.isoformat():
            response = make_response("", 204)
            response.headers["HX-Redirect"] = url_for("workshop.schedule", date=day.isoformat())
            return response
        grid = schedule.day_grid(day)
        response = make_response(render_template("workshop/_grid.html", grid=grid)
                                 + render_template("workshop/_unplanned.html", grid=grid, oob=True, highlight=None))
        response.headers["HX-Retarget"] = "#schedule-grid"
        response.headers["HX-Reswap"] = "outerHTML"
        # JSON with \u escapes: a header must stay ASCII.
        response.headers["HX-Trigger"] = json.dumps({"workshop-saved": f"Заказ-наряд {wo.number} запланирован."})
        return response
    flash(f"Заказ-наряд {wo.number} запланирован.")
    return redirect(url_for("workshop.order", wo_id=wo.id))


def _inspection_choice(form) -> dict:
    """Which inspection a new repair follows: the dialog's «По итогам осмотра» choice (none chosen
    means none), else the booking dialog's checkbox, else the car's open inspection by default."""
    if "inspection_choice" in form:
        chosen = _int(form.get("inspection_choice"), "inspection") if form.get("kind", "repair") == "repair" else None
        return {"inspection_id": chosen, "link_open_inspection": False}
    return {"inspection_id": _int(form.get("inspection_id"), "inspection") if form.get("link_inspection") else None,
            "link_open_inspection": not form.get("inspection_id") or bool(form.get("link_inspection"))}


@bp.route("/workshop/work-orders/<int:wo_id>/move", methods=["POST"])
@permission_required("work_order.plan")
def move(wo_id: int):
    """Drag/resize from workshop.js: 200 with the fresh grid, or 409 with the reason."""
    wo = _load(wo_id)
    form = request.form
    try:
        start = _when(form.get("date"), form.get("start"), "start")
        end = _when(form.get("date"), form.get("end"), "end")
        bay_id = _int(form.get("bay"), "bay") or wo.bay_id
        wo = work_orders.move(wo, bay_id, start, end, actor())
    except InputError as exc:
        log.info("move of work order %s refused: %s", wo_id, exc.message)
        if not request.htmx:
            flash(exc.message, "error")
            return redirect(url_for("workshop.order", wo_id=wo_id))
        return jsonify(error=exc.message), 409
    if not request.htmx:
        flash(f"{wo.number} перенесён: {wo.bay.name}, {to_local(wo.planned_start):%d.%m %H:%M}–{to_local(wo.planned_end):%H:%M}.")
        return redirect(url_for("workshop.order", wo_id=wo_id))
    return render_template("workshop/_grid.html", grid=schedule.day_grid(to_local(wo.planned_start).date()))


# --- the work order -------------------------------------------------------------------

def _order_context(wo: WorkOrder):
    return {"wo": wo, "totals": work_orders.totals(wo), "history": work_orders.history(wo),
            "transitions": planning.desk_actions(wo, actor()),
            "mechanics": work_orders.mechanics(), "kinds": KINDS, "severities": SEVERITIES,
            "repairs": list(wo.repairs), "error": None, "field": None,
            "open_inspection": inspections.open_inspection(wo.vehicle) if planning.offers_inspection(wo) else None,
            "order_lines": work_orders.order_lines_for(wo) if planning.takes_order_parts(wo) else [],
            "order_statuses": work_orders.order_line_statuses(wo),
            "wo_day": to_local(wo.planned_start).date().isoformat(),
            "bays": schedule.active_bays(), "movable": planning.movable(wo),
            "wo_start": to_local(wo.planned_start).strftime("%H:%M"), "wo_end": to_local(wo.planned_end).strftime("%H:%M"), "audit_entries": list(audit.history("work_order", wo.id, 30))}


@bp.route("/workshop/work-orders/<int:wo_id>")
@permission_required("workshop.view")
def order(wo_id: int):
    return render_template("workshop/order.html", **_order_context(_load(wo_id)))


@bp.route("/workshop/work-orders/<int:wo_id>", methods=["POST"])
@permission_required("work_order.edit")
def update_order(wo_id: int):
    wo = _load(wo_id)
    form = request.form
    try:
        keep = forms.KEEP
        work_orders.update(wo, actor(), form.get("complaint", keep), form.get("recommendations", keep),
                           _mileage(form["mileage"]) if "mileage" in form else keep,
                           _int(form["mechanic"], "mechanic") if "mechanic" in form else keep,
                           form.get("kind") or None)
    except InputError as exc:
        return refused(exc, "workshop/order.html", **_order_context(wo))
    flash("Заказ-наряд сохранён.")
    return redirect(url_for("workshop.order", wo_id=wo.id))


@bp.route("/workshop/work-orders/<int:wo_id>/status", methods=["POST"])
@permission_required("workshop.view")
def status(wo_id: int):
    wo = _load(wo_id)
    try:
        wo = work_orders.set_status(wo, request.form.get("status", ""), actor(), note=request.form.get("note", ""))
    except InputError as exc:
        flash(exc.message, "error")
    else:
        flash(f"{wo.number}: {wo.status_label}.")
    return redirect(safe_next(request.form.get("next"), url_for("workshop.order", wo_id=wo.id)))


@bp.route("/workshop/work-orders/<int:wo_id>/lines", methods=["POST"])
@permission_required("work_line.add")
@once_per_form
def add_line(wo_id: int):
    wo = _load(wo_id)
    form = request.form
    try:
        if form.get("line") == "work":
            work_orders.add_work(wo, form.get("work_name"), form.get("norm_hours"), form.get("work_price"), actor())
        elif form.get("line") == "part":
            work_orders.add_part(wo, form.get("part_name"), form.get("qty"), form.get("part_price"), actor(),
                                 article=form.get("article", ""), brand=form.get("brand", ""),
                                 source=form.get("part_source", "stock"))
        elif form.get("line") == "order_line":
            work_orders.add_part_from_order(wo, _int(form.get("order_line_id"), "order_line") or 0, actor())
        elif form.get("line") == "finding":
            work_orders.add_finding(wo, form.get("finding"), form.get("severity", "soon"), form.get("estimate"), actor())
        else:
            abort(400)
    except InputError as exc:
        return refused(exc, "workshop/order.html", **_order_context(wo))
    return redirect(url_for("workshop.order", wo_id=wo.id) + "#lines")


@bp.route("/workshop/work-orders/<int:wo_id>/lines/<kind>/<int:line_id>/delete", methods=["POST"])
@permission_required("work_line.remove")
def delete_line(wo_id: int, kind: str, line_id: int):
    wo = _load(wo_id)
    try:
        work_orders.remove_line(wo, kind, line_id, actor())
    except InputError as exc:
        flash(exc.message, "error")
    return redirect(url_for("workshop.order", wo_id=wo.id) + "#lines")


@bp.route("/workshop/work-orders/<int:wo_id>/lines/<kind>/<int:line_id>/price", methods=["POST"])
@permission_required("work_line.price")
def price_line(wo_id: int, kind: str, line_id: int):
    wo = _load(wo_id)
    try:
        work_orders.set_price(wo, kind, line_id, request.form.get("price"), actor())
    except InputError as exc:
        return refused(exc, "workshop/order.html", **_order_context(wo))
    return redirect(url_for("workshop.order", wo_id=wo.id) + "#lines")


@bp.route("/workshop/work-orders/<int:wo_id>/inspection", methods=["POST"])
@permission_required("work_order.edit")
def link_inspection(wo_id: int):
    wo = _load(wo_id)
    try:
        work_orders.link_inspection(wo, _int(request.form.get("inspection_id"), "inspection"), actor())
    except InputError as exc:
        flash(exc.message, "error")
    return redirect(url_for("workshop.order", wo_id=wo.id))


@bp.route("/workshop/work-orders/<int:wo_id>/print")
@permission_required("workshop.view")
def print_order(wo_id: int):
    wo = _load(wo_id)
    return render_template("workshop/print.html", wo=wo, totals=work_orders.totals(wo),
                           shop_phone=settings.get().get("app", "shop_phone"))


@bp.route("/workshop/work-orders/<int:wo_id>/key-label", methods=["POST"])
@permission_required("work_order.edit")
def key_label(wo_id: int):
    wo = _load(wo_id)
    try:
        work_orders.print_key_label(wo, actor())
    except InputError as exc:
        flash(exc.message, "error")
    else:
        flash("Этикетка для ключей отправлена на принтер.")
    return redirect(url_for("workshop.order", wo_id=wo.id))


# --- bookings -------------------------------------------------------------------------

@bp.route("/workshop/bookings/new", methods=["GET", "POST"])
@permission_required("booking.create")
@once_per_form
def new_booking():
    form = request.form if request.method == "POST" else request.args
    customer = Customer.get_or_none(Customer.id == _id(form.get("customer_id"))) if form.get("customer_id") else None
    if request.method == "POST":
        try:
            wish = None
            if form.get("wish_date"):
                wish = _when(form.get("wish_date"), form.get("wish_time") or "09:00", "wish_at")
            data = bookings.BookingInput(
                phone=form.get("phone", ""), name=form.get("name", ""),
                customer_id=customer.id if customer else None, vehicle_id=_int(form.get("vehicle_id"), "vehicle"),
                vehicle_text=form.get("vehicle_text", ""), complaint=form.get("complaint", ""), wish_at=wish,
                source=form.get("source", "phone"))
            booking = bookings.create_booking(data, actor())
        except InputError as exc:
            return refused(exc, "workshop/booking_form.html", **_booking_context(form, customer))
        flash(f"Запись добавлена: {bookings.describe(booking)}. Перетащите её на сетку, чтобы запланировать.")
        day = to_local(booking.wish_at).date().isoformat() if booking.wish_at else None
        return redirect(url_for("workshop.schedule", date=day, booking=booking.id))
    return render_template("workshop/booking_form.html", **_booking_context(form, customer))


def _booking_context(form, customer: Customer | None) -> dict:
    vehicles = list(customer.live_vehicles()) if customer else []
    return dict(form=form, customer=customer, vehicles=vehicles, sources=BOOKING_SOURCES, error=None, field=None)


@bp.route("/workshop/bookings/<int:booking_id>/cancel", methods=["POST"])
@permission_required("booking.cancel")
def cancel_booking(booking_id: int):
    booking = Booking.get_or_none(Booking.id == booking_id)
    if booking is None:
        abort(404)
    try:
        bookings.cancel(booking, actor(), request.form.get("reason", ""))
    except InputError as exc:
        flash(exc.message, "error")
    else:
        flash("Запись отменена.")
    return redirect(url_for("workshop.schedule"))


# --- the wall tablet ------------------------------------------------------------------

def _board_html() -> tuple[str, str]:
    data = schedule.board(clock.local_today())
    body = render_template("workshop/_board_columns.html", board=data, statuses=STATUSES,
                           now_local=to_local(data["now"]))
    return body, hashlib.sha1(body.encode("utf-8")).hexdigest()[:16]


@bp.route("/workshop/board")
@permission_required("workshop.board")
def board():
    body, version = _board_html()
    return render_template("workshop/board.html", body=body, version=version, today=clock.local_today(),
                           rendered=time.time_ns() // 1000,
                           shop_tz=settings.get().get("app", "timezone"), now_ms=_shop_epoch_ms(),
                           refresh=settings.get().getint("workshop", "board_refresh_seconds") or 5)


@bp.route("/workshop/board/grid")
@permission_required("workshop.board")
def board_grid():
    """Polled by the tablet: 204 when nothing changed, so the screen never redraws for nothing."""
    body, version = _board_html()
    if request.args.get("v") == version:
        return "", 204
    return render_template("workshop/_board.html", body=body, version=version, rendered=time.time_ns() // 1000,
                           refresh=settings.get().getint("workshop", "board_refresh_seconds") or 5)


def _popup(wo: WorkOrder, error: str | None = None, done: str | None = None):
    return render_template("workshop/_board_popup.html", wo=wo, totals=work_orders.totals(wo), error=error, done=done,
                           actions=planning.tablet_actions(wo), may_change=planning.tablet_may_change(actor(), wo),
                           mechanics=work_orders.mechanics(), is_display=planning.is_tablet(current_user))


@bp.route("/workshop/board/wo/<int:wo_id>")
@permission_required("workshop.board")
def board_popup(wo_id: int):
    wo = _load(wo_id)
    permissions.require(actor(), "workshop.board", wo)
    return _popup(wo)


@bp.route("/workshop/board/wo/<int:wo_id>/status", methods=["POST"])
@permission_required("workshop.board")
def board_status(wo_id: int):
    wo = _load(wo_id)
    permissions.require(actor(), "workshop.board", wo)
    try:
        wo = work_orders.board_set_status(wo, request.form.get("status", ""), _int(request.form.get("mechanic"), "mechanic"),
                                          actor())
    except InputError as exc:
        log.info("board status refused for work order %s: %s", wo_id, exc.message)
        return _popup(wo, error=exc.message), 422
    except permissions.PermissionDenied as exc:
        # 422 like any refused tap: the popup shows why; the tablet reads 403 as "token revoked".
        log.info("board status refused for work order %s: %s", wo_id, exc.message)
        return _popup(wo, error=exc.message), 422
    response = make_response(_popup(wo, done=f"Отмечено: {wo.status_label}."))
    response.headers["HX-Trigger"] = "board-refresh"
    return response


@bp.route("/workshop/device/<token>")
def device_login(token: str):
    """The tablet opens this URL once; it stays logged in as its display account."""
    row = devices.find(token, "display")
    if row is None:
        log.warning("display login refused from %s: unknown or revoked token", request.remote_addr)
        return render_template("error.html", code=401,
                               message="Ссылка табло недействительна или отозвана. Попросите владельца выдать новую."), 401
    session.clear()
    login_user(row.staff, remember=True, duration=dt.timedelta(days=365))
    audit.record(row.staff, "login", row.staff, note=f"табло «{row.name}»")
    return redirect(url_for("workshop.board"))


@bp.route("/workshop/devices", methods=["GET", "POST"])
@permission_required("workshop.devices")
def devices_page():
    created = None
    if request.method == "POST":
        try:
            row, token = devices.create(request.form.get("kind", "display"), request.form.get("name", ""), actor())
        except InputError as exc:
            return refused(exc, "workshop/devices.html", **_devices_context(None))
        if row.kind == "display":
            created = (row, url_for("workshop.device_login", token=token, _external=True))
        else:
            created = (row, token)
    return render_template("workshop/devices.html", **_devices_context(created))


def _devices_context(created) -> dict:
    return dict(rows=devices.listing(), created=created, error=None, kinds=devices.KINDS,
                may_change=work_orders.mechanics_may_change_status())


@bp.route("/workshop/devices/permission", methods=["POST"])
@permission_required("workshop.devices")
def board_permission():
    allowed = request.form.get("allowed") == "yes"
    work_orders.set_mechanics_may_change_status(allowed, actor())
    flash("Механики могут отмечать работу с табло." if allowed else "Отметки с табло выключены: табло только показывает.")
    return redirect(url_for("workshop.devices_page"))


@bp.route("/workshop/devices/<int:token_id>/revoke", methods=["POST"])
@permission_required("workshop.devices")
def revoke_device(token_id: int):
    row = DeviceToken.get_or_none(DeviceToken.id == token_id)
    if row is None:
        abort(404)
    devices.revoke(row, actor())
    flash(f"Доступ «{row.name}» отозван.")
    return redirect(url_for("workshop.devices_page"))


# --- reports --------------------------------------------------------------------------

@bp.route("/workshop/reports")
@permission_required("workshop.reports")
def reports_page():
    today = clock.local_today()
    start_day = _day(request.args.get("from")) if request.args.get("from") else today.replace(day=1)
    end_day = _day(request.args.get("to")) if request.args.get("to") else today
    start, end = clock.days_span(start_day, end_day)
    return render_template("workshop/reports.html", start_day=start_day, end_day=end_day,
                           conversion=reports.inspection_conversion(start, end),
                           visits=reports.repair_visits(start, end), counts=reports.status_counts(start, end),
                           statuses=STATUSES)


# --- the website's machine endpoint -----------------------------------------------------

@bp.route("/api/website/bookings", methods=["POST"])
@csrf.exempt
def api_website_booking():
    token = website.authenticate(request.headers.get("Authorization") or request.headers.get("X-Api-Token"))
    if token is None:
        log.warning("website booking refused from %s: missing or bad token", request.remote_addr)
        return jsonify(error="Нет токена или токен неверный."), 401
    payload = request.get_json(silent=True)
    if payload is None:
        return jsonify(error="Тело запроса должно быть JSON."), 422
    try:
        booking, created = website.submit(token, payload)
    except InputError as exc:
        log.info("website booking from token %s refused: %s (%s)", token.id, exc.message, exc.field)
        return jsonify(error=exc.message, field=exc.field), 422
    return jsonify(id=booking.id, status=booking.status, created=created), (201 if created else 200)
