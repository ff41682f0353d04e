"""Calls through the office PBX (and caller ID seen on the GSM modem), assembled from AMI events.

`PbxEvent` rows are what the devices process heard (the database is the bus; `key` makes a
replayed packet a no-op); `PhoneCall` is one conversation per Asterisk Linkedid with its
`CallLeg`s (one per desk phone that rang); `Callback` is an open «Перезвонить» entry per
number; `ClickToCall` is the outbox of Originate requests the devices process executes;
`PbxStatus` (row 1) is what the devices page shows about the AMI link.
"""
from __future__ import annotations

import json

import peewee

from db.models.base import BaseModel
from db.models.customers import Customer
from db.models.sms import Call as ModemCall
from db.models.staff import Staff

DIRECTIONS = {"in": "входящий", "out": "исходящий", "internal": "внутренний"}
RESULTS = {"answered": "разговор", "missed": "пропущен", "busy": "занято", "failed": "не соединилось",
           "ringing": "звонит", "talking": "идёт разговор"}


class PbxEvent(BaseModel):
    key = peewee.CharField(unique=True)  # sha1 of the packet: a duplicate is dropped on insert
    name = peewee.CharField()
    linkedid = peewee.CharField(index=True, default="")
    uniqueid = peewee.CharField(default="")
    at = peewee.DateTimeField(index=True)  # the PBX's Timestamp when sent, else when we heard it
    payload = peewee.TextField()

    @property
    def fields(self) -> dict:
        return json.loads(self.payload)


class PhoneCall(BaseModel):
    linkedid = peewee.CharField(unique=True)  # "modem:<id>" for a caller ID seen on the modem
    source = peewee.CharField(default="pbx")  # pbx | modem
    direction = peewee.CharField(default="in")
    number = peewee.CharField(default="", index=True)  # E.164, an internal number, or "" (anonymous)
    customer = peewee.ForeignKeyField(Customer, null=True, backref="phone_calls", on_delete="SET NULL")
    started_at = peewee.DateTimeField(index=True)
    answered_at = peewee.DateTimeField(null=True)
    ended_at = peewee.DateTimeField(null=True)
    answered_by = peewee.ForeignKeyField(Staff, null=True, backref="answered_calls", on_delete="SET NULL")
    answered_ext = peewee.CharField(default="")
    caller = peewee.ForeignKeyField(Staff, null=True, backref="made_calls", on_delete="SET NULL")
    result = peewee.CharField(default="ringing", index=True)
    cause = peewee.IntegerField(null=True)
    recording = peewee.CharField(default="")
    closed_note = peewee.CharField(default="")  # "closed after reconnect" and the like
    modem_call = peewee.ForeignKeyField(ModemCall, null=True, unique=True, on_delete="SET NULL")
    version = peewee.IntegerField(default=0)  # bumped on every change: the screen pop polls it

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def wait_s(self) -> int | None:
        end = self.answered_at or self.ended_at
        return int((end - self.started_at).total_seconds()) if end else None

    @property
    def talk_s(self) -> int | None:
        if self.answered_at and self.ended_at:
            return int((self.ended_at - self.answered_at).total_seconds())
        return None


class CallLeg(BaseModel):
    call = peewee.ForeignKeyField(PhoneCall, backref="legs", on_delete="CASCADE")
    uniqueid = peewee.CharField()
    extension = peewee.CharField(default="")
    staff = peewee.ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    rang_at = peewee.DateTimeField()
    answered_at = peewee.DateTimeField(null=True)
    ended_at = peewee.DateTimeField(null=True)
    status = peewee.CharField(default="ringing")  # ringing | answered | noanswer | busy | cancel | failed
    cause = peewee.IntegerField(null=True)

    class Meta:
        indexes = ((("call", "uniqueid"), True),)


class Callback(BaseModel):
    number = peewee.CharField(index=True)
    customer = peewee.ForeignKeyField(Customer, null=True, on_delete="SET NULL")
    attempts = peewee.IntegerField(default=1)
    first_at = peewee.DateTimeField()
    last_at = peewee.DateTimeField()
    is_open = peewee.BooleanField(default=True, index=True)
    closed_at = peewee.DateTimeField(null=True)
    closed_by = peewee.ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    closed_by_call = peewee.ForeignKeyField(PhoneCall, null=True, on_delete="SET NULL")
    reason = peewee.CharField(default="")


class ClickToCall(BaseModel):
    action_id = peewee.CharField(unique=True)
    staff = peewee.ForeignKeyField(Staff, on_delete="CASCADE")
    extension = peewee.CharField()
    number = peewee.CharField()
    customer = peewee.ForeignKeyField(Customer, null=True, on_delete="SET NULL")
    status = peewee.CharField(default="queued", index=True)  # queued | sending | sent | ringing | failed
    error = peewee.CharField(default="")
    linkedid = peewee.CharField(default="", index=True)
    created_at = peewee.DateTimeField()
    sent_at = peewee.DateTimeField(null=True)


class PbxStatus(BaseModel):
    url = peewee.CharField(default="")  # without the secret
    up = peewee.BooleanField(default=False)
    since = peewee.DateTimeField(null=True)
    last_error = peewee.CharField(default="")
    last_event_at = peewee.DateTimeField(null=True)
    events_total = peewee.IntegerField(default=0)
    connects = peewee.IntegerField(default=0)
