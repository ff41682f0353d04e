"""Price checks in progress live in the database, not in one web process's memory."""
from db.models.suppliers import PriceCheckAnswer, PriceCheckRun


def up(migrator, db):
    db.create_tables([PriceCheckRun, PriceCheckAnswer], safe=True)


def down(migrator, db):
    db.drop_tables([PriceCheckAnswer, PriceCheckRun], safe=True)
