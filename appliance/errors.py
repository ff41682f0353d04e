"""Errors a person sees: the message is Russian and names the field it is about."""
from db import is_busy, storage_fault


class InputError(ValueError):
    """Bad input from a person, a file or a device; `message` is shown as is."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleEdit(InputError):
    """Someone else saved the same record since the form was opened."""


class NotFound(LookupError):
    pass


# The plain reason shown when the database cannot take a write (db.storage_fault's kinds).
STORAGE_REASONS = {
    "full": "на диске нет места — данные не сохранены",
    "readonly": "база данных доступна только для чтения — данные не сохранены",
    "ioerror": "диск не отвечает (ошибка записи) — данные не сохранены",
}


BUSY_REASON = "база данных занята другой записью (например, загрузкой из 1С) — данные не сохранены, повторите через минуту"


def storage_reason(exc: BaseException) -> str | None:
    """The Russian reason for a full disk, a read-only database or a disk error; None otherwise."""
    kind = storage_fault(exc)
    return STORAGE_REASONS[kind] if kind else None


def busy_reason(exc: BaseException) -> str | None:
    return BUSY_REASON if is_busy(exc) else None
