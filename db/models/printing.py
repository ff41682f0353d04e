"""The print queue (an outbox drained by the devices process) and the printer's last known state."""
from __future__ import annotations

import peewee

from db.models.base import BaseModel
from db.models.staff import Staff

JOB_STATUSES = ("queued", "printing", "printed", "failed")
STATUS_LABELS = {
    "queued": "в очереди",
    "printing": "печатается",
    "printed": "напечатано",
    "failed": "не напечатано",
}


class PrintJob(BaseModel):
    """One batch of labels in the printer's language, ready to send as is."""

    batch_name = peewee.CharField()
    language = peewee.CharField()  # zpl | tspl | escpos
    payload = peewee.BlobField()
    label_count = peewee.IntegerField(default=1)
    status = peewee.CharField(default="queued", index=True)
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.TextField(default="")
    error_code = peewee.CharField(default="")
    next_attempt_at = peewee.DateTimeField(null=True)
    preview_path = peewee.CharField(default="")  # relative to the data dir
    printer_url = peewee.CharField(default="")  # where it went (or was last tried)
    requested_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()
    printed_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


class PrinterStatus(BaseModel):
    """What the devices process last learned about a printer (one row per printer)."""

    name = peewee.CharField(unique=True, default="default")
    state = peewee.CharField(default="unknown")  # unknown | ok | offline | not_connected | paper_out | ...
    reason = peewee.TextField(default="")
    checked_at = peewee.DateTimeField(null=True)
    down_since = peewee.DateTimeField(null=True)
    last_ok_at = peewee.DateTimeField(null=True)
