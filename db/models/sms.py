"""SMS through the shop's own GSM modem: the outbox/inbox, incoming parts, templates,
opt-outs, calls seen on the modem and the modem's last known state."""
from __future__ import annotations

import json

import peewee

from db.models.base import BaseModel
from db.models.customers import Customer
from db.models.staff import Staff

# Outgoing: queued -> sending -> sent -> delivered | failed; `uncertain` when a send was
# interrupted after the modem may have transmitted it. Incoming: received.
STATUSES = {
    "queued": "в очереди",
    "sending": "отправляется",
    "sent": "отправлено",
    "delivered": "доставлено",
    "failed": "не отправлено",
    "uncertain": "статус неизвестен",
    "received": "получено",
}
KINDS = {"service": "сервисное", "marketing": "рекламное"}


class SmsMessage(BaseModel):
    direction = peewee.CharField(index=True)  # out | in
    customer = peewee.ForeignKeyField(Customer, null=True, backref="sms", on_delete="SET NULL")
    phone = peewee.CharField(index=True)  # E.164, or the sender as the network gave it
    text = peewee.TextField()
    template_code = peewee.CharField(default="")
    kind = peewee.CharField(default="service")
    status = peewee.CharField(index=True)
    encoding = peewee.CharField(default="")  # gsm7 | ucs2
    parts_total = peewee.IntegerField(default=1)
    concat_ref = peewee.IntegerField(null=True)
    # JSON list, one entry per part: {"mr": TP-MR or null while unsent, "st": TP-ST of its report}
    parts_state = peewee.TextField(default="[]")
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.TextField(default="")
    next_attempt_at = peewee.DateTimeField(null=True, index=True)
    created_at = peewee.DateTimeField(index=True)
    sending_at = peewee.DateTimeField(null=True)
    sent_at = peewee.DateTimeField(null=True)
    delivered_at = peewee.DateTimeField(null=True)
    failed_at = peewee.DateTimeField(null=True)
    received_at = peewee.DateTimeField(null=True)
    sender_time = peewee.DateTimeField(null=True)  # incoming: the SMSC's timestamp, UTC
    dedupe_key = peewee.CharField(null=True, unique=True)
    created_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    resent_from = peewee.ForeignKeyField("self", null=True, backref="resends", on_delete="SET NULL")

    class Meta:
        indexes = ((("direction", "status", "next_attempt_at"), False),)

    @property
    def parts(self) -> list[dict]:
        return json.loads(self.parts_state or "[]")

    @parts.setter
    def parts(self, value: list[dict]) -> None:
        self.parts_state = json.dumps(value)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


class SmsPart(BaseModel):
    """One received PDU, kept until its message is whole (parts may arrive out of
    order, hours apart, across restarts). `pdu_hash` makes a re-read PDU harmless."""

    pdu_hash = peewee.CharField(unique=True)
    phone = peewee.CharField()
    concat_ref = peewee.IntegerField(null=True)
    total = peewee.IntegerField(default=1)
    seq = peewee.IntegerField(default=1)
    text = peewee.TextField(default="")
    sender_time = peewee.DateTimeField(null=True)
    received_at = peewee.DateTimeField()
    message = peewee.ForeignKeyField(SmsMessage, null=True, backref="incoming_parts", on_delete="SET NULL")

    class Meta:
        indexes = ((("phone", "concat_ref", "total", "message"), False),)


class SmsTemplate(BaseModel):
    code = peewee.CharField(unique=True)
    title = peewee.CharField()
    body = peewee.TextField()
    kind = peewee.CharField(default="service")
    updated_at = peewee.DateTimeField(null=True)
    updated_by = peewee.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")


class SmsOptOut(BaseModel):
    """A phone that gets no marketing SMS (replied STOP/СТОП, or staff marked it)."""

    phone = peewee.CharField(unique=True)
    customer = peewee.ForeignKeyField(Customer, null=True, backref="+", on_delete="SET NULL")
    source = peewee.CharField(default="sms")  # sms | staff
    note = peewee.CharField(default="")
    created_at = peewee.DateTimeField()


class Call(BaseModel):
    phone = peewee.CharField(index=True)  # E.164 when the caller ID could be read, else as given
    customer = peewee.ForeignKeyField(Customer, null=True, backref="calls", on_delete="SET NULL")
    started_at = peewee.DateTimeField(index=True)
    ended_at = peewee.DateTimeField(null=True)
    answered = peewee.BooleanField(default=False)
    rings = peewee.IntegerField(default=0)
    source = peewee.CharField(default="modem")


class ModemStatus(BaseModel):
    """One row (id 1): what the devices process last knew about the modem."""

    port = peewee.CharField(default="")
    up = peewee.BooleanField(default=False)
    last_seen_at = peewee.DateTimeField(null=True)
    checked_at = peewee.DateTimeField(null=True)
    model = peewee.CharField(default="")
    imei = peewee.CharField(default="")
    sim_status = peewee.CharField(default="")
    signal_rssi = peewee.IntegerField(null=True)
    signal_dbm = peewee.IntegerField(null=True)
    registration = peewee.CharField(default="")
    operator = peewee.CharField(default="")
    last_error = peewee.TextField(default="")
    last_error_at = peewee.DateTimeField(null=True)
    outage_since = peewee.DateTimeField(null=True)
    next_concat_ref = peewee.IntegerField(default=1)
    sent_total = peewee.IntegerField(default=0)


# Russian defaults; the owner edits them on /sms/templates. Placeholders in braces.
DEFAULT_TEMPLATES = [
    ("order_arrived", "Заказ пришёл", "service",
     "{name}, ваш заказ №{order_number} пришёл. Сумма к оплате {sum}. Ждём вас до {date}. {shop_name}, {shop_phone}"),
    ("order_reminder", "Напоминание о заказе", "service",
     "{name}, напоминаем: заказ №{order_number} ждёт вас на полке до {date}. {shop_name}, {shop_phone}"),
    ("rating_request", "Просьба оценить", "service",
     "{name}, спасибо за покупку! Оцените нас от 1 до 10 — просто ответьте цифрой на это SMS. {shop_name}"),
    ("winback", "Давно не заходили", "marketing",
     "{name}, давно вас не видели! На карте {bonus_balance} бонусов — ждём в {shop_name}. "
     "Отказ от рассылки: ответьте СТОП"),
    ("test", "Проверка модема", "service", "Проверка связи: SMS из {shop_name} дошло. {date}"),
]
