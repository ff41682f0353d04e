"""Exchange with 1C: the machine endpoint /1c_exchange, and the staff pages under /exchange
(import log with originals, upload with a progress bar, unmatched sales, consumables)."""
from __future__ import annotations

import logging
import secrets

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from appliance import customers, forms, settings
from appliance.errors import InputError
from appliance.exchange import consumables, folder, importer, originals, progress, stock
from appliance.exchange.http_exchange import COOKIE_NAME, Exchange, ExchangeRequest
from appliance.exchange.unmatched import attach_sale, unmatched_sales
from db.models.exchange import IMPORT_KINDS, IMPORT_STATUSES, ConsumableGroup, ImportedSale, ImportLog
from jobs import exchange as exchange_jobs
from web.auth import actor, permission_required
from web.extensions import csrf
from web.forms import arg_id

bp = Blueprint("exchange", __name__)
log = logging.getLogger(__name__)

UPLOAD_KINDS = {"": "определить по файлу", "sales": "продажи", "receipts": "поступления", "stock": "остатки",
                "catalog": "каталог", "returns": "возвраты",
                "orders": "заказы покупателей"}


@bp.app_template_global("consumables_of")
def consumables_of(customer):
    """For the customer card block: last purchase per consumable group."""
    return consumables.last_bought(customer)


# ---------------------------------------------------------------- the 1C machine endpoint


@bp.route("/1c_exchange", methods=["GET", "POST"])
@bp.route("/1c_exchange.php", methods=["GET", "POST"])
@bp.route("/bitrix/admin/1c_exchange.php", methods=["GET", "POST"])  # the path 1C fills in by default
@csrf.exempt
def onec_exchange():
    auth = request.authorization
    req = ExchangeRequest(
        method=request.method,
        params={k: v for k, v in request.args.items()},
        body=request.stream if request.method == "POST" else None,
        username=auth.username if auth else None,
        password=auth.password if auth else None,
        cookie=request.cookies.get(COOKIE_NAME),
        remote_addr=request.remote_addr or "",
    )
    reply = Exchange().handle(req)
    response = Response(reply.text, status=reply.status, content_type=reply.content_type)
    for name, value in reply.cookies.items():
        response.set_cookie(name, value, httponly=True, samesite="Lax")
    return response


# ---------------------------------------------------------------- staff pages


def _log_query():
    query = ImportLog.select().order_by(ImportLog.started_at.desc(), ImportLog.id.desc())
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    if status in IMPORT_STATUSES:
        query = query.where(ImportLog.status == status)
    if kind in IMPORT_KINDS:
        query = query.where(ImportLog.kind == kind)
    return query


@bp.route("/exchange")
@permission_required("exchange.use")
def index():
    cfg = settings.get()
    entries = list(_log_query().limit(100))
    return render_template(
        "exchange/index.html",
        entries=entries,
        snapshots=stock.snapshots(),
        unmatched_count=ImportedSale.select().where(ImportedSale.status == "unmatched").count(),
        kinds=UPLOAD_KINDS,
        statuses=IMPORT_STATUSES,
        log_kinds=IMPORT_KINDS,
        exchange_url=request.url_root.rstrip("/") + "/1c_exchange",
        exchange_login=cfg.get("exchange", "login"),
        password_set=bool(cfg.get("exchange", "password")),
        drop_dir=str(_drop_dir()),
    )


def _drop_dir():
    return folder.inbox()


@bp.route("/exchange/upload", methods=["POST"])
@permission_required("exchange.use")
def upload():
    upload_file = request.files.get("file")
    kind = request.form.get("kind", "")
    if kind not in UPLOAD_KINDS:
        kind = ""
    if upload_file is None or not upload_file.filename:
        return _upload_error("Выберите файл выгрузки из 1С (XML или CSV).")
    tmp_dir = originals.exchange_dir() / "upload"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f"{secrets.token_hex(8)}.part"
    upload_file.save(tmp)
    if tmp.stat().st_size == 0:
        tmp.unlink()
        return _upload_error("Файл пустой.")
    entry = importer.queue_entry(upload_file.filename, "upload", actor(), kind)
    exchange_jobs.import_upload(entry.id, str(tmp), kind or None)
    log.info("exchange upload %s by %s -> log %s", upload_file.filename, current_user.username, entry.id)
    if request.headers.get("HX-Request"):
        return render_template("exchange/_log_row.html", e=entry, running=True)
    flash(f"Файл {upload_file.filename} принят, загружается.", "info")
    return redirect(url_for("exchange.index"))


def _upload_error(message: str):
    if request.headers.get("HX-Request"):
        return render_template("exchange/_upload_error.html", message=message), 422
    flash(message, "error")
    return redirect(url_for("exchange.index"))


@bp.route("/exchange/log/<int:log_id>")
@permission_required("exchange.use")
def log_row(log_id: int):
    entry = ImportLog.get_or_none(ImportLog.id == log_id) or abort(404)
    done, total = progress.progress_of(entry)
    return render_template("exchange/_log_row.html", e=entry, running=entry.status == "running",
                           percent=int(done * 100 / total) if total else 0)


@bp.route("/exchange/log/<int:log_id>/file")
@permission_required("exchange.use")
def download(log_id: int):
    entry = ImportLog.get_or_none(ImportLog.id == log_id) or abort(404)
    path = originals.original_path(entry)
    if path is None:
        abort(404)
    return send_file(path, as_attachment=True, download_name=entry.filename)


@bp.route("/exchange/unmatched")
@permission_required("exchange.use")
def unmatched():
    return render_template("exchange/unmatched.html", rows=list(unmatched_sales(300)))


@bp.route("/exchange/unmatched/<int:origin_id>/attach", methods=["POST"])
@permission_required("exchange.use")
def attach(origin_id: int):
    origin = ImportedSale.get_or_none(ImportedSale.id == origin_id) or abort(404)
    phone = request.form.get("phone", "").strip() or origin.phone
    name = request.form.get("name", "").strip() or origin.customer_name
    try:
        customer, created = customers.find_or_create_walk_in(phone, name, actor())
    except InputError as exc:
        if request.headers.get("HX-Request"):
            return render_template("exchange/_unmatched_row.html", o=origin, error=exc.message), 422
        flash(exc.message, "error")
        return redirect(url_for("exchange.unmatched"))
    count = attach_sale(origin, customer, actor())
    message = (f"Чек {origin.sale.number} привязан к клиенту {customer.name}"
               + (" (новый клиент)" if created else "")
               + (f"; ещё чеков по той же карте: {count - 1}" if count > 1 else "") + ".")
    if request.headers.get("HX-Request"):
        return render_template("exchange/_unmatched_row.html", o=None, done=message, customer=customer)
    flash(message, "info")
    return redirect(url_for("exchange.unmatched"))


@bp.route("/exchange/consumables")
@permission_required("exchange.use")
def consumables_page():
    group_id = arg_id("group")
    group = ConsumableGroup.get_or_none(ConsumableGroup.id == group_id) if group_id else None
    return render_template("exchange/consumables.html", groups=consumables.groups(active_only=False),
                           group=group, due=consumables.due_customers(group, limit=300))


@bp.route("/exchange/consumables/<int:group_id>", methods=["POST"])
@permission_required("exchange.use")
def consumable_update(group_id: int):
    group = ConsumableGroup.get_or_none(ConsumableGroup.id == group_id) or abort(404)
    form = request.form
    try:
        days = forms.whole(form["interval_days"], "interval_days", "Интервал замены", 1, 3650,
                           required=True) if "interval_days" in form else group.interval_days
        consumables.update_group(group, actor(), interval_days=days,
                                 product_groups=forms.text(form.get("product_groups", group.product_groups),
                                                           "product_groups", "Группы товаров", forms.NOTE_LEN,
                                                           multiline=True),
                                 keywords=forms.text(form.get("keywords", group.keywords), "keywords",
                                                     "Слова в названии", forms.NOTE_LEN, multiline=True),
                                 active=request.form.get("active") == "on")
        flash(f"Группа «{group.name}» сохранена.", "info")
    except InputError as exc:
        flash(exc.message, "error")
    return redirect(url_for("exchange.consumables_page"))
