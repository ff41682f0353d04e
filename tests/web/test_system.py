from appliance import notifications, status


def test_pulse_shows_badge_and_status_bar(login, db):
    manager = login("manager")
    notifications.raise_notification("missed_call", "c1", "Пропущенный звонок")
    html = manager.get("/pulse").get_data(as_text=True)
    assert '<span class="count">1</span>' in html and "hot" in html
    assert "Фоновые задачи: не запускались" in html
    status.beat("worker")
    assert "Фоновые задачи: работают" in manager.get("/pulse").get_data(as_text=True)


def test_notification_take_and_done(login, staff):
    manager = login("manager")
    n = notifications.raise_notification("reminder", "r", "Проверить полку заказов")
    html = manager.post(f"/notifications/{n.id}/take", htmx=True).get_data(as_text=True)
    assert "Соколова Анна Сергеевна" in html
    manager.post(f"/notifications/{n.id}/done", {"comment": "проверила"}, htmx=True)
    page = manager.get("/notifications?show=resolved").get_data(as_text=True)
    assert "проверила" in page
    assert notifications.badge()["total"] == 0


def test_owner_sees_the_audit_log(login):
    owner = login("owner")
    owner.post("/customers/new", {"name": "Гусев", "phone": ["89161231231"], "source": "walk_in"})
    page = owner.get("/audit").get_data(as_text=True)
    assert "Гусев" in page and "Громов Виктор Павлович" in page
