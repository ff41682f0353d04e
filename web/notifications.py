"""The notification center: a page with tabs per kind, 'take it' and 'done'.

Each person sees what is addressed to him or his role (the owner sees all): see
appliance.notifications for who gets what.
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from appliance import notifications
from db.models.notifications import Notification
from web.auth import actor, back, permission_required

bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@permission_required("notification.view")
def index():
    kind = request.args.get("kind") or None
    show = request.args.get("show", "open")
    me = actor()
    if show == "resolved":
        items = notifications.resolved_items(kind, me)
    else:
        items = notifications.open_items(kind, me)
        if show == "mine":
            items = items.where(Notification.assignee == me.id)
    return render_template("notifications/index.html", items=list(items), kind=kind, show=show,
                           counts=notifications.counts_by_kind(me), labels=notifications.KIND_LABELS)


def _get(notification_id: int) -> Notification:
    """One addressed to this person; another's is 404 as if it did not exist."""
    item = notifications.get_for(notification_id, actor())
    if item is None:
        abort(404)
    return item


@bp.route("/notifications/<int:notification_id>/take", methods=["POST"])
@permission_required("notification.close")
def take(notification_id: int):
    item = _get(notification_id)
    notifications.take(item, actor())
    if request.htmx:
        return render_template("notifications/_item.html", n=item, labels=notifications.KIND_LABELS)
    return redirect(back(url_for("notifications.index")))


@bp.route("/notifications/<int:notification_id>/done", methods=["POST"])
@permission_required("notification.close")
def done(notification_id: int):
    item = _get(notification_id)
    notifications.mark_done(item, actor(), request.form.get("comment", "").strip())
    if request.htmx:
        return render_template("notifications/_item.html", n=item, labels=notifications.KIND_LABELS)
    return redirect(back(url_for("notifications.index")))
