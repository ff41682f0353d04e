"""The print queue and the printer status."""
from db.models.printing import PrinterStatus, PrintJob

MODELS = [PrintJob, PrinterStatus]


def up(migrator, db):
    db.create_tables(MODELS, safe=True)


def down(migrator, db):
    db.drop_tables(MODELS, safe=True)
