from appliance.settings import Settings


def test_defaults_are_the_embedded_demo_box():
    cfg = Settings(None, environ={})
    assert cfg.demo
    assert cfg.getint("web", "port") == 8080
    assert cfg.get("app", "timezone") == "Europe/Moscow"


def test_ini_file_and_environment_override(tmp_path):
    ini = tmp_path / "prilavok.ini"
    ini.write_text("[web]\nport = 9000\n[app]\nshop_name = Запчасти на Ленина\n[supplier:abcp1]\nkind = abcp\n", encoding="utf-8")
    cfg = Settings(ini, environ={"PRILAVOK_WEB_PORT": "8181", "PRILAVOK_SUPPLIER_ABCP1_LOGIN": "shop42"})
    assert cfg.getint("web", "port") == 8181
    assert cfg.get("app", "shop_name") == "Запчасти на Ленина"
    assert cfg.sections_with_prefix("supplier:") == {"abcp1": {"kind": "abcp", "login": "shop42"}}


def test_production_refuses_default_secret(tmp_path):
    cfg = Settings(None, environ={"PRILAVOK_APP_MODE": "production"})
    assert not cfg.demo
    assert any("secret_key" in p for p in cfg.production_problems())
    ok = Settings(None, environ={"PRILAVOK_APP_MODE": "production", "PRILAVOK_APP_SECRET_KEY": "x" * 40})
    assert ok.production_problems() == []


def test_production_refuses_a_short_secret():
    short = Settings(None, environ={"PRILAVOK_APP_MODE": "production", "PRILAVOK_APP_SECRET_KEY": "x"})
    (problem,) = short.production_problems()
    assert "secret_key is shorter than 32 characters" in problem
    assert Settings(None, environ={"PRILAVOK_APP_MODE": "production",
                                   "PRILAVOK_APP_SECRET_KEY": "s" * 31}).production_problems()
    assert Settings(None, environ={"PRILAVOK_APP_MODE": "production",
                                   "PRILAVOK_APP_SECRET_KEY": "s" * 32}).production_problems() == []
