"""Staff accounts: hashed passwords, login with a lockout after repeated failures."""
from __future__ import annotations

import datetime as dt
import logging
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from appliance import audit, forms, settings
from appliance.clock import utcnow
from appliance.errors import InputError
from db import DATABASE_ERRORS, storage_fault, write_transaction
from db.models.staff import ROLES, Staff

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo"


def names() -> dict[int, str]:
    """Every account's full name by id, switched-off ones too (history shows who did what)."""
    return {s.id: s.full_name for s in Staff.select(Staff.id, Staff.full_name)}


def listed() -> list[Staff]:
    """The staff page's list: active accounts first, then by name."""
    return list(Staff.select().order_by(Staff.active.desc(), Staff.full_name))


def by_name() -> list[Staff]:
    """Every account by name, for a filter's drop-down."""
    return list(Staff.select().order_by(Staff.full_name))


def create_staff(username: str, full_name: str, role: str, password: str, actor=None) -> Staff:
    username = forms.text(username, "username", "Логин", forms.SHORT_LEN).lower()
    full_name = forms.text(full_name, "full_name", "ФИО", forms.NAME_LEN)
    if not username:
        raise InputError("Укажите логин.", "username")
    if role not in ROLES:
        raise InputError("Неизвестная роль.", "role")
    if role != "display" and len(password or "") < (4 if settings.get().demo else 8):
        raise InputError("Пароль слишком короткий.", "password")
    if Staff.get_or_none(Staff.username == username):
        raise InputError(f"Логин «{username}» уже занят.", "username")
    with write_transaction():
        user = Staff.create(username=username, full_name=full_name or username, role=role,
                            password_hash=generate_password_hash(password or secrets.token_urlsafe(24)),
                            created_at=utcnow())
        audit.record(actor, "create", user, {"username": (None, username), "role": (None, role)})
    return user


def set_password(user: Staff, password: str, actor=None) -> None:
    if len(password or "") < (4 if settings.get().demo else 8):
        raise InputError("Пароль слишком короткий: нужно не меньше 8 знаков.", "password")
    with write_transaction():
        user.password_hash = generate_password_hash(password)
        user.save()
        audit.record(actor, "password", user)


def set_active(user: Staff, active: bool, actor=None) -> None:
    if not active and actor is not None and user.id == actor.id:
        raise InputError("Нельзя отключить собственную учётную запись.")
    with write_transaction():
        old = user.active
        user.active = active
        user.save()
        audit.record(actor, "update", user, {"active": (old, active)})


class LoginRefused(InputError):
    pass


def authenticate(username: str, password: str) -> Staff:
    """The staff member, or LoginRefused with a message for the login form."""
    cfg = settings.get()
    user = Staff.get_or_none(Staff.username == (username or "").strip().lower())
    now = utcnow()
    if user is None or not user.active or user.role == "display":
        raise LoginRefused("Неверный логин или пароль.")
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise LoginRefused(f"Слишком много неудачных попыток. Попробуйте через {minutes} мин.")
    if not check_password_hash(user.password_hash, password or ""):
        # Counted under the write lock: two wrong passwords at once must both count.
        with write_transaction():
            user = Staff.get_by_id(user.id)
            user.failed_logins += 1
            if user.failed_logins >= cfg.getint("web", "login_attempts"):
                user.locked_until = now + dt.timedelta(minutes=cfg.getint("web", "lockout_minutes"))
                user.failed_logins = 0
                audit.record(None, "lockout", user, note="слишком много неудачных попыток входа")
            user.save()
        raise LoginRefused("Неверный логин или пароль.")
    try:
        with write_transaction():
            user.failed_logins, user.locked_until = 0, None
            user.save()
            audit.record(user, "login", user)
    except DATABASE_ERRORS as exc:
        if storage_fault(exc) is None:
            raise
        # A full disk or a read-only database must not lock staff out of reading the cards.
        log.warning("login of %s not recorded in the audit log: %s", user.username, exc)
    return user


def uses_demo_password() -> list[str]:
    """Accounts still on the demo password (refused in production mode)."""
    return [u.username for u in Staff.select().where(Staff.active)
            if u.password_hash and check_password_hash(u.password_hash, DEMO_PASSWORD)]
