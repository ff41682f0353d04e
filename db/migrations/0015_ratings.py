"""Ratings: requests, what they rate, replies, call-backs."""
from db.models.ratings import MODELS


def up(migrator, db):
    db.create_tables(MODELS, safe=True)


def down(migrator, db):
    db.drop_tables(list(reversed(MODELS)), safe=True)
