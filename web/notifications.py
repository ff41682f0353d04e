"""The notification center: a page with tabs per kind, 'take it' and 'done'."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from appliance import notifications
from db.models.notifications import Notification
from web.auth import STAFF_ROLES, actor, role_required

bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@role_required(*STAFF_ROLES)
def index():
    kind = request.args.get("kind") or None
    show = request.args.get("show", "open")
    if show == "resolved":
        items = (Notification.select().where(~Notification.is_open)
                 .order_by(Notification.resolved_at.desc()).limit(100))
        if kind:
            items = items.where(Notification.kind == kind)
    else:
        items = notifications.open_items(kind)
        if show == "mine":
            items = items.where(Notification.assignee == current_user.id)
    return render_template("notifications/index.html", items=list(items), kind=kind, show=show,
                           counts=notifications.counts_by_kind(), labels=notifications.KIND_LABELS)


def _get(notification_id: int) -> Notification:
    item = Notification.get_or_none(Notification.id == notification_id)
    if item is None:
        abort(404)
    return item


@bp.route("/notifications/<int:notification_id>/take", methods=["POST"])
@role_required(*STAFF_ROLES)
def take(notification_id: int):
    item = _get(notification_id)
    notifications.take(item, actor())
    if request.htmx:
        return render_template("notifications/_item.html", n=item, labels=notifications.KIND_LABELS)
    return redirect(request.referrer or url_for("notifications.index"))


@bp.route("/notifications/<int:notification_id>/done", methods=["POST"])
@role_required(*STAFF_ROLES)
def done(notification_id: int):
    item = _get(notification_id)
    if item.is_open:
        notifications.close(item, actor(), request.form.get("comment", "").strip())
    if request.htmx:
        return render_template("notifications/_item.html", n=item, labels=notifications.KIND_LABELS)
    return redirect(request.referrer or url_for("notifications.index"))
