"""Bonus cards: the points ledger, sales with a card, 1C returns, cards issued at the counter."""
from db.models.loyalty import MODELS


def up(migrator, db):
    db.create_tables(MODELS, safe=True)


def down(migrator, db):
    db.drop_tables(list(reversed(MODELS)), safe=True)
