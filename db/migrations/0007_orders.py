"""Parts orders: orders, lines, arrivals, timeline and receipt lines awaiting a decision."""
from db.models.orders import MODELS


def up(migrator, db):
    db.create_tables(MODELS, safe=True)


def down(migrator, db):
    db.drop_tables(list(reversed(MODELS)), safe=True)
