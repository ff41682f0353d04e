"""Order lines sent to a supplier through its API remember their supplier-order line."""
import peewee

from db.migrations.helpers import add_column_if_missing


def up(migrator, db):
    add_column_if_missing(migrator, "order_line", "supplier_line_id", peewee.IntegerField(null=True))
    db.execute_sql("CREATE INDEX IF NOT EXISTS order_line_supplier_line_id ON order_line (supplier_line_id)")


def down(migrator, db):
    migrator.migrate(migrator.drop_column("order_line", "supplier_line_id"))
