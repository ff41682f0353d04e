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


def test_owner_adds_staff_and_switches_an_account_off(login):
    from db.models.staff import Staff

    owner = login("owner")
    response = owner.post("/staff", {"action": "create", "full_name": "Новиков Олег", "username": "novikov",
                                     "role": "manager", "password": "secret-pass"})
    assert "Сотрудник Новиков Олег добавлен" in response.get_data(as_text=True)
    user = Staff.get(Staff.username == "novikov")
    owner.post("/staff", {"action": "toggle", "id": str(user.id)})
    assert not Staff.get_by_id(user.id).active
    refused = owner.post("/staff", {"action": "toggle", "id": str(Staff.get(Staff.username == "owner").id)})
    assert "Нельзя отключить собственную" in refused.get_data(as_text=True)
    assert login("manager").get("/staff").status_code == 403
