"""Suppliers, analogs, mandatory assortment, price history, reorder list, supplier orders."""
from db.models.suppliers import MODELS


def up(migrator, db):
    db.create_tables(MODELS, safe=True)


def down(migrator, db):
    db.drop_tables(list(reversed(MODELS)), safe=True)
