"""Login, logout and the door of every page: the permission table (appliance.permissions) decides."""
from __future__ import annotations

import functools
import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from appliance import permissions, settings, staff
from db.models.staff import Staff
from web.extensions import login_manager

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


@login_manager.user_loader
def load_user(user_id: str):
    user = Staff.get_or_none(Staff.id == int(user_id))
    return user if user and user.active else None


def permission_required(action: str):
    """The view is open to the roles the permission table gives `action`; others get a Russian 403.

    The rules behind the view check the same action again, with the object, so this is the
    door, not the only lock."""
    permissions.known(action)

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            permissions.require(actor(), action)
            return view(*args, **kwargs)
        wrapper.permission = action
        return wrapper
    return decorator


def actor():
    """The logged-in staff member as a model row, for the audit log and assignments."""
    return current_user._get_current_object()


def safe_next(target: str | None, default: str) -> str:
    """Where to go back to after a form: a path on this box only, never another site."""
    target = (target or "").strip()
    # "//host" and "/\\host" are other sites to a browser; control characters split headers.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and target.isprintable():
        return target
    return default


def back(default: str) -> str:
    """The page the person came from (`next`, `back` or the Referer), if it is on this box."""
    for candidate in (request.form.get("next"), request.form.get("back"), request.args.get("next")):
        if candidate:
            return safe_next(candidate, default)
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        return safe_next("/" + referrer[len(request.host_url):], default)
    return default


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
            return redirect(safe_next(request.args.get("next"), url_for("customers.index")))
    return render_template("login.html", error=error, demo=settings.get().demo), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("Вы вышли из системы.")
    return redirect(url_for("auth.login"))
