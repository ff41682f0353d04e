"""Payroll: monthly plans per manager, the KPI scale, closed months, correction lines."""
from db.models.payroll import MODELS


def up(migrator, db):
    db.create_tables(MODELS, safe=True)


def down(migrator, db):
    db.drop_tables(list(reversed(MODELS)), safe=True)
