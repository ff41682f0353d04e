"""The staff web UI: Flask app factory, htmx partials, Russian by default."""
from __future__ import annotations

import importlib
import logging
import secrets
from urllib.parse import urlsplit

from flask import Flask, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import InternalServerError

from appliance import clock, permissions
from appliance import settings as settings_mod
from appliance.errors import busy_reason, storage_reason
from db import DATABASE_ERRORS, database, drop_broken_connections, open_from_settings
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
    "web.ratings",
    "web.loyalty",
    "web.calls",
    "web.payroll",
    "web.analytics",
]


def _locale():
    user_lang = request.cookies.get("lang")
    return user_lang if user_lang in ("ru", "en") else settings_mod.get().get("app", "language")


# Form fields never echoed back on an error page.
_SECRET_FIELDS = ("csrf_token", "password", "password2", "new_password", "old_password", "token")


# How typed fields are named on the error page (others by their form name); `-0`, `-1` suffixes are rows.
_FIELD_LABELS = {"name": "ФИО / название", "phone": "телефон", "notes": "заметки", "comment": "комментарий",
                 "article": "артикул", "brand": "бренд", "qty": "количество", "price": "цена",
                 "car_make": "марка", "car_model": "модель", "car_plate": "госномер", "car_vin": "VIN",
                 "complaint": "жалоба", "mileage": "пробег", "text": "текст", "username": "логин"}


def _field_label(name: str) -> str:
    base, dash, row = name.rpartition("-")
    if not (dash and row.isdigit()):
        base, row = name, ""
    label = _FIELD_LABELS.get(base, base)
    return f"{label} (строка {int(row) + 1})" if row else label


class _App(Flask):
    def log_exception(self, exc_info) -> None:
        """Logged once by the error page's handler, with the error id staff see."""


def _same_site_referrer() -> str:
    ref = request.referrer or ""
    parts = urlsplit(ref)
    if ref and parts.netloc == request.host and parts.path.startswith("/"):
        return ref
    return "/"


def _fault_page(status: int, exc: BaseException, reason: str | None = None):
    """The Russian page (or htmx fragment) for a 500 or a storage fault: time and a short id
    that the log line carries too; a POST's typed values come back, ready to send again."""
    error_id = secrets.token_hex(3)
    log.error("error %s: %s %s answered %d%s", error_id, request.method, request.full_path.rstrip("?"), status,
              f" ({reason})" if reason else "", exc_info=(type(exc), exc, exc.__traceback__))
    typed = []
    if reason and request.method == "POST":
        typed = [(k, v, _field_label(k)) for k, v in request.form.items(multi=True) if k not in _SECRET_FIELDS]
    context = {"code": status, "reason": reason, "error_id": error_id, "at": clock.local_now(), "typed": typed,
               "resend_to": request.full_path.rstrip("?"), "back": _same_site_referrer(),
               "message": "что-то пошло не так на сервере"}
    template = "_fault.html" if request.headers.get("HX-Request") else "fault.html"
    try:
        html = render_template(template, **context)
    except Exception:  # the layout needs the database; the reason must still reach the person
        log.exception("error %s: the error page could not be rendered", error_id)
        html = (f"<!doctype html><meta charset=utf-8><title>Ошибка</title><h1>{escape(reason or context['message'])}"
                f"</h1><p>Ошибка {error_id} · {context['at']:%d.%m.%Y %H:%M:%S}</p><p><a href=\"/\">На главную</a></p>")
    response = make_response(html, status)
    response.headers["X-Error-Id"] = error_id
    return response


def create_app(test_config: dict | None = None, settings=None) -> Flask:
    cfg = settings or settings_mod.get()
    settings_mod.configure(cfg)
    app = _App(__name__)
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
    def can(action: str, obj=None) -> bool:
        """Templates show a button only to whom the permission table allows it."""
        return current_user.is_authenticated and permissions.can(current_user._get_current_object(), action, obj)

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

    @app.errorhandler(permissions.PermissionDenied)
    def _refused(exc):
        who = current_user.username if current_user.is_authenticated else "-"
        log.info("refused %s %s to %s: %s (%s)", request.method, request.path, who, exc.action, exc.message)
        return render_template("error.html", code=403, message=exc.message), 403

    @app.errorhandler(404)
    def _not_found(exc):
        return render_template("error.html", code=404, message="Такой страницы нет."), 404

    def _storage_fault(exc):
        reason = storage_reason(exc)
        if reason is not None:
            drop_broken_connections()
            return _fault_page(503, exc, reason)
        reason = busy_reason(exc)
        if reason is not None:
            return _fault_page(503, exc, reason)
        raise exc  # a bug, not the disk: the ordinary 500 below

    for error in DATABASE_ERRORS:
        app.register_error_handler(error, _storage_fault)

    @app.errorhandler(InternalServerError)
    def _internal_error(exc):
        return _fault_page(500, getattr(exc, "original_exception", None) or exc)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
