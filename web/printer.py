"""The label printer page: status, queue with retry/cancel, test print, previews."""
from __future__ import annotations

import io
import logging
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from appliance import printing
from appliance.errors import InputError, NotFound
from web.auth import actor, permission_required

log = logging.getLogger(__name__)

bp = Blueprint("printer", __name__, url_prefix="/devices/printer")

SIM_PREVIEW = re.compile(r"^job-\d{6}\.png$")


@bp.app_template_global()
def printer_panel() -> dict:
    """A template global so /devices can include the status partial as is."""
    return printing.panel()


@bp.route("")
@permission_required("devices.manage")
def index():
    try:
        sim_jobs = printing.sim_jobs(8)
    except InputError:
        sim_jobs = []  # the status panel says what is wrong with the settings
    return render_template("printer/index.html", sim_jobs=sim_jobs, **printing.queue_view())


@bp.route("/status")
@permission_required("devices.manage")
def status():
    return render_template("printer/_status.html")


@bp.route("/queue")
@permission_required("devices.manage")
def queue():
    return render_template("printer/_queue.html", **printing.queue_view())


def _after_action(message: str, category: str = "ok"):
    if request.headers.get("HX-Request"):
        response = render_template("printer/_queue.html", notice=message, notice_category=category,
                                   **printing.queue_view())
        return response
    flash(message, category)
    return redirect(url_for("printer.index"))


@bp.route("/test", methods=["POST"])
@permission_required("devices.manage")
def test_print():
    try:
        job = printing.queue_test_label(requested_by=actor())
    except InputError as exc:
        log.warning("test print refused: %s", exc.message)
        return _after_action(exc.message, "error")
    return _after_action(f"Тестовая этикетка поставлена в очередь (№{job.id}).")


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@permission_required("devices.manage")
def retry(job_id: int):
    try:
        job = printing.retry_job(job_id, by=actor())
    except NotFound:
        abort(404)
    except InputError as exc:
        return _after_action(exc.message, "error")
    return _after_action(f"«{job.batch_name}» снова в очереди печати.")


@bp.route("/jobs/<int:job_id>/cancel", methods=["POST"])
@permission_required("devices.manage")
def cancel(job_id: int):
    try:
        job = printing.cancel_job(job_id, by=actor())
    except NotFound:
        abort(404)
    except InputError as exc:
        return _after_action(exc.message, "error")
    return _after_action(f"Печать «{job.batch_name}» отменена.")


@bp.route("/jobs/<int:job_id>/preview.png")
@permission_required("printer.preview")
def preview(job_id: int):
    try:
        path = printing.preview_file(printing.get_job(job_id))
    except NotFound:
        abort(404)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=3600)


@bp.route("/jobs/<int:job_id>/preview.pdf")
@permission_required("printer.preview")
def preview_pdf(job_id: int):
    """The preview as a label-sized PDF, for an office printer when the label printer is down."""
    try:
        job = printing.get_job(job_id)
    except NotFound:
        abort(404)
    pdf = printing.preview_pdf(job)
    if pdf is None:
        abort(404)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"label-{job.id}.pdf")


@bp.route("/sim/<name>")
@permission_required("devices.manage")
def sim_preview(name: str):
    if not SIM_PREVIEW.match(name):
        abort(404)
    try:
        path = printing.config()["sim_dir"] / name
    except InputError:
        abort(404)
    if not path.is_file():
        abort(404)
    return send_file(path.resolve(), mimetype="image/png", max_age=3600)
