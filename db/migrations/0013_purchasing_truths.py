"""Purchasing: a reorder line priced from a supplier's last quote says when that quote was
(``quote_at``), and a stock-watch run says whether it was the nightly one or a person's
«Проверить сейчас» (``kind``, ``started_by``)."""
import peewee
from playhouse.migrate import SqliteMigrator

from db.migrations.helpers import add_column_if_missing
from db.models.staff import Staff


def up(migrator, db):
    add_column_if_missing(migrator, "reorder_line", "quote_at", peewee.DateTimeField(null=True))
    add_column_if_missing(migrator, "stock_watch_run", "kind", peewee.CharField(default="nightly"))
    add_column_if_missing(migrator, "stock_watch_run", "started_by_id",
                          peewee.ForeignKeyField(Staff, null=True, field=Staff.id, on_delete="SET NULL"))


def down(migrator, db):
    legacy = {"legacy": True} if isinstance(migrator, SqliteMigrator) else {}
    migrator.migrate(migrator.drop_column("stock_watch_run", "started_by_id", **legacy),
                     migrator.drop_column("stock_watch_run", "kind", **legacy),
                     migrator.drop_column("reorder_line", "quote_at", **legacy))
