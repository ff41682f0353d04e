"""The staff web UI: Flask app factory, htmx partials, Russian by default."""
from __future__ import annotations

import importlib
import logging

from flask import Flask, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from appliance import settings as settings_mod
from db import database, open_from_settings
from web import formatting, forms
from web.extensions import babel, csrf, htmx, login_manager

log = logging.getLogger(__name__)

# Each area's blueprint module (with `bp`). One line per area.
BLUEPRINTS = [
    "web.auth",
    "web.customers",
    "web.notifications",
    "web.system",
    "web.printer",
    "web.devices",
    "web.sms",
    "web.stock",
    "web.exchange",
    "web.orders",
    "web.workshop",
]


def _locale():
    user_lang = request.cookies.get("lang")
    return user_lang if user_lang in ("ru", "en") else settings_mod.get().get("app", "language")


def create_app(test_config: dict | None = None, settings=None) -> Flask:
    cfg = settings or settings_mod.get()
    settings_mod.configure(cfg)
    app = Flask(__name__)
    app.url_map.converters["int"] = forms.IdConverter  # before any route is added
    app.config.update(
        SECRET_KEY=cfg.get("app", "secret_key"),
        BABEL_DEFAULT_LOCALE=cfg.get("app", "language"),
        BABEL_DEFAULT_TIMEZONE=cfg.get("app", "timezone"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a counter tab stays open all day
        WTF_CSRF_HEADERS=["X-CSRFToken"],
        MAX_CONTENT_LENGTH=600 * 1024 * 1024,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["prilavok_settings"] = cfg

    if database.obj is None:
        open_from_settings(cfg)

    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Войдите, чтобы продолжить."
    formatting.register(app)
    forms.register(app)

    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp)

    @app.before_request
    def _open_db():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close_db(exc):
        if not database.is_closed():
            database.close()

    @app.template_global()
    def csrf_field():
        from flask_wtf.csrf import generate_csrf
        from markupsafe import Markup
        return Markup(f'<input type="hidden" name="csrf_token" value="{generate_csrf()}">')

    @app.template_global()
    def has_view(endpoint: str) -> bool:
        """Whether an area is installed: templates link to it only then."""
        return endpoint in app.view_functions

    @app.context_processor
    def _globals():
        return {"shop_name": cfg.get("app", "shop_name"), "demo_mode": cfg.demo,
                "pulse_seconds": cfg.getint("web", "pulse_seconds")}

    @app.route("/")
    def home():
        if current_user.is_authenticated and current_user.role == "display":
            return redirect("/workshop/board")
        return redirect(url_for("customers.index"))

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        log.warning("CSRF refused %s %s: %s", request.method, request.path, exc.description)
        return render_template("error.html", code=400,
                               message="Форма устарела или открыта в другой вкладке. Обновите страницу и повторите."), 400

    @app.errorhandler(400)
    def _bad_request(exc):
        log.info("bad request %s %s: %s", request.method, request.path, exc.description)
        return render_template("error.html", code=400,
                               message="Форма пришла неполной или с ошибкой. Обновите страницу и повторите."), 400

    @app.errorhandler(403)
    def _forbidden(exc):
        return render_template("error.html", code=403, message="У вашей роли нет доступа к этому разделу."), 403

    @app.errorhandler(404)
    def _not_found(exc):
        return render_template("error.html", code=404, message="Такой страницы нет."), 404

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
