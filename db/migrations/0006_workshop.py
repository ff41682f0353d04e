"""Workshop: bays, bookings, work orders, status history, findings, device tokens."""
from db.models.workshop import MODELS


def up(migrator, db):
    db.create_tables(MODELS, safe=True)


def down(migrator, db):
    db.drop_tables(list(reversed(MODELS)), safe=True)
