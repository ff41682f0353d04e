"""SMS outbox/inbox, incoming parts, templates (with Russian defaults), opt-outs,
calls seen on the GSM modem and the modem status row."""
import datetime as dt

from db.models.sms import (
    DEFAULT_TEMPLATES,
    Call,
    ModemStatus,
    SmsMessage,
    SmsOptOut,
    SmsPart,
    SmsTemplate,
)

MODELS = [SmsMessage, SmsPart, SmsTemplate, SmsOptOut, Call, ModemStatus]


def up(migrator, db):
    db.create_tables(MODELS, safe=True)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for code, title, kind, body in DEFAULT_TEMPLATES:
        if not SmsTemplate.select().where(SmsTemplate.code == code).exists():
            SmsTemplate.create(code=code, title=title, kind=kind, body=body, updated_at=now)
    if not ModemStatus.select().where(ModemStatus.id == 1).exists():
        ModemStatus.create(id=1)


def down(migrator, db):
    db.drop_tables(MODELS, safe=True)
