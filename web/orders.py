"""Parts orders at the counter: list, board, order page, arrivals and slips, decisions, reports."""
from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from appliance import customers, forms, phones
from appliance.clock import local_today
from appliance.errors import InputError, NotFound
from appliance.orders import arrival, reports, slips
from appliance.orders import board as board_mod
from appliance.orders import orders as orders_mod
from appliance.orders.orders import Filters, LineInput
from db.models.customers import Customer
from db.models.orders import LINE_STATUSES, ORDER_STATUSES, Arrival, Order, OrderLine, ReceiptMatch
from jobs import orders as orders_jobs
from web import background
from web.auth import actor, permission_required, safe_next
from web.forms import arg_id, hidden_id, hidden_int, once_per_form, refused

bp = Blueprint("orders", __name__)
log = logging.getLogger(__name__)

EMPTY_LINES = 3
MAX_LINES = 60  # rows of the new-order form; more is not a parts order typed by a person




def _load(order_id: int) -> Order:
    try:
        return orders_mod.get(order_id)
    except NotFound:
        abort(404)


def _date_arg(name: str) -> dt.date | None:
    try:
        return forms.day(request.args.get(name, ""), name)
    except InputError:
        return None


@bp.app_template_global()
def customer_orders(customer) -> list[dict]:
    """The customer card's orders section: recent orders with their lines and what is due."""
    rows = orders_mod.for_customer(customer, limit=15)
    lines = orders_mod.lines_by_order([o.id for o in rows])
    return [{"order": o, "lines": lines.get(o.id, []), "due": orders_mod.due_kop(o, lines.get(o.id, [])),
             "late": orders_mod.is_late(o)} for o in rows]


@bp.app_template_global()
def open_order_matches() -> int:
    return arrival.open_matches().count()


def _tabs_context() -> dict:
    return {"matches_open": open_order_matches()}


# --- the list ------------------------------------------------------------------------------

def _filters() -> Filters:
    return Filters(status=request.args.get("status", ""), manager=arg_id("manager"),
                   supplier=request.args.get("supplier", ""), late=bool(request.args.get("late")),
                   prepaid=bool(request.args.get("prepaid")), date_from=_date_arg("date_from"),
                   date_to=_date_arg("date_to"), q=request.args.get("q", ""))


def _list_rows(filters: Filters) -> list[dict]:
    rows = list(orders_mod.search(filters))
    lines = orders_mod.lines_by_order([o.id for o in rows])
    return [{"order": o, "lines": lines.get(o.id, []), "due": orders_mod.due_kop(o, lines.get(o.id, [])),
             "late": orders_mod.is_late(o)} for o in rows]


@bp.route("/orders")
@permission_required("order.view")
def index():
    filters = _filters()
    rows = _list_rows(filters)
    if request.htmx and request.htmx.target == "order-rows":
        return render_template("orders/_rows.html", rows=rows)
    pending = arrival.waiting_for_slips(5)
    return render_template("orders/index.html", rows=rows, f=filters, statuses=ORDER_STATUSES,
                           managers=board_mod.managers(), suppliers=orders_mod.supplier_choices(), pending=pending,
                           printer_down=slips.printer_down(), **_tabs_context())


@bp.route("/orders/batch", methods=["POST"])
@permission_required("order.edit")
def batch():
    ids = forms.row_ids(request.form.getlist("order"))
    chosen = board_mod.chosen(ids)
    action = request.form.get("action", "")
    back = safe_next(request.form.get("back"), url_for("orders.index"))
    if not chosen:
        flash("Отметьте заказы галочками.", "error")
        return redirect(back)
    try:
        if action == "ordered":
            n = orders_mod.mark_ordered(chosen, actor(), request.form.get("supplier_ref", ""))
            flash(f"Отмечено «заказано»: {n} поз.")
        elif action == "slips":
            job = slips.print_slips(chosen, actor())
            flash(f"Бланки отправлены на печать: {len(chosen)} шт. (задание {job.id}).")
        elif action == "sms":
            sent = arrival.send_arrival_sms_all(chosen)
            skipped = len(chosen) - sent
            flash(f"SMS о поступлении поставлено в очередь: {sent}."
                  + (f" Пропущено {skipped}: заказ ещё не пришёл или SMS уже отправляли." if skipped else ""))
        else:
            abort(400)
    except InputError as exc:
        log.info("orders batch %s refused: %s", action, exc.message)
        flash(exc.message, "error")
    return redirect(back)


# --- the board -----------------------------------------------------------------------------

@bp.route("/orders/board")
@permission_required("order.view")
def board():
    if request.htmx and request.htmx.target == "board":
        return render_template("orders/_board.html", columns=board_mod.board())
    return render_template("orders/board.html", columns=board_mod.board(), **_tabs_context())


@bp.route("/orders/<int:order_id>/move", methods=["POST"])
@permission_required("order.edit")
def move(order_id: int):
    order = _load(order_id)
    to = request.form.get("to", "")
    error = message = None
    try:
        if to == "issued":
            error = "Выдача — на странице заказа: там указывают полученную сумму."
        elif to not in LINE_STATUSES:
            abort(400)
        else:
            moved = orders_mod.transition_order(order, to, actor(), supplier_ref=request.form.get("supplier_ref") or None)
            message = f"Заказ №{order.id}: «{LINE_STATUSES[to]}» — позиций {len(moved)}."
    except InputError as exc:
        error = exc.message
        log.info("order %s move to %s refused: %s", order_id, to, exc.message)
    if request.htmx and request.form.get("from") == "board":
        response = render_template("orders/_board.html", columns=board_mod.board(), error=error)
        return response
    if error:
        flash(error, "error")
    else:
        flash(message)
    return redirect(url_for("orders.show", order_id=order_id))


# --- new order ------------------------------------------------------------------------------

def _line_count(form, default: int) -> int:
    """How many rows the form had; junk means the default, and never more than MAX_LINES."""
    try:
        count = forms.whole(form.get("line_count"), "line_count", "Число строк", 0, 10**9, default=default)
    except InputError:
        return default
    return min(count, MAX_LINES)


def _lines_from_form(form) -> list[LineInput]:
    result = []
    for i in range(_line_count(form, EMPTY_LINES)):
        if f"article-{i}" not in form:
            continue
        result.append(LineInput(
            article=form.get(f"article-{i}", ""), brand=form.get(f"brand-{i}", ""), name=form.get(f"name-{i}", ""),
            qty=form.get(f"qty-{i}", "1"), price=form.get(f"price-{i}", ""), supplier=form.get(f"supplier-{i}", ""),
            supplier_days=form.get(f"supplier_days-{i}", ""), notify=form.get(f"notify-{i}") == "1"))
    return result


def _form_lines(form, filled: list[LineInput]) -> list[dict]:
    """Rows to show: what was typed (in its original indices) plus empty ones."""
    rows = []
    for i in range(_line_count(form, 0)):
        if f"article-{i}" in form:
            rows.append({k: form.get(f"{k}-{i}", "") for k in
                         ("article", "brand", "name", "qty", "price", "supplier", "supplier_days")}
                        | {"notify": form.get(f"notify-{i}") == "1"})
    rows = [r for r in rows if any(str(r[k]).strip() for k in ("article", "brand", "name"))]
    target = max(EMPTY_LINES, len(rows) + 1)
    while len(rows) < target:
        rows.append({"article": "", "brand": "", "name": "", "qty": "1", "price": "", "supplier": "",
                     "supplier_days": "", "notify": True})
    return rows


@bp.route("/orders/new", methods=["GET", "POST"])
@permission_required("order.create")
@once_per_form
def new():
    form = request.form if request.method == "POST" else request.args
    customer = None
    customer_id = hidden_id(form, "customer_id", required=False)
    if customer_id:
        customer = Customer.get_or_none(Customer.id == customer_id)
        if customer is None:
            abort(404)
        customer = customers.survivor(customer)
    if request.method == "POST":
        try:
            order = _create_from_form(form, customer)
        except InputError as exc:
            return refused(exc, "orders/new.html", **_new_context(form, customer))
        flash(f"Заказ №{order.id} создан. Обещали к {order.promised_date:%d.%m.%Y}.")
        return redirect(url_for("orders.show", order_id=order.id))
    return render_template("orders/new.html", **_new_context(form, customer))


def _new_context(form, customer: Customer | None) -> dict:
    vehicles = list(customer.live_vehicles()) if customer else []
    phone = ""
    if customer:
        row = customers.main_phone(customer)
        phone = row.e164 if row else ""
    return dict(form=form, customer=customer, vehicles=vehicles, phone=phone, lines=_form_lines(form, []),
                error=None, field=None, managers=board_mod.managers(), suppliers=orders_mod.supplier_choices(),
                today=local_today(), **_tabs_context())


def _create_from_form(form, customer: Customer | None) -> Order:
    lines = _lines_from_form(form)
    values = dict(manager=_manager(form) or actor(), vehicle=board_mod.vehicle(forms.row_id(form.get("vehicle"))),
                  promised_date=form.get("promised_date", ""), prepayment=form.get("prepayment", ""),
                  comment=form.get("comment", ""))
    if customer is None:
        return orders_mod.create_walk_in(form.get("phone", ""), form.get("name", ""), lines, actor(), **values)
    return orders_mod.create_order(customer, lines, actor(), **values)


def _manager(form):
    """The manager picked in the form's list; a value that is no one on the list is refused."""
    raw = form.get("manager", "")
    if not str(raw).strip():
        return None
    manager = board_mod.manager(forms.row_id(raw))
    if manager is None:
        raise InputError("Выберите менеджера из списка.", "manager")
    return manager


@bp.route("/orders/promise", methods=["POST"])
@permission_required("order.create")
def promise():
    """As lines are typed: the date the shop can promise."""
    try:
        lines = [orders_mod.clean_line(ln, i) for i, ln in enumerate(_lines_from_form(request.form))
                 if ln.article.strip()]
    except InputError as exc:
        return render_template("orders/_promise.html", error=exc.message, date=None)
    if not lines:
        return render_template("orders/_promise.html", error=None, date=None)
    date = max(orders_mod.line_expected_date(v["supplier"], v["supplier_days"]) for v in lines)
    return render_template("orders/_promise.html", error=None, date=date)


@bp.route("/orders/phone-check")
@permission_required("order.create")
def phone_check():
    try:
        existing = customers.find_by_phone(phones.normalize(request.args.get("phone", "")))
        bad = None
    except InputError as exc:
        existing, bad = None, exc.message
    return render_template("orders/_phone_owner.html", existing=existing, bad=bad,
                           typed=request.args.get("phone", "").strip())


# --- the order page ---------------------------------------------------------------------------

def _order_context(order: Order) -> dict:
    lines = orders_mod.lines_of(order)
    job = slips.print_job(order.slip_job_id)
    phone = customers.main_phone(order.customer)
    return {
        "order": order, "lines": lines, "events": orders_mod.timeline(order), "due": orders_mod.due_kop(order, lines),
        "total": orders_mod.total_kop(lines), "late": orders_mod.is_late(order),
        "supplier_note": orders_mod.supplier_settings_note(lines),
        "sms": arrival.sms_message(order.arrival_sms_id), "reminder": arrival.sms_message(order.reminder_sms_id),
        "job": job, "printer_down": slips.printer_down(), "phone": phone.e164 if phone else "",
        "allowed": orders_mod.ALLOWED, "line_statuses": LINE_STATUSES, "managers": board_mod.managers(),
        "supplier_names": dict(orders_mod.supplier_choices()), "suppliers": orders_mod.supplier_choices(),
        "problems": board_mod.problems(order),
        "hold_until": arrival.hold_until(order) if order.arrived_at else None,
        **board_mod.actions(lines),
        **_tabs_context(),
    }


@bp.route("/orders/<int:order_id>")
@permission_required("order.view")
def show(order_id: int):
    order = _load(order_id)
    return render_template("orders/show.html", **_order_context(order))


def _back_to(order: Order, message: str | None = None, error: str | None = None):
    if error:
        flash(error, "error")
    elif message:
        flash(message)
    return redirect(url_for("orders.show", order_id=order.id))


@bp.route("/orders/<int:order_id>/lines/<int:line_id>/status", methods=["POST"])
@permission_required("order.edit")
def line_status(order_id: int, line_id: int):
    order = _load(order_id)
    line = OrderLine.get_or_none((OrderLine.id == line_id) & (OrderLine.order == order))
    if line is None:
        abort(404)
    to = request.form.get("to", "")
    try:
        if to == "arrived":
            arrival.arrive_lines([line], actor(), title=f"Отмечено вручную: заказ №{order.id}")
        elif to == "issued":
            return _back_to(order, error="Выдача — кнопкой «Выдать» с суммой, полученной от клиента.")
        elif to in ("refused", "cancelled", "returned"):
            orders_mod.transition(line, to, actor(), reason=request.form.get("reason") or request.form.get("supplier_ref", ""))
        else:
            orders_mod.transition(line, to, actor(), supplier_ref=request.form.get("supplier_ref") or None)
    except InputError as exc:
        log.info("order %s line %s -> %s refused: %s", order_id, line_id, to, exc.message)
        return _back_to(order, error=exc.message)
    return _back_to(order, f"{line.article}: {LINE_STATUSES.get(to, to)}.")


@bp.route("/orders/<int:order_id>/issue", methods=["POST"])
@permission_required("order.issue")
def issue(order_id: int):
    order = _load(order_id)
    ids = forms.row_ids(request.form.getlist("line")) or None
    try:
        issued = orders_mod.issue(order, actor(), request.form.get("paid", ""), ids)
    except InputError as exc:
        log.info("order %s issue refused: %s", order_id, exc.message)
        return _back_to(order, error=exc.message)
    return _back_to(order, f"Выдано позиций: {len(issued)}. Спасибо!")


@bp.route("/orders/<int:order_id>/copy", methods=["POST"])
@permission_required("order.create")
@once_per_form
def copy(order_id: int):
    order = _load(order_id)
    try:
        new_order = orders_mod.copy_order(order, actor())
    except InputError as exc:
        return _back_to(order, error=exc.message)
    flash(f"Создан заказ №{new_order.id} — копия №{order.id}. Проверьте позиции и закажите.")
    return redirect(url_for("orders.show", order_id=new_order.id))


@bp.route("/orders/<int:order_id>/edit", methods=["POST"])
@permission_required("order.edit")
def edit(order_id: int):
    order = _load(order_id)
    form = request.form
    version = hidden_int(form, "version")
    if version is None:
        abort(400)
    try:
        manager = _manager(form)
        orders_mod.update_order(order, actor(), version=version,
                                promised_date=form.get("promised_date"), prepayment=form.get("prepayment"),
                                comment=form.get("comment"), shelf_place=form.get("shelf_place"), manager=manager)
    except InputError as exc:
        return _back_to(order, error=exc.message)
    return _back_to(order, "Изменения сохранены.")


@bp.route("/orders/<int:order_id>/lines", methods=["POST"])
@permission_required("order.edit")
@once_per_form
def add_line(order_id: int):
    order = _load(order_id)
    form = request.form
    item = LineInput(form.get("article", ""), form.get("brand", ""), form.get("name", ""), form.get("qty", "1"),
                     form.get("price", ""), form.get("supplier", ""), form.get("supplier_days", ""),
                     form.get("notify", "1") == "1")
    try:
        line = orders_mod.add_line(order, item, actor())
    except InputError as exc:
        return _back_to(order, error=exc.message)
    return _back_to(order, f"Добавлена позиция {line.article}.")


@bp.route("/orders/<int:order_id>/delete", methods=["POST"])
@permission_required("order.delete")
def delete(order_id: int):
    order = _load(order_id)
    try:
        orders_mod.soft_delete(order, actor(), request.form.get("reason", ""))
    except InputError as exc:
        return _back_to(order, error=exc.message)
    flash(f"Заказ №{order.id} удалён.")
    return redirect(url_for("orders.index"))


@bp.route("/orders/<int:order_id>/order-api", methods=["POST"])
@permission_required("order.edit")
def order_api(order_id: int):
    order = _load(order_id)
    try:
        n = orders_mod.order_through_api(order, actor())
    except InputError as exc:
        return _back_to(order, error=exc.message)
    return _back_to(order, f"Позиций передано поставщикам через API: {n}. Номер заказа у поставщика появится здесь.")


@bp.route("/orders/<int:order_id>/slip", methods=["POST"])
@permission_required("order.receive")
def print_slip(order_id: int):
    order = _load(order_id)
    try:
        job = slips.print_slips([order], actor())
    except InputError as exc:
        return _back_to(order, error=exc.message)
    return _back_to(order, f"Бланк отправлен на печать (задание {job.id}).")


@bp.route("/orders/<int:order_id>/sms", methods=["POST"])
@permission_required("sms.send")
def send_sms(order_id: int):
    order = _load(order_id)
    message = arrival.send_arrival_sms(order)
    if message is None:
        return _back_to(order, error="SMS не отправлено: заказ ещё не пришёл целиком или SMS уже отправляли.")
    return _back_to(order, "SMS о поступлении поставлено в очередь.")


# --- arrivals, slips, decisions ----------------------------------------------------------------

@bp.route("/orders/arrivals/<int:arrival_id>", methods=["GET", "POST"])
@permission_required("order.view")
def arrival_slips(arrival_id: int):
    row = Arrival.get_or_none(Arrival.id == arrival_id)
    if row is None:
        abort(404)
    orders = arrival.arrival_orders(row)
    if request.method == "POST":
        ids = set(forms.row_ids(request.form.getlist("order")))
        chosen = [o for o in orders if o.id in ids]
        try:
            job = slips.print_slips(chosen, actor(), batch_name=f"{row.title}: бланки ({len(chosen)})", arrival=row)
        except InputError as exc:
            flash(exc.message, "error")
        else:
            flash(f"Отправлено на печать одним заданием: {len(chosen)} бланк(ов). Задание {job.id}.")
        return redirect(url_for("orders.arrival_slips", arrival_id=arrival_id))
    lines = orders_mod.lines_by_order([o.id for o in orders])
    matches = list(arrival.open_matches(row.id))
    return render_template("orders/arrival.html", arrival=row, orders=orders, lines=lines, matches=matches,
                           job=slips.print_job(row.slips_job_id), printer_down=slips.printer_down(),
                           **_tabs_context())


@bp.route("/orders/arrive", methods=["GET", "POST"])
@permission_required("order.receive")
def arrive():
    """Goods came without a 1C receipt yet: scan the supplier's label or type the article."""
    result = None
    if request.method == "POST":
        try:
            result = arrival.arrive_typed(request.form.get("article", ""), request.form.get("brand", ""),
                                          request.form.get("qty", "1"), actor())
        except InputError as exc:
            return refused(exc, "orders/arrive.html", result=None, **_arrive_context())
    return render_template("orders/arrive.html", result=result, error=None, **_arrive_context())


def _arrive_context() -> dict:
    return dict(recent=list(arrival.recent_arrivals(10)), form=request.form, **_tabs_context())


@bp.route("/orders/matches")
@permission_required("order.view")
def matches():
    arrival_id = arg_id("arrival")
    items = [(m, arrival.match_candidates(m)) for m in arrival.open_matches(arrival_id)]
    return render_template("orders/matches.html", items=items, **_tabs_context())


@bp.route("/orders/matches/<int:match_id>", methods=["POST"])
@permission_required("order.receive")
def decide(match_id: int):
    match = ReceiptMatch.get_or_none(ReceiptMatch.id == match_id)
    if match is None:
        abort(404)
    try:
        if request.form.get("action") == "dismiss":
            arrival.dismiss_match(match, actor(), request.form.get("comment", ""))
            flash(f"{match.article}: оставлено на складе.")
        else:
            ids = forms.row_ids(request.form.getlist("line"))
            result = arrival.resolve_match(match, ids, actor(), request.form.get("comment", ""))
            flash(f"{match.article}: отдано в заказ(ы) " + ", ".join(f"№{o.id}" for o in result.orders) + ".")
    except InputError as exc:
        flash(exc.message, "error")
    return redirect(url_for("orders.matches"))


# --- reports and checks ----------------------------------------------------------------------------

@bp.route("/orders/reports")
@permission_required("order.report")
def report():
    today = local_today()
    date_to = _date_arg("date_to") or today
    date_from = _date_arg("date_from") or reports.default_from(date_to)
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    return render_template("orders/reports.html", r=reports.build(date_from, date_to), **_tabs_context())


@bp.route("/orders/track", methods=["POST"])
@permission_required("order.report")
def track_now():
    """«Проверить сейчас»: the tracking check (with supplier statuses) runs in the worker."""
    return background.start(orders_jobs.track_orders_now, "orders.track_progress",
                            safe_next(request.form.get("back"), url_for("orders.index")))


@bp.route("/orders/track/<task_id>")
@permission_required("order.report")
def track_progress(task_id: str):
    return background.poll(task_id, "orders.track_progress")
