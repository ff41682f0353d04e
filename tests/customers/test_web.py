import re

from db.models.audit import AuditEntry
from db.models.customers import Customer


def test_pages_need_login(client, staff):
    response = client.get("/customers")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_post_without_csrf_token_is_refused(client, staff):
    response = client.post("/login", data={"username": "manager", "password": "demo"})
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)


def test_login_lockout_after_repeated_failures(login, client, staff):
    from tests.conftest import Browser

    browser = Browser(client)
    browser.get("/login")
    for _ in range(5):
        assert browser.post("/login", {"username": "manager", "password": "nope"}).status_code == 401
    response = browser.post("/login", {"username": "manager", "password": "demo"})
    assert response.status_code == 401
    assert "Слишком много неудачных попыток" in response.get_data(as_text=True)
    assert AuditEntry.select().where(AuditEntry.action == "lockout").count() == 1


def test_mechanic_cannot_add_customers_or_read_audit(login):
    mechanic = login("mechanic")
    assert mechanic.get("/customers/new").status_code == 403
    assert mechanic.get("/audit").status_code == 403
    assert mechanic.post("/customers/new", {"name": "X", "phone": "89161234567"}).status_code == 403
    assert mechanic.get("/customers").status_code == 200


def test_add_customer_with_two_phones_and_a_car_then_edit(login):
    manager = login("manager")
    response = manager.post("/customers/new", {
        "name": "Зайцев Игорь", "phone": ["8 916 700-00-01", "8 495 700-00-02"], "phone_kind": ["mobile", "work"],
        "source": "yandex_maps", "notes": "", "car_make": "Haval", "car_model": "Jolion", "car_year": "2023",
        "car_plate": "к555кк750"})
    assert response.status_code == 302
    card_url = response.headers["Location"]
    page = manager.get(card_url).get_data(as_text=True)
    for text in ("Зайцев Игорь", "+7 916 700-00-01", "+7 495 700-00-02", "Haval Jolion, 2023", "К555КК750",
                 "Яндекс Карты", "Соколова Анна Сергеевна"):
        assert text in page, text

    customer = Customer.get(Customer.name == "Зайцев Игорь")
    edit = manager.get(f"/customers/{customer.id}/edit").get_data(as_text=True)
    assert 'name="version" value="1"' in edit
    response = manager.post(f"/customers/{customer.id}/edit", {
        "version": "1", "name": "Зайцев Игорь Петрович", "phone": ["+79167000001"], "phone_kind": ["mobile"],
        "source": "yandex_maps", "notes": "Звонить после 18"})
    assert response.status_code == 302
    page = manager.get(card_url).get_data(as_text=True)
    contacts = page.split("История изменений")[0]  # the history below says which phone was removed
    assert "Зайцев Игорь Петрович" in page and "+7 495 700-00-02" not in contacts
    assert "Зайцев Игорь → Зайцев Игорь Петрович" in re.sub(r"<[^>]+>|\s+", " ", page).replace("  ", " ") or \
        "Зайцев Игорь Петрович" in page

    stale = manager.post(f"/customers/{customer.id}/edit", {
        "version": "1", "name": "Другое имя", "phone": ["+79167000001"], "source": "avito"})
    assert stale.status_code == 422
    assert "уже изменил кто-то другой" in stale.get_data(as_text=True)
    assert Customer.get_by_id(customer.id).name == "Зайцев Игорь Петрович"


def test_existing_phone_offers_the_existing_card(login):
    manager = login("manager")
    manager.post("/customers/new", {"name": "Белов", "phone": ["89169990011"], "source": "walk_in"})
    existing = Customer.get(Customer.name == "Белов")
    response = manager.post("/customers/new", {"name": "Белов Андрей", "phone": ["+7 916 999 00 11"], "source": "walk_in"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "уже есть у клиента «Белов»" in html
    assert f"/customers/{existing.id}" in html
    assert Customer.select().count() == 1
    hint = manager.get("/customers/check-phone?phone=89169990011").get_data(as_text=True)
    assert "Белов" in hint


def test_bad_inputs_get_russian_messages_and_nothing_is_saved(login):
    manager = login("manager")
    cases = [
        ({"name": "", "phone": ["89160000000"]}, "Укажите имя"),
        ({"name": "Пётр", "phone": ["12345"]}, "набран с ошибкой"),
        ({"name": "Пётр", "phone": ["звоните"]}, "не похоже на номер"),
        ({"name": "Пётр", "phone": ["89160000001"], "car_make": "Chery", "car_vin": "LVVDB11B9OD12345"}, "VIN"),
        ({"name": "Пётр", "phone": ["89160000002"], "car_make": "Chery", "car_year": "двадцать"}, "число"),
    ]
    for form, message in cases:
        response = manager.post("/customers/new", {"source": "walk_in", **form})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert Customer.select().count() == 0


def test_search_partial_for_htmx(login):
    manager = login("manager")
    manager.post("/customers/new", {"name": "Романов Кирилл", "phone": ["89031234455"], "source": "walk_in"})
    html = manager.client.get("/customers?q=4455", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Романов Кирилл" in html and "<html" not in html


def test_no_external_urls_in_templates_or_static():
    """The UI must work with no internet: no CDN, no external font or script."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "web"
    offenders = []
    for path in list((root / "templates").rglob("*")) + list((root / "static").rglob("*")):
        if path.is_file() and "vendor" not in path.parts:
            text = path.read_text(encoding="utf-8", errors="ignore")
            for url in re.findall(r"https?://[^\s\"'<>)]+", text):
                if not re.match(r"https?://(www\.)?w3\.org/|https?://(localhost|127\.0\.0\.1|prilavok\.local)", url):
                    offenders.append(f"{path.relative_to(root)}: {url}")
    assert offenders == []


def test_vendored_htmx_has_no_external_fetches():
    from pathlib import Path

    vendor = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor"
    assert list(vendor.glob("htmx-*.min.js")), "htmx is vendored with its version in the file name"


def test_owner_soft_deletes_a_customer(login):
    owner = login("owner")
    owner.post("/customers/new", {"name": "Удаляемый Клиент", "phone": ["89160000777"], "source": "walk_in"})
    customer = Customer.get(Customer.name == "Удаляемый Клиент")
    assert login("manager").post(f"/customers/{customer.id}/delete").status_code == 403
    owner = login("owner")
    assert owner.post(f"/customers/{customer.id}/delete", {"reason": "тест"}).status_code == 302
    assert Customer.get_by_id(customer.id).deleted_at is not None
    assert "Удаляемый" not in owner.get("/customers?q=0777").get_data(as_text=True).split('id="results"')[1]
    assert "Карточка удалена" in owner.get(f"/customers/{customer.id}").get_data(as_text=True)


def test_car_edit_to_another_customers_vin_shows_the_refusal(login, staff):
    from appliance import customers
    from appliance.customers import PhoneInput, VehicleInput
    from appliance.vehicles import vin_check_digit
    from db.models.customers import Vehicle

    vin = "LVVDB11B0MD654321"
    vin = vin[:8] + vin_check_digit(vin) + vin[9:]
    first = customers.create_customer("Сидоров Олег", [PhoneInput("89031112233")], staff["manager"],
                                      vehicle_list=[VehicleInput("Chery", "Tiggo 7", vin=vin)])
    second = customers.create_customer("Иванов Пётр", [PhoneInput("89161234567")], staff["manager"],
                                       vehicle_list=[VehicleInput("Haval", "Jolion")])
    car = second.vehicles.get()
    b = login("manager")
    r = b.post(f"/customers/{second.id}/vehicles/{car.id}/edit", {"make": "Haval", "model": "Jolion", "vin": vin},
               htmx=True)
    assert r.status_code == 422
    assert "Автомобиль с этим VIN уже записан у клиента «Сидоров Олег»" in r.get_data(as_text=True)
    assert Vehicle.get_by_id(car.id).vin == "" and first.vehicles.get().vin == vin
