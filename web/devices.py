"""/devices: the GSM modem's state (signal, operator, outage, last error), a test SMS,
and the printer panel the printing area provides."""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for

from appliance import sms
from appliance.errors import InputError
from appliance.sms import outbox as sms_outbox
from web.auth import actor, permission_required

log = logging.getLogger(__name__)

bp = Blueprint("devices", __name__, url_prefix="/devices")


@bp.route("")
@permission_required("devices.manage")
def index():
    test_text = sms.probe_text()
    return render_template("devices/index.html", panel=sms_outbox.modem_panel(), test_text=test_text,
                           counter=sms.counter(test_text), form={})


@bp.route("/modem")
@permission_required("devices.manage")
def modem():
    return render_template("devices/_modem.html", panel=sms_outbox.modem_panel())


@bp.route("/test-sms", methods=["POST"])
@permission_required("devices.manage")
def test_sms():
    phone, text = request.form.get("phone", ""), request.form.get("text", "")
    try:
        msg = sms.queue_sms(phone=phone, text=text or None, template_code=None if text.strip() else "test",
                            actor=actor())
    except InputError as exc:
        log.info("test SMS refused: %s", exc.message)
        return render_template("devices/index.html", panel=sms_outbox.modem_panel(), test_text=text,
                               counter=sms.counter(text), form={"phone": phone}, error=exc), 422
    flash(f"Пробное SMS №{msg.id} поставлено в очередь на {msg.phone}.", "ok")
    return redirect(url_for("sms.log", direction="out"))
