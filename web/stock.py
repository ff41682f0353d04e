"""Stock: the morning reorder list, the mandatory assortment, analogs, price check,
supplier settings. Thin views over ``appliance.purchasing.stock_watch`` / ``price_check``."""

from __future__ import annotations

import functools
import logging
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from appliance import forms, text_files
from appliance.clock import to_local
from appliance.errors import InputError
from appliance.purchasing import analogs, price_check, stock_watch, supplier_orders
from appliance.purchasing import mandatory as mandatory_list
from appliance.purchasing import reorder as reorder_reads
from appliance.suppliers import link, registry
from db.models.suppliers import MandatoryItem, ReorderLine, SupplierAccount
from jobs import suppliers as supplier_jobs
from web import background
from web.auth import actor, permission_required
from web.forms import once_per_form

bp = Blueprint("stock", __name__)
log = logging.getLogger(__name__)

FILTER_STATES = [("", "все к заказу"), ("buy", "купить"), ("high_price", "цена высокая"),
                 ("waiting_link", "ждут связи"), ("no_offer", "нет предложений"), ("on_order", "уже в заказе"),
                 ("covered", "хватает: есть или покрыто аналогом"), ("enough", "хватает на складе"),
                 ("analog", "покрыто аналогом")]


def sparkline(points: list[tuple[object, int]], width: int = 120, height: int = 28) -> Markup:
    """A tiny server-side SVG of the best price per day."""
    if len(points) < 2:
        return Markup("")
    prices = [p for _, p in points]
    lo, hi = min(prices), max(prices)
    span = (hi - lo) or 1
    step = width / (len(points) - 1)
    coords = " ".join(f"{i * step:.1f},{height - 2 - (p - lo) / span * (height - 4):.1f}"
                      for i, p in enumerate(prices))
    title = f"цена за {len(points)} дн.: от {lo / 100:.0f} до {hi / 100:.0f} ₽"
    return Markup(f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
                  f'role="img" aria-label="{title}"><title>{title}</title>'
                  f'<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{coords}"/></svg>')


def _supplier_names() -> dict[str, str]:
    return {c: cfg.display_name for c, cfg in registry.configs().items()}


# -- the morning page --------------------------------------------------------------

@bp.route("/stock/reorder")
@permission_required("stock.use")
def reorder():
    state = request.args.get("state", "")
    supplier = request.args.get("supplier", "")
    q = request.args.get("q", "").strip()
    lines = stock_watch.reorder_lines(state=state, supplier=supplier, search=q)
    charts = {ln.id: sparkline(stock_watch.price_history(ln.item)) for ln in lines if ln.price_kop}
    others = analogs.others_map([(ln.item.article_key, ln.item.brand_key) for ln in lines])
    ctx = dict(lines=lines, charts=charts, analogs_of=others, state=state, supplier=supplier, q=q, states=FILTER_STATES,
               labels=stock_watch.STATE_LABELS, names=_supplier_names(),
               total_kop=sum((ln.price_kop or 0) * ln.qty for ln in lines if ln.ticked))
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "reorder-table":
        return render_template("stock/_reorder_table.html", **ctx)
    return render_template("stock/reorder.html", last_run=reorder_reads.last_run(), orders=reorder_reads.recent_orders(), links=link.stored_states(),
                           to_local=to_local, **ctx)


@bp.route("/stock/reorder/check", methods=["POST"])
@permission_required("stock.use")
def check_now():
    """«Проверить сейчас»: the nightly stock watch, now, in the worker (it asks every supplier)."""
    return background.start(functools.partial(supplier_jobs.stock_check_now, actor().id), "stock.check_progress",
                            url_for(".reorder"),
                            lock=supplier_jobs.STOCK_WATCH_LOCK,
                            busy="Проверка уже идёт (ночная или запущенная раньше) — дождитесь её.")


@bp.route("/stock/reorder/check/<task_id>")
@permission_required("stock.use")
def check_progress(task_id: str):
    return background.poll(task_id, "stock.check_progress")


@bp.route("/stock/reorder/<int:line_id>/tick", methods=["POST"])
@permission_required("stock.use")
def tick(line_id: int):
    ReorderLine.get_or_none(ReorderLine.id == line_id) or abort(404)
    stock_watch.set_ticked(line_id, bool(request.form.get("line")), actor())
    return Response(status=204)


@bp.route("/stock/reorder/<int:line_id>/qty", methods=["POST"])
@permission_required("stock.use")
def set_qty(line_id: int):
    ReorderLine.get_or_none(ReorderLine.id == line_id) or abort(404)
    try:
        qty = forms.whole(request.form.get("qty"), "qty", "Количество", 0, 100_000, default=0)
        line = stock_watch.set_qty(line_id, qty, actor())
    except InputError as e:
        return Response(e.message, status=422)
    return _row(line)


def _row(line: ReorderLine):
    line = reorder_reads.line(line.id)
    chart = sparkline(stock_watch.price_history(line.item)) if line.price_kop else ""
    others = analogs.others_map([(line.item.article_key, line.item.brand_key)])
    return render_template("stock/_reorder_row.html", ln=line, chart=chart, labels=stock_watch.STATE_LABELS,
                           names=_supplier_names(), analogs_of=others)


@bp.route("/stock/reorder/order", methods=["POST"])
@permission_required("stock.use")
def order_selected():
    ids = request.form.getlist("line")
    try:
        orders = supplier_orders.order_selected(ids, actor())
    except InputError as e:
        flash(e.message, "error")
        return redirect(url_for(".reorder"))
    names = _supplier_names()
    flash("Заказы поставщикам поставлены в очередь: " + ", ".join(
        f"{names.get(o.supplier, o.supplier)} ({o.lines.count()} поз.)" for o in orders)
        + ". Отправятся, как только будет связь.", "success")
    return redirect(url_for(".reorder"))


@bp.route("/stock/orders")
@permission_required("stock.use")
def orders_partial():
    return render_template("stock/_orders.html", orders=reorder_reads.recent_orders(), names=_supplier_names())


# -- mandatory assortment ------------------------------------------------------------

@bp.route("/stock/mandatory", methods=["GET", "POST"])
@permission_required("stock.use")
@once_per_form
def mandatory():
    form = {}
    refused = False
    if request.method == "POST":
        form = request.form
        try:
            item = mandatory_list.save_item(form, actor())
            flash(f"{item.article} {item.brand} добавлен в список обязательного наличия", "success")
            return redirect(url_for(".mandatory"))
        except InputError as e:
            flash(e.message, "error")
            refused = True
    q = request.args.get("q", "").strip()
    return render_template("stock/mandatory.html", items=mandatory_list.mandatory_items(q), q=q, form=form,
                           total=mandatory_list.mandatory_count()), (422 if refused else 200)


@bp.route("/stock/mandatory/<int:item_id>", methods=["POST"])
@permission_required("stock.use")
def mandatory_edit(item_id: int):
    item = MandatoryItem.get_or_none(MandatoryItem.id == item_id)
    if item is None:
        abort(404)
    if request.form.get("action") == "remove":
        mandatory_list.remove_item(item_id, actor())
        flash(f"{item.article} убран из списка", "success")
        return redirect(url_for(".mandatory"))
    try:
        mandatory_list.save_item(request.form, actor(), item=item)
        flash(f"{item.article}: сохранено", "success")
    except InputError as e:
        flash(e.message, "error")
    return redirect(url_for(".mandatory", q=request.args.get("q", "")))


@bp.route("/stock/mandatory/import", methods=["POST"])
@permission_required("stock.use")
def mandatory_import():
    text = _uploaded_text()
    try:
        n = mandatory_list.import_mandatory_csv(text, actor())
        flash(f"Загружено позиций: {n}", "success")
    except InputError as e:
        log.warning("mandatory list import refused: %s", e.message)
        flash(e.message, "error")
    return redirect(url_for(".mandatory"))


@bp.route("/stock/mandatory.csv")
@permission_required("stock.use")
def mandatory_export():
    body = mandatory_list.export_mandatory_csv().encode("cp1251", errors="replace")
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=mandatory.csv"})


def _uploaded_text() -> str:
    f = request.files.get("file")
    raw = f.read() if f else (request.form.get("text") or "").encode("utf-8")
    return text_files.decode(raw)


# -- analogs -------------------------------------------------------------------------

def _parse_parts(text: str) -> list[tuple[str, str]]:
    """One part per line: 'article brand' or 'article;brand'."""
    parts = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if ";" in line:
            a, _, b = line.partition(";")
        else:
            a, _, b = line.partition(" ")
        parts.append((a.strip(), b.strip()))
    return parts


@bp.route("/stock/analogs", methods=["GET", "POST"])
@permission_required("stock.use")
def analog_groups():
    if request.method == "POST":
        try:
            analogs.link(_parse_parts(request.form.get("parts", "")), name=request.form.get("name", ""),
                         actor=actor())
            flash("Группа аналогов сохранена", "success")
            return redirect(url_for(".analog_groups"))
        except InputError as e:
            flash(e.message, "error")
    q = request.args.get("q", "").strip()
    groups = analogs.groups(q)
    return render_template("stock/analogs.html", groups=groups, members=analogs.members_by_group(groups), q=q,
                           total=analogs.group_count())


@bp.route("/stock/analogs/member/<int:member_id>/remove", methods=["POST"])
@permission_required("stock.use")
def analog_unlink(member_id: int):
    analogs.unlink(member_id, actor())
    flash("Артикул убран из группы", "success")
    return redirect(url_for(".analog_groups"))


@bp.route("/stock/analogs/import", methods=["POST"])
@permission_required("stock.use")
def analogs_import():
    try:
        n = analogs.import_csv(_uploaded_text(), actor())
        flash(f"Загружено групп: {n}", "success")
    except InputError as e:
        log.warning("analogs import refused: %s", e.message)
        flash(e.message, "error")
    return redirect(url_for(".analog_groups"))


@bp.route("/stock/analogs.csv")
@permission_required("stock.use")
def analogs_export():
    return Response(analogs.export_csv().encode("cp1251", errors="replace"), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=analogs.csv"})


# -- price check ---------------------------------------------------------------------

@bp.route("/price-check")
@permission_required("stock.use")
def price_check_page():
    """The form, prefilled from the link; a plain GET asks nobody: the page then starts the check by
    POST (htmx on load, with the CSRF token), so a prefetch or a reopened link costs no supplier calls."""
    article, brand = _article_brand(request.args)
    ctx = dict(article=article, brand=brand, token="", return_to=request.args.get("return_to", ""),
               members=analogs.members_of(article, brand) if article and brand else [],
               sort=request.args.get("sort", "price"))
    return render_template("stock/price_check.html", **ctx, **_progress_ctx("", ctx["sort"]))


@bp.route("/price-check/start", methods=["POST"])
@permission_required("stock.use")
def price_check_start():
    """Ask every supplier (in the background); the results fragment polls for the answers."""
    article, brand = _article_brand(request.form)
    if not article:
        return Response('<p class="muted">Укажите артикул.</p>', status=422, mimetype="text/html")
    token = price_check.start(article, brand or None)
    sort = request.form.get("sort", "price")
    ctx = dict(article=article, brand=brand, token=token, return_to=request.form.get("return_to", ""), sort=sort)
    if request.headers.get("HX-Request"):
        return render_template("stock/_price_results.html", **ctx, **_progress_ctx(token, sort))
    members = analogs.members_of(article, brand) if brand else []
    return render_template("stock/price_check.html", members=members, **ctx, **_progress_ctx(token, sort))


def _article_brand(values) -> tuple[str, str]:
    try:
        return (forms.text(values.get("article"), "article", "Артикул", forms.ARTICLE_LEN),
                forms.text(values.get("brand"), "brand", "Бренд", forms.ARTICLE_LEN))
    except InputError as exc:
        flash(exc.message, "error")
        return "", ""


@bp.route("/price-check/results")
@permission_required("stock.use")
def price_check_results():
    token = request.args.get("token", "")
    sort = request.args.get("sort", "price")
    ctx = _progress_ctx(token, sort)
    if ctx["progress"] is None:
        return Response('<p class="muted">Проценка устарела — обновите страницу.</p>', mimetype="text/html")
    return render_template("stock/_price_results.html", token=token, sort=sort,
                           return_to=request.args.get("return_to", ""), article=ctx["progress"].article,
                           brand=ctx["progress"].brand, **ctx)


def _progress_ctx(token: str, sort: str) -> dict:
    prog = price_check.progress(token) if token else None
    offers = []
    if prog:
        offers = price_check.rank(prog.own + [o for a in prog.answers for o in a.offers], sort=sort)
    return {"progress": prog, "offers": offers, "pick_url": _pick_url}


def _pick_url(return_to: str, offer) -> str:
    """Where "Выбрать" goes: back to the order line form with the offer in the query."""
    if not return_to.startswith("/"):
        return ""
    params = {"supplier": offer.supplier, "article": offer.article, "brand": offer.brand, "name": offer.name,
              "price_kop": offer.price_kop, "retail_kop": offer.retail_kop or "", "days_min": offer.days_min,
              "days_max": offer.days_max, "offer_key": offer.offer_key}
    sep = "&" if "?" in return_to else "?"
    return return_to + sep + urlencode(params)


# -- supplier settings ---------------------------------------------------------------

SUPPLIER_FIELDS = ("name", "kind", "url", "login", "markup", "lead_days", "working_days", "concurrency",
                   "rate_limit", "options")


@bp.route("/stock/suppliers")
@permission_required("stock.use")
def suppliers():
    configs = sorted(registry.configs().values(), key=lambda c: c.code)
    return render_template("stock/suppliers.html", configs=configs, links=link.stored_states(),
                           label=lambda st: link.label_ru(st, to_local))


@bp.route("/stock/suppliers/new", methods=["GET", "POST"])
@bp.route("/stock/suppliers/<code>", methods=["GET", "POST"])
@permission_required("supplier.configure")
def supplier_form(code: str | None = None):
    row = SupplierAccount.get_or_none(SupplierAccount.code == code) if code else None
    ini = registry.ini_configs().get(code) if code else None
    if code and row is None and ini is None:
        abort(404)
    form = request.form if request.method == "POST" else None
    if request.method == "POST":
        try:
            row = registry.save_account(code, request.form, actor())
        except InputError as e:
            flash(e.message, "error")
        else:
            registry.reset()
            flash(f"Поставщик {row.name or row.code} сохранён.", "success")
            return _start_link_check(row.code)
    current = row or ini
    return render_template("stock/supplier_form.html", code=code, row=row, ini=ini, current=current, form=form)


def _start_link_check(code: str):
    """The supplier's «Проверить связь» runs in the worker (an internet call); the page polls its answer."""
    return background.start(functools.partial(supplier_jobs.check_supplier_link, code),
                            "stock.supplier_check_progress", url_for(".suppliers"))


@bp.route("/stock/suppliers/<code>/check", methods=["POST"])
@permission_required("stock.use")
def supplier_check(code: str):
    if code not in registry.configs():
        abort(404)
    return _start_link_check(code)


@bp.route("/stock/suppliers/link-check/<task_id>")
@permission_required("stock.use")
def supplier_check_progress(task_id: str):
    return background.poll(task_id, "stock.supplier_check_progress")
