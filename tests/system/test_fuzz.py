"""Every route of the app with hostile values in every field its view and templates read:
no 500, and a refused POST leaves the main tables as they were.

The sweep walks the Flask url_map (all rules, GET and POST) on the demo shop, as the owner and
as a manager. Field names come from the area's view module (form.get("x"), args.get("x"),
f"x-{i}" rows) and its templates (name="x"); URL ids are real rows of the demo. Then a table of
valid forms has one field at a time replaced by each hostile value, so the checks deep in the
rules (past the first refusal) are reached too. Bounded: ~2,500 requests.
"""
from __future__ import annotations

import datetime as dt
import inspect
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
import time_machine
from flask import got_request_exception, request
from werkzeug.routing.converters import NumberConverter

from db import database
from db.models.customers import Customer, Phone, Vehicle
from db.models.exchange import ConsumableGroup, ImportedSale, ImportLog
from db.models.notifications import Notification
from db.models.orders import Arrival, Order, OrderLine, ReceiptMatch
from db.models.printing import PrintJob
from db.models.sms import SmsMessage
from db.models.staff import Staff
from db.models.suppliers import AnalogMember, MandatoryItem, ReorderLine, SupplierAccount
from db.models.workshop import Booking, DeviceToken, Finding, PartLine, WorkLine, WorkOrder
from tests.conftest import Browser, login_as

HOSTILE = ["abc", "1e308", "NaN", "-1", str(10**23), "Ж" * 20000, "../../etc/passwd", "", "²٣\u202e\x00",
           "<script>alert(1)</script>"]
# One field at a time behind a valid form: the values that reach parsers (markup and paths are
# plain text there, and the route sweep sends them everywhere).
FIELD_HOSTILE = [v for v in HOSTILE if not v.startswith(("<", "../"))]
MAIN_TABLES = [Customer, Phone, Vehicle, Order, OrderLine, WorkOrder, WorkLine, PartLine, Finding, Booking, Staff,
               MandatoryItem, SupplierAccount, AnalogMember, DeviceToken, SmsMessage, PrintJob]
TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
# Not for the logged-in sweep: they end or replace the session (swept by an anonymous client instead).
SESSION_ROUTES = {"auth.logout", "auth.login", "workshop.device_login"}
NOW = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)  # Monday 10:00 in Moscow


def _first(model, *where):
    query = model.select(model.id).order_by(model.id)
    for cond in where:
        query = query.where(cond)
    row = query.first()
    return row.id if row else 1


def _url_values() -> dict:
    vehicle = Vehicle.select().order_by(Vehicle.id).first()
    order = Order.select().where(Order.deleted_at.is_null()).order_by(Order.id).first()
    return {
        "customer_id": vehicle.customer_id, "vehicle_id": vehicle.id, "order_id": order.id,
        "orders.line_status:line_id": _first(OrderLine, OrderLine.order == order.id),
        "stock.set_qty:line_id": _first(ReorderLine), "stock.tick:line_id": _first(ReorderLine),
        "workshop.delete_line:line_id": _first(WorkLine), "kind": "work",
        "job_id": _first(PrintJob), "log_id": _first(ImportLog), "group_id": _first(ConsumableGroup),
        "origin_id": _first(ImportedSale), "notification_id": _first(Notification), "arrival_id": _first(Arrival),
        "match_id": _first(ReceiptMatch), "message_id": _first(SmsMessage), "member_id": _first(AnalogMember),
        "item_id": _first(MandatoryItem), "wo_id": _first(WorkOrder), "booking_id": _first(Booking),
        "token_id": _first(DeviceToken), "name": "job-000001.png", "filename": "app.css",
        "month_key": "2026-11",
        "sms.save_template:code": "arrival", "stock.supplier_form:code": "s1", "stock.supplier_check:code": "s1",
    }


def _build(rule, values: dict, huge: bool = False) -> str:
    url = rule.rule
    for arg in rule.arguments:
        converter = rule._converters[arg]
        value = values.get(f"{rule.endpoint}:{arg}", values.get(arg, 1))
        if huge:
            value = 10**23 if isinstance(converter, NumberConverter) else "Ж" * 300
        url = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(value), url)
    return url


_NAME = re.compile(r'''(?:form|args|data|request\.form|request\.args)\.(?:get|getlist)\(\s*(?:prefix \+ )?["']([a-z_][\w-]*)["']''')
_INDEX = re.compile(r'''\(\s*f["']([a-z_]+)-\{i\}["']''')
_SUBSCRIPT = re.compile(r'''form\[["']([a-z_]\w*)["']\]''')
_TEMPLATE_NAME = re.compile(r'''name="([a-z_][\w-]*)"''')


def _fields(app, endpoint: str) -> list[str]:
    """Every field name the endpoint's area reads: its view module and its templates."""
    module = sys.modules[app.view_functions[endpoint].__module__]
    source = inspect.getsource(module)
    names = set(_NAME.findall(source)) | set(_SUBSCRIPT.findall(source)) | {f"{n}-0" for n in _INDEX.findall(source)}
    area = TEMPLATES / endpoint.split(".")[0]
    for path in area.glob("*.html") if area.is_dir() else ():
        for name in _TEMPLATE_NAME.findall(path.read_text(encoding="utf-8")):
            names.add(name.replace("{{", "") if "{" not in name else name)
    names.discard("csrf_token")
    return sorted(names)


def _counts() -> dict:
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM \"{m._meta.table_name}\")" for m in MAIN_TABLES)
    row = database.execute_sql(sql).fetchone()
    return {m.__name__: n for m, n in zip(MAIN_TABLES, row, strict=True)}


class Sweep:
    def __init__(self, browser):
        self.browser = browser
        self.errors: list[str] = []
        self.half_saved: list[str] = []
        self.statuses: Counter = Counter()
        self.requests = 0

    def send(self, method: str, url: str, data: dict, htmx: bool = False):
        before = _counts() if method == "POST" else None
        if method == "GET":
            response = self.browser.client.get(url, query_string=data, headers={"HX-Request": "true"} if htmx else {})
        else:
            response = self.browser.post(url, data, htmx=htmx)
        response.close()  # a file sent as the answer (a label preview) is closed with it
        self.requests += 1
        self.statuses[response.status_code] += 1
        short = {k: (v[:20] + "…" if len(v) > 20 else v) for k, v in data.items()}
        if response.status_code >= 500:
            self.errors.append(f"{response.status_code} {method} {url} {short}")
        elif before is not None and response.status_code >= 400:
            after = _counts()
            if after != before:
                diff = {k: after[k] - before[k] for k in after if after[k] != before[k]}
                self.half_saved.append(f"{response.status_code} {method} {url} {short}: {diff}")
        return response


@pytest.fixture
def shop(demo_db, app):
    with time_machine.travel(NOW, tick=False):
        yield app


def _sweep_routes(app, sweep: Sweep, values: dict, rounds: int) -> None:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in SESSION_ROUTES or rule.endpoint == "static":
            continue
        fields = _fields(app, rule.endpoint) if rule.endpoint != "home" else []
        for method in sorted(rule.methods & {"GET", "POST"}):
            url = _build(rule, values)
            sweep.send(method, url, {})
            if rule.arguments:
                sweep.send(method, _build(rule, values, huge=True), {})
            for k in range(rounds):
                data = {f: HOSTILE[(j + k) % len(HOSTILE)] for j, f in enumerate(fields)}
                # Past every length limit, but not 60 × 20,000 characters in each request (the
                # field table below sends the 20,000 one field at a time).
                data = {f: v[:2500] for f, v in data.items()}
                sweep.send(method, url, data, htmx=bool(k % 2))


def _valid_forms(values: dict) -> list[tuple[str, dict, bool]]:
    """(url, a form that saves, htmx) for the forms people fill in most."""
    c, v, o, wo = values["customer_id"], values["vehicle_id"], values["order_id"], values["wo_id"]
    bay = 1
    return [
        ("/customers/new", {"name": "Зайцев Игорь", "phone": "8 916 700-00-01", "phone_kind": "mobile",
                            "source": "walk_in", "kind": "person", "notes": "", "car_make": "Haval",
                            "car_model": "Jolion", "car_year": "2023", "car_mileage": "1000"}, False),
        (f"/customers/{c}/edit", {"version": str(Customer.get_by_id(c).version), "name": "Иванов",
                                  "phone": Phone.get(Phone.customer == c).e164, "source": "walk_in", "notes": ""}, False),
        (f"/customers/{c}/vehicles/new", {"make": "Geely", "model": "Coolray", "year": "2021", "vin": "",
                                          "plate": "м777ор99", "engine": "1.5T", "mileage": "5000"}, True),
        (f"/customers/{c}/vehicles/{v}/edit", {"make": "Chery", "model": "Tiggo", "year": "2019", "mileage": "9000"}, True),
        ("/orders/new", {"customer_id": str(c), "line_count": "1", "article-0": "SP-123", "brand-0": "NGK",
                         "name-0": "Свеча", "qty-0": "2", "price-0": "500", "supplier_days-0": "2",
                         "promised_date": "", "prepayment": "100", "comment": "", "manager": ""}, False),
        (f"/orders/{o}/lines", {"article": "OC-90", "brand": "Knecht", "qty": "1", "price": "700",
                                "supplier_days": "1", "name": "Фильтр"}, False),
        (f"/orders/{o}/edit", {"version": str(Order.get_by_id(o).version), "promised_date": "2026-12-01",
                               "prepayment": "0", "comment": "ок", "shelf_place": "A1"}, False),
        ("/workshop/work-orders", {"customer_id": str(c), "bay": str(bay), "date": "2026-11-24", "start": "09:00",
                                   "end": "10:00", "kind": "repair", "complaint": "Стук", "mileage": "1000",
                                   "mechanic": ""}, True),
        (f"/workshop/work-orders/{wo}", {"complaint": "Стук", "recommendations": "", "mileage": "1000",
                                         "mechanic": "", "kind": "repair"}, False),
        (f"/workshop/work-orders/{wo}/lines", {"line": "work", "work_name": "Замена масла", "norm_hours": "0,5",
                                               "work_price": "800"}, False),
        (f"/workshop/work-orders/{wo}/lines", {"line": "part", "part_name": "Фильтр", "qty": "1", "part_price": "500",
                                               "article": "OC-90", "brand": "Knecht", "part_source": "stock"}, False),
        ("/workshop/bookings/new", {"phone": "8 916 700-00-02", "name": "Пётр", "complaint": "Скрип",
                                    "vehicle_text": "Chery", "wish_date": "2026-11-25", "wish_time": "10:00",
                                    "source": "phone"}, False),
        ("/staff", {"action": "create", "username": "newbie", "full_name": "Новиков", "role": "manager",
                    "password": "long-password"}, False),
        ("/stock/mandatory", {"article": "SP-999", "brand": "NGK", "name": "Свеча", "min_qty": "2", "target_qty": "4",
                              "pack": "1"}, False),
        ("/stock/suppliers/new", {"code": "zz", "name": "ZZ", "kind": "pricelist", "url": "/nonexistent/price.csv",
                                  "login": "x", "markup": "10", "lead_days": "1", "working_days": "1-5",
                                  "concurrency": "2", "rate_limit": "5", "options": ""}, False),
        (f"/exchange/consumables/{values['group_id']}", {"interval_days": "180", "product_groups": "Масла",
                                                          "keywords": "масло"}, False),
        (f"/payroll/2026-11/plan/{Staff.get(Staff.username == 'petrov').id}",
         {"base_kind": "shift", "base": "2 000", "parts_percent": "4,5", "repairs_percent": "2", "plan_shop": "900 000",
          "plan_personal": "200 000", "plan_check": "3 000", "plan_cards": "10", "shifts": "1-3, 7",
          "left_on": "20.11.2026"}, False),
        ("/payroll/2026-12/scale", {"kpi_from-0": "0", "coef-0": "0,5", "kpi_from-1": "1", "coef-1": "1,2",
                                    "weight-shop": "1", "weight-personal": "2"}, False),
    ]


def _sweep_fields(sweep: Sweep, values: dict) -> None:
    for url, form, htmx in _valid_forms(values):
        for field in form:
            for bad in FIELD_HOSTILE:
                sweep.send("POST", url, dict(form, **{field: bad}), htmx=htmx)


def test_no_route_answers_500_to_hostile_input(shop):
    app = shop
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a fault is a 500 answer to count, not the end of the sweep
    faults: list[str] = []

    def record(sender, exception, **extra):
        faults.append(f"{request.method} {request.path}: {type(exception).__name__}: {str(exception)[:200]}")

    got_request_exception.connect(record, app)
    values = _url_values()
    owner = Sweep(login_as(app.test_client(), "owner"))
    _sweep_routes(app, owner, values, rounds=5)
    _sweep_fields(owner, values)
    manager = Sweep(login_as(app.test_client(), "manager"))
    _sweep_routes(app, manager, _url_values(), rounds=2)

    anonymous = Sweep(Browser(app.test_client()))
    for value in HOSTILE:
        anonymous.send("POST", "/login", {"username": value, "password": value})
        anonymous.send("GET", "/workshop/device/" + (value[:200] or "x"), {})
        anonymous.send("POST", "/api/website/bookings", {"phone": value})
    website = app.test_client()
    for field in ("id", "phone", "name", "car", "complaint", "wish_at"):
        for value in HOSTILE:
            payload = {"id": "w-1", "phone": "+79161112233", "name": "Пётр", "complaint": "Стук", field: value}
            response = website.post("/api/website/bookings", json=payload,
                                    headers={"Authorization": "Bearer demo-website"})
            anonymous.requests += 1
            if response.status_code >= 500:
                anonymous.errors.append(f"{response.status_code} website booking {field}={value[:20]!r}")

    assert faults == [], "\n".join(dict.fromkeys(faults))
    for sweep in (owner, manager, anonymous):
        assert sweep.errors == [], "\n".join(sweep.errors[:40])
        assert sweep.half_saved == [], "\n".join(sweep.half_saved[:40])
    total = owner.requests + manager.requests + anonymous.requests
    assert total > 2000  # every route, GET and POST, several times over
    print(f"fuzz: {total} requests, statuses as owner {dict(owner.statuses)}")
