"""/sms: the log of both directions with filters and resend; /sms/templates: the
owner edits the texts with a live length/parts counter."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from appliance import customers, phones, sms
from appliance.errors import InputError
from appliance.sms import replies
from db.models.sms import KINDS, STATUSES, SmsMessage
from web.auth import actor, back, permission_required
from web.forms import once_per_form, refused

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__, url_prefix="/sms")
PAGE = 100


@bp.route("", endpoint="log")
@permission_required("sms.view")
def log_view():
    args = request.args
    rows = sms.log_rows(args.get("direction", ""), args.get("status", ""), args.get("kind", ""),
                        args.get("q", ""), limit=PAGE)
    counts = sms.log_counts()
    ctx = {"rows": rows, "args": request.args, "statuses": STATUSES, "kinds": KINDS,
           "opted_out": counts.opted_out, "uncertain": counts.uncertain}
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "sms-rows":
        return render_template("sms/_rows.html", **ctx)
    return render_template("sms/log.html", **ctx)


@bp.app_template_global()
def customer_sms(customer) -> list[SmsMessage]:
    """The card's SMS block (sms/_customer_sms.html): the last messages both ways."""
    return replies.conversation(customer)


@bp.app_template_global()
def order_sms_replies(order) -> list[SmsMessage]:
    """The order page's block (sms/_order_replies.html): the customer's replies since the order."""
    return replies.for_order(order)


@bp.app_template_global()
def sms_is_reply(message) -> bool:
    return replies.is_reply(message)


@bp.route("/<int:message_id>/answer", methods=["GET", "POST"])
@permission_required("sms.send")
@once_per_form
def answer(message_id: int):
    """Answer a customer's SMS: from the card, the order page, a notification or the log."""
    msg = SmsMessage.get_or_none((SmsMessage.id == message_id) & (SmsMessage.direction == "in")) or abort(404)
    if request.method == "GET":
        return render_template("sms/answer.html", msg=msg, text="")
    text = request.form.get("text", "")
    try:
        out = replies.answer(msg, text, actor())
    except InputError as exc:
        return refused(exc, "sms/answer.html", msg=msg, text=text)
    flash(f"Ответ поставлен в очередь (SMS №{out.id}): уйдёт, как только модем сможет.", "ok")
    return redirect(back(url_for("sms.log")))


@bp.route("/<int:message_id>/resend", methods=["POST"])
@permission_required("sms.send")
def resend(message_id: int):
    msg = SmsMessage.get_or_none(SmsMessage.id == message_id) or abort(404)
    try:
        new = sms.resend(msg, actor())
        flash(f"SMS поставлено в очередь повторно (№{new.id}).", "ok")
    except InputError as exc:
        flash(exc.message, "error")
    return redirect(back(url_for("sms.log")))


@bp.route("/opt-out", methods=["POST"])
@permission_required("sms.send")
def opt_out():
    """Staff mark a phone as "no marketing SMS" (or lift it) when a customer asks by voice."""
    try:
        number = phones.normalize(request.form.get("phone", ""))
    except InputError as exc:
        flash(exc.message, "error")
        return redirect(url_for("sms.log"))
    if request.form.get("action") == "in":
        sms.opt_in(number, actor())
        flash(f"{phones.display(number)} снова получает рекламные SMS.", "ok")
    else:
        sms.opt_out(number, customers.find_by_phone(number), source="staff", note="отметил сотрудник", actor=actor())
        flash(f"{phones.display(number)} больше не получит рекламных SMS.", "ok")
    return redirect(url_for("sms.log"))


@bp.route("/counter", methods=["POST"])
@permission_required("sms.send")
def counter():
    text = request.form.get("text", request.form.get("body", ""))
    rendered = sms.preview(text) if request.form.get("template") else text
    error = ""
    if request.form.get("template"):
        try:
            sms.validate_template(text)
        except InputError as exc:
            error = exc.message
    return render_template("sms/_counter.html", c=sms.counter(rendered), preview=rendered,
                           show_preview=bool(request.form.get("template")), error=error)


@bp.route("/templates")
@permission_required("sms.templates")
def templates():
    rows = sms.templates()
    return render_template("sms/templates.html", rows=rows, placeholders=sms.PLACEHOLDERS, sms=sms, errors={})


@bp.route("/templates/<code>", methods=["POST"])
@permission_required("sms.templates")
def save_template(code: str):
    try:
        sms.update_template(code, request.form.get("body", ""), actor(), request.form.get("title") or None)
    except InputError as exc:
        log.info("template %s not saved: %s", code, exc.message)
        rows = sms.templates()
        for r in rows:
            if r.code == code:
                r.body = request.form.get("body", "")
        return render_template("sms/templates.html", rows=rows, placeholders=sms.PLACEHOLDERS, sms=sms,
                               errors={code: exc.message}), 422
    flash("Шаблон сохранён.", "ok")
    return redirect(url_for("sms.templates") + f"#tpl-{code}")
