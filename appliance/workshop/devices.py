"""Machine credentials: the wall tablet (a `display` Staff row) and the shop's website.

A token is shown once when made and stored only as its SHA-256, so a stolen database
copy does not let anyone post bookings or watch the board. Revoking a display token
also deactivates its Staff row, which ends the tablet's session at its next request.
"""
from __future__ import annotations

import hashlib
import logging
import re
import secrets

from appliance import audit, clock, permissions, settings
from appliance import staff as staff_mod
from appliance.errors import InputError
from db import write_transaction
from db.models.staff import Staff
from db.models.workshop import DeviceToken

log = logging.getLogger(__name__)
KINDS = {"display": "табло мастерской", "website": "сайт"}
# The demo shop's tokens are printed in the README, so anyone can type them: never valid in production.
DEMO_TABLET_TOKEN = "demo-tablet"
DEMO_WEBSITE_TOKEN = "demo-website"
DEMO_TOKENS = (DEMO_TABLET_TOKEN, DEMO_WEBSITE_TOKEN)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _username(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "tablet"
    candidate, n = f"display-{base}", 1
    while Staff.get_or_none(Staff.username == candidate):
        n += 1
        candidate = f"display-{base}-{n}"
    return candidate


def create(kind: str, name: str, actor=None) -> tuple[DeviceToken, str]:
    """A new token; returns the row and the token text (shown once, never stored)."""
    permissions.require(actor, "workshop.devices")

    name = (name or "").strip()
    if kind not in KINDS:
        raise InputError("Неизвестный вид устройства.", "kind")
    if not name:
        raise InputError("Назовите устройство, например «Планшет в мастерской».", "name")
    if len(name) > 100:
        raise InputError("Слишком длинное название.", "name")
    token = secrets.token_urlsafe(24)
    with write_transaction():
        user = None
        if kind == "display":
            user = staff_mod.create_staff(_username(name), name, "display", secrets.token_urlsafe(24), actor)
        row = DeviceToken.create(kind=kind, name=name, token_hash=hash_token(token), staff=user,
                                 created_by=actor, created_at=clock.utcnow())
        audit.record(actor, "create", row, {"kind": (None, kind), "name": (None, name)})
    return row, token


def live_demo_tokens() -> list[str]:
    """Names of unrevoked tokens whose text is printed in the README (refused in production)."""
    return [row.name for row in DeviceToken.select().where(
        DeviceToken.token_hash.in_([hash_token(t) for t in DEMO_TOKENS]) & DeviceToken.revoked_at.is_null())]


def find(token: str | None, kind: str) -> DeviceToken | None:
    """The live token of this kind, or None (unknown, revoked, or a token of another kind)."""
    if not token or len(token) > 200:
        return None
    if token in DEMO_TOKENS and not settings.get().demo:
        log.warning("device token from the demo (%s) refused in production mode", kind)
        return None
    row = DeviceToken.get_or_none((DeviceToken.token_hash == hash_token(token)) & (DeviceToken.kind == kind))
    if row is None or row.revoked_at is not None:
        return None
    if kind == "display" and (row.staff is None or not row.staff.active):
        return None
    DeviceToken.update(last_used_at=clock.utcnow()).where(DeviceToken.id == row.id).execute()
    return row


def revoke(row: DeviceToken, actor=None) -> None:
    permissions.require(actor, "workshop.devices")
    if row.revoked_at is not None:
        return
    with write_transaction():
        row.revoked_at = clock.utcnow()
        row.save()
        if row.staff_id:
            Staff.update(active=False).where(Staff.id == row.staff_id).execute()
        audit.record(actor, "revoke", row, {"revoked_at": (None, row.revoked_at)})


def listing():
    return list(DeviceToken.select().order_by(DeviceToken.revoked_at.is_null(False), DeviceToken.created_at.desc()))


def device_name(user) -> str:
    """The name of the tablet a display user logged in with (for "recorded via ...")."""
    row = DeviceToken.get_or_none(DeviceToken.staff == user.id)
    return row.name if row else user.full_name
