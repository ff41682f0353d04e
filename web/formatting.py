"""How numbers, money, dates and plurals look to a Russian shop manager (Babel, CLDR rules)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel import Locale
from babel.numbers import format_decimal
from flask_babel import get_locale

from appliance import phones
from appliance.clock import to_local

_RU = Locale.parse("ru")


def _locale() -> Locale:
    """The request's Babel locale (Flask-Babel caches it per request); Russian outside a request."""
    try:
        return get_locale() or _RU
    except (RuntimeError, AttributeError):
        return _RU


def money(kop: int | None, empty: str = "—") -> str:
    """123456 kopecks -> '1 234,56 ₽', 150050 -> '1 500,50 ₽'; whole roubles without ',00': '1 500 ₽'."""
    if kop is None:
        return empty
    value = Decimal(int(kop)) / 100
    pattern = "#,##0" if int(kop) % 100 == 0 else "#,##0.00"
    return f"{format_decimal(value, format=pattern, locale=_locale())}\u00a0₽"


def number(value) -> str:
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.###", locale=_locale())


def date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value).date()
    return value.strftime("%d.%m.%Y")


def datetime(value) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%d.%m.%Y %H:%M")


def time(value) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M")


def plural(n: int, one: str, few: str, many: str) -> str:
    """'1 заказ', '3 заказа', '5 заказов' by the locale's CLDR plural rule."""
    form = _locale().plural_form(abs(int(n)))
    word = {"one": one, "few": few}.get(form, many)
    return f"{n}\u00a0{word}"


def phone(e164: str | None) -> str:
    return phones.display(e164)


def register(app) -> None:
    from appliance.audit import field_label

    for name in ("money", "number", "date", "datetime", "time", "phone"):
        app.jinja_env.filters[name] = globals()[name]
    app.jinja_env.filters["field_label"] = field_label
    app.jinja_env.globals["plural"] = plural
