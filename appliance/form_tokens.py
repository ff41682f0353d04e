"""One-time form tokens: a create form sent twice (a double click, a resent page) is saved once.

A create form carries a random token. The first POST with it claims the token in the
database (so every web process sees the claim), saves, and records its answer; a second POST
with the same token gets that answer back instead of making a second row. A refused first
POST releases the token, so the corrected form can be sent again.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import secrets
import time

import peewee

from appliance import clock
from appliance.errors import InputError
from db.models.system import FormToken

log = logging.getLogger(__name__)

FIELD = "form_token"
KEEP_FOR = dt.timedelta(days=1)
# How long a second request waits for the first one with the same token to finish.
WAIT_SECONDS = 10.0
_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


class StillSaving(InputError):
    """The first request with this token is still running."""


@dataclasses.dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


def new() -> str:
    return secrets.token_urlsafe(18)


def well_formed(token: str) -> bool:
    return bool(_SHAPE.fullmatch(token or ""))


def claim(token: str, staff_id: int | None, wait: float = WAIT_SECONDS) -> Answer | None:
    """Take the token for this request: None means go on and save; an Answer is the first
    request's reply to give again. Raises StillSaving if the first one does not finish in time."""
    now = clock.utcnow()
    FormToken.delete().where(FormToken.created_at < now - KEEP_FOR).execute()
    deadline = time.monotonic() + wait
    while True:
        try:
            FormToken.create(token=token, staff_id=staff_id, created_at=now)
            return None
        except peewee.IntegrityError:
            pass
        row = FormToken.get_or_none(FormToken.token == token)
        if row is not None and row.staff_id != staff_id:
            raise InputError("Эта форма открыта другим сотрудником. Обновите страницу и заполните её заново.")
        if row is not None and row.done:
            log.info("form token %s… sent again by staff %s: first answer given again", token[:6], staff_id)
            return Answer(row.status, json.loads(row.headers or "{}"), row.body)
        if time.monotonic() > deadline:
            raise StillSaving("Эта форма уже отправлена и ещё сохраняется. Подождите и обновите страницу.")
        time.sleep(0.05)


def finish(token: str, status: int, headers: dict[str, str], body: str = "") -> None:
    """The first request saved: keep its answer for a second POST with the same token."""
    FormToken.update(done=True, status=status, headers=json.dumps(headers, ensure_ascii=False),
                     body=body).where(FormToken.token == token).execute()


def release(token: str) -> None:
    """The first request was refused (or failed): the form may be sent again with its token."""
    FormToken.delete().where((FormToken.token == token) & ~FormToken.done).execute()
