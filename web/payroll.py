"""Payroll pages: the owner's month (/payroll: every manager's facts, KPIs and pay, the plan
forms, the KPI scale, closing and corrections), a manager's own row, and the start page tile."""
from __future__ import annotations

import logging
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from appliance import permissions
from appliance.errors import InputError
from appliance.payroll import closing, kpi, plans
from web.auth import actor, permission_required
from web.forms import once_per_form, refused

bp = Blueprint("payroll", __name__)
log = logging.getLogger(__name__)


@bp.app_template_global("my_plan_today")
def my_plan_today():
    """The start page tile «Мой план сегодня»: the signed-in manager's row, None without a plan."""
    if not current_user.is_authenticated or not permissions.can(current_user, "payroll.own"):
        return None
    return kpi.my_today(current_user)


def _month(value):
    try:
        return plans.parse_month(value), None
    except InputError as exc:
        return plans.parse_month(""), exc.message


def _page(month, error=None, field=None, form=None, status=200):
    everyone = permissions.can(actor(), "payroll.view_all")
    shut = closing.closed(month)
    figures = None if shut else kpi.seen_by(month, actor())
    snapshot_rows = shut.rows_seen_by(actor()) if shut else []
    scale = plans.scale_of(month)
    steps = scale.steps + [(None, None)] * (plans.SCALE_ROWS - len(scale.steps))
    return render_template("payroll/month.html", month=month, figures=figures, closed=shut, everyone=everyone,
                           snapshot_rows=snapshot_rows, scale=scale, steps=steps, kpis=plans.KPIS,
                           base_kinds=plans.BASE_KINDS, error=error, field=field, form=form or {},
                           prev=month.shifted(-1), next=month.shifted(1)), status


@bp.route("/payroll")
@permission_required("payroll.own")
def month_page():
    month, error = _month(request.args.get("month"))
    return _page(month, error=error, status=422 if error else 200)


@bp.route("/payroll/<month_key>/plan/<int:staff_id>", methods=["GET", "POST"])
@permission_required("payroll.edit")
@once_per_form
def plan_form(month_key: str, staff_id: int):
    month, error = _month(month_key)
    if error:
        abort(404)
    try:
        person = plans.payable_staff(staff_id)
    except InputError:
        abort(404)
    plan = plans.plan_of(month, person.id)
    context = {"month": month, "person": person, "plan": plan, "base_kinds": plans.BASE_KINDS,
               "closed": plans.is_closed(month)}
    if request.method == "GET":
        return render_template("payroll/plan.html", form=_plan_values(plan), **context)
    try:
        values = plans.parse_plan(request.form, month)
        plans.save_plan(month, person.id, values, actor())
    except InputError as exc:
        return refused(exc, "payroll/plan.html", form=request.form, **context)
    flash(f"План на {month.label} для {person.short_name} сохранён.")
    return redirect(url_for("payroll.month_page", month=month.key))


def _plan_values(plan) -> dict:
    if plan is None:
        return {}
    def rub(k: int) -> str:
        return str(Decimal(k) / 100) if k else ""

    return {"base_kind": plan.base_kind, "base": rub(plan.base_kop), "parts_percent": plan.parts_percent.normalize(),
            "repairs_percent": plan.repairs_percent.normalize(), "plan_shop": rub(plan.plan_shop_kop),
            "plan_personal": rub(plan.plan_personal_kop), "plan_check": rub(plan.plan_check_kop),
            "plan_cards": plan.plan_cards or "", "shifts": plan.shifts,
            "left_on": plan.left_on.strftime("%d.%m.%Y") if plan.left_on else ""}


@bp.route("/payroll/<month_key>/scale", methods=["POST"])
@permission_required("payroll.edit")
def save_scale(month_key: str):
    month, error = _month(month_key)
    if error:
        abort(404)
    try:
        plans.save_scale(month, plans.parse_scale(request.form), actor())
    except InputError as exc:
        log.info("payroll scale %s refused: %s (%s)", month.key, exc.message, exc.field)
        return _page(month, error=exc.message, field=exc.field, form=request.form, status=422)
    flash(f"Шкала KPI на {month.label} сохранена.")
    return redirect(url_for("payroll.month_page", month=month.key))


@bp.route("/payroll/<month_key>/close", methods=["POST"])
@permission_required("payroll.close")
def close(month_key: str):
    month, error = _month(month_key)
    if error:
        abort(404)
    try:
        closing.close_month(month, actor())
    except InputError as exc:
        log.info("payroll close %s refused: %s", month.key, exc.message)
        return _page(month, error=exc.message, status=422)
    flash(f"Месяц {month.label} закрыт: цифры сохранены и больше не меняются.")
    return redirect(url_for("payroll.month_page", month=month.key))


@bp.route("/payroll/<month_key>/corrections", methods=["POST"])
@permission_required("payroll.close")
@once_per_form
def add_correction(month_key: str):
    month, error = _month(month_key)
    if error:
        abort(404)
    try:
        closing.add_correction(month, *closing.parse_correction(request.form), actor())
    except InputError as exc:
        log.info("payroll correction %s refused: %s (%s)", month.key, exc.message, exc.field)
        return _page(month, error=exc.message, field=exc.field, form=request.form, status=422)
    flash("Корректировка добавлена.")
    return redirect(url_for("payroll.month_page", month=month.key))


@bp.app_template_filter("kpi_pct")
def kpi_pct(ratio) -> str:
    """A KPI as people say it: 1.188 -> «119 %»; no plan -> «—»."""
    if ratio is None:
        return "—"
    return f"{(Decimal(ratio) * 100).quantize(Decimal(1))}\u00a0%"


@bp.app_template_filter("kpi_class")
def kpi_class(ratio) -> str:
    """The colour of a KPI: red below 0.9 of the plan to date, green from 1."""
    if ratio is None:
        return ""
    value = Decimal(ratio)
    return "low" if value < Decimal("0.9") else "good" if value >= 1 else ""


@bp.app_template_filter("round_kop")
def round_kop(value) -> int | None:
    """A plan to date (Decimal kopecks) as whole kopecks for the money filter."""
    return None if value is None else kpi.kop(Decimal(value))


@bp.app_template_filter("coef")
def coef(value) -> str:
    """0.840 -> «0,84»."""
    if value is None:
        return "—"
    text = f"{Decimal(value).quantize(Decimal('0.01'))}"
    return text.replace(".", ",")
