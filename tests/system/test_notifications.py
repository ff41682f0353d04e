from playhouse.migrate import SqliteMigrator
from playhouse.migrate import migrate as run

from appliance import notifications
from db import database, migrate, open_database, schema_status
from db.models.notifications import Notification


def test_same_problem_is_one_open_notification(db, staff):
    first = notifications.raise_notification("order_problem", "order-7:late", "Заказ №7 опаздывает")
    again = notifications.raise_notification("order_problem", "order-7:late", "Заказ №7 опаздывает на 2 дня")
    assert first.id == again.id and again.occurrences == 2
    assert Notification.select().where(Notification.is_open).count() == 1
    assert notifications.badge(staff["manager"]) == {"total": 1, "mine": 0, "hot": True}
    notifications.resolve("order_problem", "order-7:late", staff["manager"], "поставщик подтвердил")
    assert notifications.badge(staff["manager"])["total"] == 0
    reopened = notifications.raise_notification("order_problem", "order-7:late", "Снова опаздывает")
    assert reopened.id != first.id


def test_missed_calls_come_first(db):
    notifications.raise_notification("reminder", "r1", "Напоминание")
    notifications.raise_notification("missed_call", "c1", "Пропущенный звонок +7 916 123-45-67")
    assert [n.kind for n in notifications.open_items()] == ["missed_call", "reminder"]


def test_upgrade_gives_open_notifications_an_audience(settings):
    """A box on 0009 has notifications without an audience: 0010 adds it by what each one is about."""
    open_database(settings.db_path)
    names = [m.name for m in schema_status()]
    audience = names.index("0010_notification_audience")
    migrate(names[audience - 1])
    migrator = SqliteMigrator(database.obj)
    run(migrator.drop_column("notification", "audience_person_id", legacy=True),
        migrator.drop_column("notification", "audience_roles", legacy=True))
    database.execute_sql("INSERT INTO staff (username, full_name, role, password_hash, active, phone, failed_logins, "
                         "created_at) VALUES ('m', 'Соколова Анна', 'manager', '', 1, '', 0, '2026-11-23')")
    for kind, key, assignee in (("website_request", "booking:1", None), ("order_problem", "order:7:late", 1),
                                ("device", "modem", None)):
        database.execute_sql(
            "INSERT INTO notification (kind, key, priority, title, body, url, assignee_id, created_at, updated_at, "
            "occurrences, resolution, is_open) VALUES (?, ?, 20, 't', '', '', ?, '2026-11-23', '2026-11-23', 1, '', 1)",
            (kind, key, assignee))
    assert "0010_notification_audience" in migrate()
    rows = {n.kind: (n.audience_roles, n.audience_person_id) for n in Notification.select()}
    assert rows == {"website_request": (",owner,manager,mechanic,", None), "order_problem": (",owner,", 1),
                    "device": (",owner,manager,", None)}
