"""Login, logout and role checks. Roles are enforced here, on the server."""
from __future__ import annotations

import functools
import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from appliance import settings, staff
from db.models.staff import Staff
from web.extensions import login_manager

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


@login_manager.user_loader
def load_user(user_id: str):
    user = Staff.get_or_none(Staff.id == int(user_id))
    return user if user and user.active else None


def role_required(*roles: str):
    """Only these roles may use the view (the owner may use everything but the display's)."""
    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in roles and not (current_user.role == "owner" and "display" not in roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def actor():
    """The logged-in staff member as a model row, for the audit log and assignments."""
    return current_user._get_current_object()


STAFF_ROLES = ("owner", "manager", "mechanic")
OFFICE_ROLES = ("owner", "manager")


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("customers.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            user = staff.authenticate(request.form.get("username", ""), request.form.get("password", ""))
        except staff.LoginRefused as exc:
            error = exc.message
            log.info("login refused for %r from %s: %s", request.form.get("username"), request.remote_addr, exc.message)
        else:
            login_user(user, remember=True)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error, demo=settings.get().demo), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("Вы вышли из системы.")
    return redirect(url_for("auth.login"))
