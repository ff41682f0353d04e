"""The owner's dashboard (/analytics), the list behind a figure, its CSV, and a manager's
«Мои показатели» (/analytics/me). Thin: parse the period, call appliance.analytics, render."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, render_template, request
from flask_login import current_user
from markupsafe import Markup

from appliance import permissions
from appliance.analytics import dashboard, period
from appliance.errors import InputError
from web import formatting
from web.auth import permission_required

bp = Blueprint("analytics", __name__)
log = logging.getLogger(__name__)


def _period() -> tuple[period.Period, str | None, str | None]:
    """The chosen period, or this month and the Russian reason when the choice is bad."""
    args = request.args
    try:
        return period.make(args.get("period", "month"), args.get("from", ""), args.get("to", "")), None, None
    except InputError as exc:
        log.info("%s %s refused: %s (%s)", request.method, request.path, exc.message, exc.field)
        return period.make("month"), exc.message, exc.field


def _page(manager_id: int | None, template: str, endpoint: str):
    p, error, field = _period()
    board = dashboard.build(p, manager_id)
    charts = {k: Markup(v) for k, v in board.charts.items()}
    return render_template(template, d=board, charts=charts, kinds=period.KINDS, error=error, field=field,
                           args=request.args, endpoint=endpoint), (422 if error else 200)


@bp.route("/analytics")
@permission_required("analytics.view")
def index():
    return _page(None, "analytics/index.html", "analytics.index")


@bp.route("/analytics/me")
@permission_required("analytics.own")
def mine():
    return _page(current_user.id, "analytics/mine.html", "analytics.mine")


def _manager_scope() -> int | None:
    """The owner sees the shop's lists; a manager only his own."""
    return None if permissions.can(current_user._get_current_object(), "analytics.view") else current_user.id


@bp.route("/analytics/list/<key>")
@permission_required("analytics.own")
def details(key: str):
    p, error, field = _period()
    try:
        table = dashboard.detail(key, p, _manager_scope())
    except InputError as exc:
        return render_template("analytics/list.html", table=None, p=p, key=key, error=exc.message), 404
    return render_template("analytics/list.html", table=table, p=p, key=key, error=error,
                           back="analytics.index" if _manager_scope() is None else "analytics.mine"), (422 if error else 200)


@bp.route("/analytics/list/<key>.csv")
@permission_required("analytics.own")
def details_csv(key: str):
    p, error, _ = _period()
    if error:
        return Response(error, status=422, mimetype="text/plain")
    try:
        table = dashboard.detail(key, p, _manager_scope())
    except InputError as exc:
        return Response(exc.message, status=404, mimetype="text/plain")
    name = f"{key}_{p.first:%Y-%m-%d}_{p.last:%Y-%m-%d}.csv"
    return Response(table.csv(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.app_template_filter("figure")
def figure_filter(value, kind: str) -> str:
    """A figure as the owner reads it: «1 500 ₽», «66,7 %», «1,33», «—» when there is none."""
    if value is None:
        return "—"
    if kind == "money":  # whole roubles on the dashboard (an average has no meaningful kopecks)
        return formatting.money(int(round(value / 100)) * 100)
    if kind == "pct":
        return f"{formatting.number(round(float(value), 1))}\u00a0%"
    if kind in ("num", "days", "score"):
        return formatting.number(round(float(value), 2 if kind != "days" else 1))
    if kind == "phone":
        return formatting.phone(value)
    if kind == "date":
        return formatting.date(value)
    return formatting.number(value) if isinstance(value, int | float) else str(value)


@bp.app_template_filter("growth")
def growth_filter(value) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{formatting.number(round(abs(value), 1))}\u00a0%"
