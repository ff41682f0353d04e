"""Calls through the office PBX: AMI events, calls and legs, «Перезвонить», click-to-call, the link state;
and the desk phone extension of each staff member."""
import peewee

from db.migrations.helpers import add_column_if_missing
from db.models.calls import Callback, CallLeg, ClickToCall, PbxEvent, PbxStatus, PhoneCall

MODELS = [PbxEvent, PhoneCall, CallLeg, Callback, ClickToCall, PbxStatus]


def up(migrator, db):
    add_column_if_missing(migrator, "staff", "extension", peewee.CharField(default=""))
    db.create_tables(MODELS, safe=True)
    if not PbxStatus.select().where(PbxStatus.id == 1).exists():
        PbxStatus.create(id=1)


def down(migrator, db):
    db.drop_tables(list(reversed(MODELS)), safe=True)
    migrator.migrate(migrator.drop_column("staff", "extension"))
