"""registry.check_link: the answer of «Проверить связь» (run by the worker, shown by the page)."""
from appliance.suppliers import registry
from tests.suppliers.fixtures import configure_settings


def test_a_working_account_has_a_link(suppliers_cfg):
    assert registry.check_link("s1") == (True, "Связь есть: Поставщик s1.")


def test_a_wrong_password_is_told(suppliers_cfg, settings, sim):
    configure_settings(settings.var_dir, **{"supplier:bad": {"kind": "abcp", "name": "Неверный", "url": sim.url("s1"),
                                                             "login": "demo", "password": "wrong"}})
    ok, text = registry.check_link("bad")
    assert not ok and "Неверный — поставщик ответил ошибкой" in text and "логин и пароль" in text


def test_an_unreachable_supplier_says_since_when(suppliers_cfg, settings):
    configure_settings(settings.var_dir, **{"supplier:gone": {"kind": "abcp", "name": "Пропал",
                                                              "url": "http://127.0.0.1:9", "login": "demo",
                                                              "password": "demo"}})
    ok, text = registry.check_link("gone")
    assert not ok and "Пропал — нет связи" in text


def test_an_unknown_supplier_is_no_link(suppliers_cfg):
    assert registry.check_link("nope") == (False, "Поставщика «nope» нет в настройках.")


def test_an_unknown_kind_of_connection_is_told(suppliers_cfg, settings):
    configure_settings(settings.var_dir, **{"supplier:odd": {"kind": "fax", "name": "Факс"}})
    assert registry.check_link("odd") == (False, "Проверка связи не прошла: Факс — неизвестный вид подключения «fax».")
