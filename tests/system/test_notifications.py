from appliance import notifications
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
