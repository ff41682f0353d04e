"""Staff, customers with phones and vehicles, products, sales, audit log, notifications."""
from db import is_sqlite
from db.models.audit import AuditEntry
from db.models.catalog import Product
from db.models.customers import Customer, Phone, Vehicle
from db.models.notifications import Notification
from db.models.sales import Sale, SaleLine
from db.models.staff import Staff
from db.models.system import Heartbeat, KeyValue

MODELS = [Staff, Customer, Phone, Vehicle, Product, Sale, SaleLine, AuditEntry, Notification, Heartbeat, KeyValue]


def up(migrator, db):
    db.create_tables(MODELS, safe=True)
    if is_sqlite():
        # Search index of the customer base: rowid = customer id; unicode61 folds case of Cyrillic.
        db.execute_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS customer_fts USING fts5("
            "body, tokenize = 'unicode61 remove_diacritics 2')"
        )


def down(migrator, db):
    if is_sqlite():
        db.execute_sql("DROP TABLE IF EXISTS customer_fts")
    db.drop_tables(MODELS, safe=True)
