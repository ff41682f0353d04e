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


def test_settings_dataclasses_take_their_defaults_from_DEFAULTS(monkeypatch):
    """One source of defaults: change DEFAULTS and, with a silent INI, that is what the rules see."""
    import copy

    from appliance import settings
    from appliance.purchasing.stock_watch import Params
    from appliance.suppliers import registry
    from appliance.suppliers.http import HTTPPolicy

    changed = copy.deepcopy(settings.DEFAULTS)
    changed["suppliers"].update(review_days="11", service_z="2.05", on_order_days="45", connect_timeout="7.5",
                                retries="4")
    monkeypatch.setattr(settings, "DEFAULTS", changed)
    previous = settings._current
    settings.configure(Settings(None, environ={}))
    try:
        for params in (Params(), Params.from_settings()):
            assert (params.review_days, params.z, params.on_order_days) == (11, 2.05, 45)
        for policy in (HTTPPolicy(), registry.http_policy()):
            assert (policy.connect_timeout, policy.retries) == (7.5, 4)
        # the INI still wins over the defaults
        settings.configure(Settings(None, environ={"PRILAVOK_SUPPLIERS_REVIEW_DAYS": "3"}))
        assert Params.from_settings().review_days == 3
    finally:
        settings.configure(previous)


def test_no_fallback_repeats_an_embedded_default():
    """`fallback=` beside a key DEFAULTS has is a second copy of the default that drifts."""
    import ast
    from pathlib import Path

    from appliance.settings import DEFAULTS

    root = Path(__file__).resolve().parents[2]
    copies = []
    for top in ("appliance", "jobs", "web"):
        for path in sorted((root / top).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in ("get", "getint", "getfloat", "getbool")
                        and any(k.arg == "fallback" for k in node.keywords) and len(node.args) >= 2):
                    continue
                section, key = node.args[0], node.args[1]
                if (isinstance(section, ast.Constant) and isinstance(key, ast.Constant)
                        and key.value in DEFAULTS.get(section.value, {})):
                    copies.append(f"{path.relative_to(root)}:{node.lineno} [{section.value}] {key.value}")
    assert copies == []
