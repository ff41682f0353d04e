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


TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS phone_fts_ai AFTER INSERT ON phone BEGIN "
    "INSERT INTO phone_fts(rowid, digits) VALUES (new.id, new.digits); END",
    "CREATE TRIGGER IF NOT EXISTS phone_fts_au AFTER UPDATE OF digits ON phone BEGIN "
    "DELETE FROM phone_fts WHERE rowid = old.id; INSERT INTO phone_fts(rowid, digits) VALUES (new.id, new.digits); END",
    "CREATE TRIGGER IF NOT EXISTS phone_fts_ad AFTER DELETE ON phone BEGIN "
    "DELETE FROM phone_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER IF NOT EXISTS vehicle_fts_ai AFTER INSERT ON vehicle BEGIN "
    "INSERT INTO vehicle_fts(rowid, plate, vin) VALUES (new.id, new.plate, new.vin); END",
    "CREATE TRIGGER IF NOT EXISTS vehicle_fts_au AFTER UPDATE OF plate, vin ON vehicle BEGIN "
    "DELETE FROM vehicle_fts WHERE rowid = old.id; INSERT INTO vehicle_fts(rowid, plate, vin) VALUES (new.id, new.plate, new.vin); END",
    "CREATE TRIGGER IF NOT EXISTS vehicle_fts_ad AFTER DELETE ON vehicle BEGIN "
    "DELETE FROM vehicle_fts WHERE rowid = old.id; END",
]


def up(migrator, db):
    db.create_tables(MODELS, safe=True)
    if is_sqlite():
        # Search index of the customer base: rowid = customer id; unicode61 folds case of Cyrillic.
        db.execute_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS customer_fts USING fts5("
            "body, tokenize = 'unicode61 remove_diacritics 2')"
        )
        # Substring search ("any run of digits", a plate or VIN fragment) through trigram indexes,
        # kept in step with their tables by triggers: rowid = phone.id / vehicle.id.
        db.execute_sql("CREATE VIRTUAL TABLE IF NOT EXISTS phone_fts USING fts5(digits, tokenize = 'trigram')")
        db.execute_sql("CREATE VIRTUAL TABLE IF NOT EXISTS vehicle_fts USING fts5(plate, vin, tokenize = 'trigram')")
        for sql in TRIGGERS:
            db.execute_sql(sql)


def down(migrator, db):
    if is_sqlite():
        for table in ("customer_fts", "phone_fts", "vehicle_fts"):
            db.execute_sql(f"DROP TABLE IF EXISTS {table}")
    db.drop_tables(MODELS, safe=True)
