"""Ratings pages: the owner's report (/ratings), «Разобрать» (/ratings/review), «Перезвонить по
оценкам» (/ratings/callbacks), the reasons list, and the customer card's scores block."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from appliance import forms, settings, sms
from appliance.errors import InputError
from appliance.ratings import callbacks, parsing, replies, report, requests
from web.auth import actor, permission_required

bp = Blueprint("ratings", __name__)
log = logging.getLogger(__name__)


@bp.app_template_global("ratings_of")
def ratings_of(customer) -> list:
    """The customer card's block: this customer's requests and scores, newest first."""
    return report.customer_scores(customer)


@bp.app_template_global("ratings_to_sort")
def ratings_to_sort() -> int:
    """The «Разобрать» tab's count."""
    return replies.review_count()


@bp.app_template_filter("score")
def score_filter(value) -> str:
    if value is None:
        return "—"
    return parsing.format_score(value)


@bp.route("/ratings")
@permission_required("ratings.report")
def report_page():
    error = None
    try:
        first = forms.day(request.args.get("from", ""), "from")
        last = forms.day(request.args.get("to", ""), "to")
    except InputError as exc:
        error, first, last = exc.message, None, None
    if first and last and last < first:
        first, last = last, first
    rep = report.build(first, last)
    rows = rep.rows[:300]
    return render_template("ratings/report.html", r=rep, rows=rows, replies=report.replies_of([x.id for x in rows]),
                           svg=Markup(report.trend_svg(rep.weeks)), error=error, departments=report.DEPARTMENTS, low=callbacks.threshold()), (422 if error else 200)


@bp.route("/customers/<int:customer_id>/ratings")
@permission_required("ratings.view")
def customer_block(customer_id: int):
    """The card's scores block alone (htmx refresh after a reply was sorted out)."""
    customer = report.customer(customer_id)
    if customer is None:
        abort(404)
    return render_template("customers/_ratings.html", customer=customer)


def _review_page(**extra):
    return render_template("ratings/review.html", rows=replies.review_queue(), late=replies.late_replies(),
                           hours=settings.get().getint("ratings", "reply_hours"), **extra)


@bp.route("/ratings/review")
@permission_required("ratings.review")
def review():
    return _review_page()


@bp.route("/ratings/late/<int:message_id>", methods=["POST"])
@permission_required("ratings.review")
def accept_late(message_id: int):
    msg = replies.message(message_id)
    if msg is None:
        abort(404)
    try:
        replies.accept_late(msg, actor())
    except InputError as exc:
        return _review_page(error=exc.message), 422
    flash("Опоздавший ответ принят как оценка.")
    return redirect(url_for("ratings.review"))


@bp.route("/ratings/review/<int:reply_id>", methods=["POST"])
@permission_required("ratings.review")
def decide(reply_id: int):
    reply = replies.get(reply_id)
    if reply is None:
        abort(404)
    action = request.form.get("action", "")
    try:
        replies.decide(reply, replies.Decision(action, request.form.get("score", "")), actor())
    except InputError as exc:
        log.info("rating review %s refused: %s", reply_id, exc.message)
        return _review_page(error=exc.message, error_id=reply_id), 422
    flash("Ответ разобран.")
    return redirect(url_for("ratings.review"))


@bp.route("/ratings/callbacks")
@permission_required("ratings.callback")
def callbacks_page():
    return render_template("ratings/callbacks.html", rows=callbacks.open_list(current_user),
                           done=callbacks.done_list(), reasons=callbacks.reasons())


@bp.route("/ratings/callbacks/<int:cb_id>", methods=["POST"])
@permission_required("ratings.callback")
def callback_done(cb_id: int):
    cb = callbacks.get(cb_id)
    if cb is None:
        abort(404)
    try:
        callbacks.complete(cb, actor(), request.form.get("reason", ""), request.form.get("outcome", ""))
    except InputError as exc:
        log.info("rating call-back %s refused: %s", cb_id, exc.message)
        return render_template("ratings/callbacks.html", rows=callbacks.open_list(current_user),
                               done=callbacks.done_list(), reasons=callbacks.reasons(), error=exc.message,
                               error_id=cb_id), 422
    flash("Итог звонка записан.")
    return redirect(url_for("ratings.callbacks_page"))


@bp.route("/ratings/reasons", methods=["GET", "POST"])
@permission_required("ratings.templates")
def reasons():
    """The owner's words: the request SMS's text and the reasons a caller picks from."""
    body = requests.template_body()
    text = "\n".join(callbacks.reasons())
    if request.method == "POST":
        try:
            if "body" in request.form:
                body = request.form.get("body", "")
                requests.set_template(body, actor())
                flash("Текст SMS сохранён.")
            else:
                text = request.form.get("reasons", "")
                callbacks.set_reasons(text, actor())
                flash("Список причин сохранён.")
        except InputError as exc:
            return render_template("ratings/reasons.html", text=text, body=body, error=exc.message,
                                   preview=sms.preview(body)), 422
        return redirect(url_for("ratings.reasons"))
    return render_template("ratings/reasons.html", text=text, body=body, preview=sms.preview(body))

