"""The pulse every browser polls, the status bar, the audit log, staff accounts."""
from __future__ import annotations

from flask import Blueprint, flash, render_template, request
from flask_login import login_required

from appliance import audit, notifications, permissions, status
from appliance import staff as staff_mod
from appliance.errors import InputError
from db.models.staff import Staff
from web.auth import actor, permission_required
from web.forms import arg_id, arg_int, hidden_id, once_per_form

bp = Blueprint("system", __name__)

# Extra fragments of the pulse from other areas (e.g. an incoming call popup): template names.
PULSE_PARTS: list[str] = ["calls/_incoming.html"]


@bp.route("/pulse")
@login_required
def pulse():
    """Cheap: a few COUNTs. Returns the badge and the status bar, swapped out-of-band.

    The badge counts only what is addressed to this person; the tablet gets no badge at all."""
    me = actor()
    badge = notifications.badge(me) if permissions.can(me, "notification.view") else None
    return render_template("system/_pulse.html", badge=badge, items=status.collect(), parts=PULSE_PARTS)


@bp.route("/audit")
@permission_required("audit.view")
def audit_log():
    object_type = request.args.get("type")
    page = arg_int("page", 1, 100_000, 1)
    entries = audit.present(e for e, _ in audit.log_page(object_type or "", arg_id("actor"), page))
    return render_template("system/audit.html", entries=entries, page=page, object_type=object_type,
                           object_types=audit.object_types(), staff=staff_mod.by_name())


@bp.route("/staff", methods=["GET", "POST"])
@permission_required("staff.manage")
@once_per_form
def staff_list():
    """The owner adds staff, resets a password, switches an account off (never deletes: history keeps names)."""
    error = None
    if request.method == "POST":
        me = actor()
        action = request.form.get("action")
        try:
            if action == "create":
                user = staff_mod.create_staff(request.form.get("username", ""), request.form.get("full_name", ""),
                                              request.form.get("role", "manager"), request.form.get("password", ""), me)
                flash(f"Сотрудник {user.full_name} добавлен.")
            else:
                user = Staff.get_or_none(Staff.id == hidden_id(request.form, "id"))
                if user is None:
                    raise InputError("Сотрудник не найден.")
                if action == "password":
                    staff_mod.set_password(user, request.form.get("password", ""), me)
                    flash(f"Пароль для {user.full_name} изменён.")
                elif action == "toggle":
                    staff_mod.set_active(user, not user.active, me)
                    flash(f"{user.full_name}: {'включён' if user.active else 'отключён'}.")
        except InputError as exc:
            error = exc.message
    return render_template("system/staff.html", staff=staff_mod.listed(),
                           error=error), (422 if error else 200)
