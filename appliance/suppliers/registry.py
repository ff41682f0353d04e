"""Which suppliers the shop has: INI sections ``[supplier:<code>]`` plus settings-UI rows.

Adding a supplier is configuration, not code::

    [supplier:autoeuro]
    kind = abcp              ; abcp | pricelist
    name = АвтоЕвро
    url = https://id1234.public.api.abcp.ru
    login = api@id1234
    password = ...           ; or PRILAVOK_SUPPLIER_AUTOEURO_PASSWORD; never in the repo
    markup = 35              ; percent added for the retail price
    lead_days = 1            ; from the supplier's warehouse to our shelf
    working_days = 1-5
    concurrency = 4          ; parallel requests
    rate_limit = 5           ; requests per second
    ; any other key is a kind-specific option (columns, encoding, delivery_days, order_via...)

A row of ``SupplierAccount`` with the same code overrides the INI section. Adapters are
cached per process so every caller shares one concurrency limit and rate limit per
supplier; a changed configuration builds a fresh adapter.

Other modules call ``get(code).place_order(lines)`` / ``.line_status(ref)`` and
``all_suppliers()``.
"""

from __future__ import annotations

import logging
import re
import threading

from appliance import forms, settings
from appliance.clock import to_local
from appliance.errors import InputError

from . import link
from .base import SupplierAdapter, SupplierConfig, SupplierError
from .http import HTTPPolicy

log = logging.getLogger(__name__)

CORE_KEYS = ("kind", "name", "url", "login", "password", "markup", "lead_days", "working_days",
             "concurrency", "rate_limit", "enabled")

_lock = threading.Lock()
_adapters: dict[str, tuple[tuple, SupplierAdapter]] = {}


def _bool(text, default=True) -> bool:
    if text is None or text == "":
        return default
    return str(text).strip().lower() in ("1", "yes", "true", "on", "да")


def parse_options(text: str) -> dict:
    """'key = value' lines (settings UI) -> dict."""
    out = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";")) and "=" in line:
            k, _, v = line.partition("=")
            out[k.strip().lower()] = v.strip()
    return out


def config_from_section(code: str, section: dict, source: str = "ini") -> SupplierConfig:
    return SupplierConfig(
        code=code,
        kind=(section.get("kind") or "abcp").strip().lower(),
        name=section.get("name") or "",
        url=section.get("url") or "",
        login=section.get("login") or "",
        password=section.get("password") or "",
        markup=float(section.get("markup") or 0),
        lead_days=int(section.get("lead_days") or 0),
        working_days=section.get("working_days") or "1-5",
        concurrency=max(1, int(section.get("concurrency") or 4)),
        rate_limit=float(section.get("rate_limit") if section.get("rate_limit") not in (None, "") else 5),
        enabled=_bool(section.get("enabled")),
        options={k.lower(): v for k, v in section.items() if k not in CORE_KEYS},
        source=source,
    )


def _settings():
    return settings.get()


def ini_configs() -> dict[str, SupplierConfig]:
    s = _settings()
    sections = s.sections_with_prefix("supplier:")
    if not sections and s.demo and s.getbool("suppliers", "demo_sim", fallback=True):
        sections = demo_sections(s.getint("suppliers", "sim_port"))
    return {code: config_from_section(code, sec) for code, sec in sections.items()}


def demo_sections(port: int) -> dict[str, dict]:
    """Demo mode with no supplier configured: the two suppliers of ``prilavok supplier-sim``."""
    base = f"http://127.0.0.1:{port}"
    common = {"kind": "abcp", "login": "demo", "password": "demo", "working_days": "1-5",
              "concurrency": "4", "rate_limit": "10"}
    return {
        "sim1": {**common, "name": "Симулятор: АвтоОпт (дешевле, дольше)", "url": f"{base}/sim1",
                 "markup": "35", "lead_days": "1"},
        "sim2": {**common, "name": "Симулятор: ЗапчастьЭкспресс (быстрее)", "url": f"{base}/sim2",
                 "markup": "30", "lead_days": "0"},
    }


def db_configs() -> dict[str, SupplierConfig]:
    try:
        from db.models.suppliers import SupplierAccount

        rows = list(SupplierAccount.select())
    except Exception as e:  # no database yet (CLI before init) or table missing
        log.debug("supplier accounts not readable: %s", e)
        return {}
    out = {}
    for r in rows:
        section = {
            "kind": r.kind, "name": r.name, "url": r.url, "login": r.login, "password": r.password,
            "markup": r.markup, "lead_days": r.lead_days, "working_days": r.working_days,
            "concurrency": r.concurrency, "rate_limit": r.rate_limit, "enabled": "yes" if r.enabled else "no",
            **parse_options(r.options),
        }
        out[r.code] = config_from_section(r.code, section, source="db")
    return out


_WEEKDAYS = re.compile(r"[1-7](-[1-7])?(,[1-7](-[1-7])?)*")


def check_weekdays(text, field: str = "working_days") -> str:
    """'1-5', '1,3,5', '1-5,7': days of the week 1 (Monday) to 7."""
    value = re.sub(r"\s+", "", str(text or ""))
    if not _WEEKDAYS.fullmatch(value):
        raise InputError("Рабочие дни: номера дней недели от 1 (пн) до 7 (вс), например 1-5 или 1,3,5.", field)
    return value


def account_values(form) -> dict:
    """The settings form's fields, checked: Russian messages name the field."""
    def num(name, label, lo, hi, default):
        return forms.number(form.get(name), name, label, lo, hi, default=default)

    def whole(name, label, lo, hi, default):
        return forms.whole(form.get(name), name, label, lo, hi, default=default)

    kind = form.get("kind", "abcp")
    if kind not in ("abcp", "pricelist"):
        raise InputError("Тип поставщика: API (ABCP) или прайс-лист", field="kind")
    url = forms.text(form.get("url"), "url", "Адрес", forms.URL_LEN)
    if not url:
        raise InputError("Укажите адрес API или папку/ссылку прайс-листа", field="url")
    return dict(name=forms.text(form.get("name"), "name", "Название", forms.NAME_LEN), kind=kind, url=url,
                login=forms.text(form.get("login"), "login", "Логин", forms.NAME_LEN),
                markup=float(num("markup", "Наценка", 0, 1000, 0)),
                lead_days=whole("lead_days", "Дней в пути", 0, 120, 0),
                working_days=check_weekdays(form.get("working_days") or "1-5"),
                concurrency=max(1, whole("concurrency", "Запросов одновременно", 0, 32, 4)),
                rate_limit=float(num("rate_limit", "Запросов в секунду", 0, 1000, 5)),
                options=forms.text(form.get("options"), "options", "Дополнительно", forms.NOTE_LEN, multiline=True),
                enabled=form.get("enabled") == "1")


def save_account(code: str | None, form, actor):
    """Create or change a supplier from the settings page; the password is kept unless retyped.

    `code` is the supplier being edited (None for a new one, whose code comes from the form).
    The change is audited with the password masked.
    """
    from appliance import audit
    from appliance.clock import utcnow
    from db import write_transaction
    from db.models.suppliers import SupplierAccount

    new_code = (code or form.get("code", "")).strip().lower()
    if not new_code or len(new_code) > 40 or not new_code.isascii() or not new_code.replace("_", "").replace("-", "").isalnum():
        raise InputError("Код поставщика — латиница и цифры, например autoeuro", field="code")
    values = account_values(form)
    password = form.get("password", "")
    now = utcnow()
    with write_transaction():
        row = SupplierAccount.get_or_none(SupplierAccount.code == new_code)
        if row is None:
            if code is None and new_code in configs():
                raise InputError("Поставщик с таким кодом уже есть", field="code")
            ini = ini_configs().get(new_code)
            row = SupplierAccount(code=new_code, created_at=now, password=ini.password if ini else "")
            changes = {k: (None, v) for k, v in values.items()}
        elif code is None:
            raise InputError("Поставщик с таким кодом уже есть", field="code")
        else:
            changes = audit.diff(row, values)
        for k, v in values.items():
            setattr(row, k, v)
        if password:
            row.password = password
            changes["password"] = ("***", "*** (изменён)")
        row.updated_at = now
        row.save()
        audit.record(actor, "supplier.save", row, changes)
    return row


def configs() -> dict[str, SupplierConfig]:
    merged = ini_configs()
    merged.update(db_configs())
    return merged


def http_policy() -> HTTPPolicy:
    return settings.read_into(HTTPPolicy, _settings())


def make_adapter(config: SupplierConfig, policy: HTTPPolicy | None = None) -> SupplierAdapter:
    if config.kind == "abcp":
        from .abcp import AbcpAdapter

        return AbcpAdapter(config, policy=policy or http_policy())
    if config.kind == "pricelist":
        from .pricelist import PriceListAdapter

        return PriceListAdapter(config, orders_dir=_settings().var_dir / "supplier_orders")
    raise ValueError(f"unknown supplier kind {config.kind!r} for {config.code}")


def _fingerprint(config: SupplierConfig) -> tuple:
    return (config.kind, config.name, config.url, config.login, config.password, config.markup,
            config.lead_days, config.working_days, config.concurrency, config.rate_limit,
            tuple(sorted(config.options.items())))


def _adapter_for(config: SupplierConfig) -> SupplierAdapter:
    link.enable_storage()
    fp = _fingerprint(config)
    with _lock:
        cached = _adapters.get(config.code)
        if cached and cached[0] == fp:
            return cached[1]
        adapter = make_adapter(config)
        _adapters[config.code] = (fp, adapter)
        return adapter


def get(code: str) -> SupplierAdapter:
    """The adapter of one supplier (KeyError if there is no such supplier)."""
    config = configs().get(code)
    if config is None:
        raise KeyError(code)
    return _adapter_for(config)


def all_suppliers(include_disabled: bool = False) -> list[SupplierAdapter]:
    """Every configured supplier's adapter, enabled ones only unless asked."""
    out = []
    for code, config in sorted(configs().items()):
        if not (config.enabled or include_disabled):
            continue
        try:
            out.append(_adapter_for(config))
        except ValueError as e:
            log.warning("supplier %s skipped: %s", code, e)
    return out


def reset() -> None:
    """Forget cached adapters (tests, settings changed in another process)."""
    with _lock:
        _adapters.clear()


def check_link(code: str) -> tuple[bool, str]:
    """«Проверить связь»: one cheap call to the supplier and the answer in Russian.

    An internet call: pages run it in the worker (jobs.suppliers.check_supplier_link), never in a request."""
    config = configs().get(code)
    if config is None:
        return False, f"Поставщика «{code}» нет в настройках."
    name = config.display_name
    try:
        ok = get(code).ping()
    except ValueError as exc:
        log.warning("supplier %s: %s", code, exc)
        return False, f"Проверка связи не прошла: {name} — неизвестный вид подключения «{config.kind}»."
    except SupplierError as exc:
        log.info("supplier %s: link check failed: %s", code, exc)
        ok = False
    if ok:
        return True, f"Связь есть: {name}."
    state = link.tracker.state(code)
    if state.up:  # the supplier answered, but not as a working account does (e.g. a wrong password)
        reason = "поставщик ответил ошибкой"
    else:
        reason = link.label_ru(state, to_local) + (f": {state.last_error}" if state.last_error else "")
    return False, f"Проверка связи не прошла: {name} — {reason}. Проверьте адрес, логин и пароль."
