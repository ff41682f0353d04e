"""Notifications say who they are for: roles and/or a person (the owner sees all).

Open rows of an upgraded box get the audience the area would give them today: the
workshop's website bookings go to the workshop too, a customer order's problem to the
manager it was assigned to (and the owner); the rest stays with the office.
"""
import peewee
from playhouse.migrate import SqliteMigrator

from db.migrations.helpers import add_column_if_missing, column_names
from db.models.staff import Staff


def up(migrator, db):
    had_person = "audience_person_id" in column_names(db, "notification")
    add_column_if_missing(migrator, "notification", "audience_roles",
                          peewee.CharField(default=",owner,manager,"))
    add_column_if_missing(migrator, "notification", "audience_person_id",
                          peewee.ForeignKeyField(Staff, null=True, field=Staff.id, on_delete="SET NULL"))
    if had_person:
        return
    db.execute_sql("UPDATE notification SET audience_roles = ',owner,manager,mechanic,' WHERE kind = 'website_request'")
    db.execute_sql("UPDATE notification SET audience_person_id = assignee_id, audience_roles = ',owner,' "
                   "WHERE kind IN ('order_problem', 'reminder') AND key LIKE 'order:%' AND assignee_id IS NOT NULL")


def down(migrator, db):
    # SQLite's own DROP COLUMN refuses a column with a foreign key: rebuild the table there.
    legacy = {"legacy": True} if isinstance(migrator, SqliteMigrator) else {}
    migrator.migrate(migrator.drop_column("notification", "audience_person_id", **legacy),
                     migrator.drop_column("notification", "audience_roles", **legacy))
