"""/calls: the screen pop (polled from the pulse), click-to-call, «Перезвонить», the journal,
recordings (logged-in staff only, seekable) and the owner's metrics."""
from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, abort, redirect, render_template, request, send_file, session, url_for

from appliance import settings
from appliance.calls import DIRECTIONS, RESULTS, callbacks, dialer, history, metrics, popup
from appliance.calls import status as pbx_status
from appliance.clock import day_start, local_today
from appliance.errors import InputError
from web.auth import actor, permission_required

log = logging.getLogger(__name__)

bp = Blueprint("calls", __name__, url_prefix="/calls")
DISMISSED_KEEP = 30


def _dismissed() -> list[str]:
    return session.get("calls_dismissed", [])


@bp.route("/pop")
@permission_required("calls.view")
def pop():
    """The pop-up fragment; 204 when nothing changed since the version the page holds."""
    me = actor()
    version = popup.version_for(me, _dismissed())
    if request.args.get("v") == version:
        return "", 204
    return render_template("calls/_pop.html", pops=popup.pops(me, _dismissed()), version=version,
                           results=RESULTS)


@bp.route("/pop/<linkedid>/close", methods=["POST"])
@permission_required("calls.view")
def pop_close(linkedid: str):
    session["calls_dismissed"] = (_dismissed() + [linkedid])[-DISMISSED_KEEP:]
    return pop()


@bp.route("/dial", methods=["POST"])
@permission_required("calls.dial")
def dial():
    try:
        row = dialer.request_call(actor(), request.form.get("number", ""))
    except InputError as exc:
        log.info("click-to-call refused for %s: %s", actor().username, exc.message)
        return render_template("calls/_dial.html", error=exc.message), 422
    return render_template("calls/_dial.html", row=row)


@bp.route("/dial/<int:row_id>")
@permission_required("calls.dial")
def dial_state(row_id: int):
    row = dialer.state(row_id)
    if row is None or row.staff_id != actor().id:
        abort(404)
    return render_template("calls/_dial.html", row=row)


@bp.route("")
@permission_required("calls.view")
def journal():
    rows = list(reversed(history.calls_since(day_start(local_today() - dt.timedelta(days=7)))))[:300]
    return render_template("calls/index.html", rows=rows, directions=DIRECTIONS, results=RESULTS)


@bp.route("/callbacks")
@permission_required("calls.view")
def callback_list():
    entries = [callbacks.waiting(e) for e in callbacks.open_entries()]
    return render_template("calls/callbacks.html", entries=entries,
                           target=settings.get().getint("pbx", "callback_target_minutes"))


@bp.route("/callbacks/<int:entry_id>/close", methods=["POST"])
@permission_required("calls.callback_close")
def callback_close(entry_id: int):
    try:
        callbacks.close_by_hand(entry_id, actor(), request.form.get("reason", ""))
    except InputError as exc:
        entries = [callbacks.waiting(e) for e in callbacks.open_entries()]
        log.info("callback close refused: %s", exc.message)
        return render_template("calls/callbacks.html", entries=entries, error=exc.message, error_id=entry_id,
                               target=settings.get().getint("pbx", "callback_target_minutes")), 422
    return redirect(url_for("calls.callback_list"))


@bp.route("/<int:call_id>/recording")
@permission_required("calls.recording")
def recording(call_id: int):
    """The PBX's MixMonitor file, with Range support so the player can seek."""
    path = history.recording_path(call_id)
    if path is None:
        abort(404)
    return send_file(path, conditional=True, mimetype="audio/wav" if path.suffix == ".wav" else None)


@bp.route("/metrics")
@permission_required("calls.metrics")
def metrics_page():
    today = local_today()
    error = None
    try:
        first = dt.date.fromisoformat(request.args.get("from") or (today - dt.timedelta(days=29)).isoformat())
        last = dt.date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        first, last, error = today - dt.timedelta(days=29), today, "Даты периода не распознаны: показаны 30 дней."
    if last < first:
        first, last = last, first
    rep = metrics.report(first, last)
    return render_template("calls/metrics.html", rep=rep, chart=metrics.chart_svg(rep),
                           departments=metrics.DEPARTMENTS, error=error)


@bp.app_template_global()
def customer_calls(customer) -> list:
    """The card's call history (customers/_calls.html)."""
    return history.for_customer(customer)


@bp.app_template_global()
def pbx_panel():
    return pbx_status.panel()


@bp.route("/extension/<int:staff_id>", methods=["POST"])
@permission_required("staff.manage")
def extension(staff_id: int):
    person = history.staff_member(staff_id)
    if person is None:
        abort(404)
    try:
        history.set_extension(person, request.form.get("extension", ""), actor())
    except InputError as exc:
        return render_template("calls/_extension.html", person=person, error=exc.message), 422
    return render_template("calls/_extension.html", person=person, saved=True)
