"""Request data for views: ids from query strings and hidden fields, and the one-time token
that saves a create form once however many times it is sent. Values are checked by
appliance.forms; this module adds only what belongs to HTTP (400/404, replaying an answer)."""
from __future__ import annotations

import functools
import logging

from flask import abort, flash, make_response, render_template, request
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.routing import IntegerConverter

from appliance import form_tokens
from appliance import forms as parse
from appliance.errors import InputError

log = logging.getLogger(__name__)

# Headers of a saved answer worth giving again: where it went and what htmx should do.
_REPLAYED = ("Location", "Content-Type")


class IdConverter(IntegerConverter):
    """`<int:...>` in a URL: a number over 64 bits is no row of ours, so 404 (not an SQLite overflow)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", parse.MAX_ID)
        super().__init__(map, *args, **kwargs)


def arg_id(name: str) -> int | None:
    """An id in the query string (a filter, a highlight); junk filters nothing."""
    return parse.row_id(request.args.get(name))


def arg_int(name: str, lo: int, hi: int, default: int) -> int:
    """A whole number in the query string (a page, a count); junk or out of range gives `default`."""
    try:
        value = parse.whole(request.args.get(name), name, name, lo, hi, default=default)
    except InputError:
        return default
    return default if value is None else value


def hidden_id(form, name: str, required: bool = True) -> int | None:
    """An id in a hidden field or a select the page filled in: anything else is a broken form, 400."""
    raw = form.get(name)
    if raw is None or not str(raw).strip():
        if required:
            abort(400)
        return None
    value = parse.row_id(raw)
    if value is None:
        log.info("%s %s: bad id in %s: %.40r", request.method, request.path, name, raw)
        abort(400)
    return value


def hidden_int(form, name: str, lo: int = 0, hi: int = parse.MAX_ID) -> int | None:
    """A number in a hidden field (a version): absent gives None, junk is a broken form, 400."""
    raw = form.get(name)
    if raw is None:
        return None
    try:
        return parse.whole(raw, name, name, lo, hi)
    except InputError:
        log.info("%s %s: bad %s: %.40r", request.method, request.path, name, raw)
        abort(400)


def refused(exc: InputError, template: str, **context):
    """A form the appliance refused: logged, shown again with the reason by its field, 422.
    `context` is what the template needs besides `error` and `field` (which this sets)."""
    log.info("%s %s refused: %s (%s)", request.method, request.path, exc.message, exc.field)
    return render_template(template, **{**context, "error": exc.message, "field": exc.field}), 422


def form_token_field() -> Markup:
    """A create form's one-time token, new on every render (a page shown after a save must not
    carry the saved form's token, or its next send would be taken for a repeat)."""
    return Markup(f'<input type="hidden" name="{form_tokens.FIELD}" value="{escape(form_tokens.new())}">')


def once_per_form(view):
    """A create view: a second POST with the same form token answers as the first and saves nothing."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = request.form.get(form_tokens.FIELD, "").strip() if request.method == "POST" else ""
        if not token:
            return view(*args, **kwargs)
        if not form_tokens.well_formed(token):
            log.info("%s %s: malformed form token %.40r", request.method, request.path, token)
            abort(400)
        try:
            answer = form_tokens.claim(token, current_user.get_id() and int(current_user.get_id()))
        except InputError as exc:
            return render_template("error.html", code=409, message=exc.message), 409
        if answer is not None:
            return _replay(answer)
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            form_tokens.release(token)
            raise
        if response.status_code >= 400:
            form_tokens.release(token)
            return response
        headers = {k: v for k, v in response.headers.items() if k in _REPLAYED or k.startswith("HX-")}
        body = "" if response.is_streamed or 300 <= response.status_code < 400 else response.get_data(as_text=True)
        form_tokens.finish(token, response.status_code, headers, body)
        return response
    return wrapper


def _replay(answer: form_tokens.Answer):
    if 300 <= answer.status < 400:
        flash("Эта форма уже была отправлена — сохранено один раз.")
    response = make_response(answer.body, answer.status)
    for name, value in answer.headers.items():
        response.headers[name] = value
    return response


def register(app) -> None:
    app.add_template_global(form_token_field, "form_token")
