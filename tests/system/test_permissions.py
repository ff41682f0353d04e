"""The permission table walked for every role: at the door of every route and in the rules.

The expectation comes from the table's cells (✓, —, or ✓ within a limit) as data; the
walks prove that the views and the rules answer exactly that. The limits themselves
(the owner's switch, today's board, unpriced lines, another's notification) have their
own tests in test_roles_holes.py.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from appliance import customers, notifications, permissions
from appliance.customers import PhoneInput, VehicleInput
from appliance.errors import InputError
from appliance.orders import orders as orders_mod
from appliance.orders import slips
from appliance.payroll import kpi as payroll_kpi
from appliance.payroll import plans as payroll_plans
from appliance.payroll.plans import Month
from appliance.permissions import TABLE, PermissionDenied
from appliance.workshop import bookings, devices, work_orders
from db.models.staff import ROLES
from tests.system.conftest import sign_in

README = Path(__file__).resolve().parents[2] / "README.md"
# Routes anyone (or a machine with its own credentials) may open.
PUBLIC = {"static", "auth.login", "auth.logout", "home", "system.pulse", "workshop.device_login",
          "workshop.api_website_booking", "exchange.onec_exchange"}


def allowed_by_table(role: str, action: str) -> bool:
    """✓ or ✓ within a limit: the walks below stay inside the limits."""
    return TABLE[action][role] is not False


def test_readme_table_is_the_code_table():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- permission-table -->\n(.*?)\n<!-- /permission-table -->", text, re.S)
    assert block, "README has no «Права доступа» table between the permission-table markers"
    assert block.group(1).strip() == permissions.markdown_table().strip(), (
        "README's permission table differs from appliance/permissions.py: paste permissions.markdown_table()")


def test_every_route_has_an_action_from_the_table(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        action = getattr(app.view_functions[rule.endpoint], "permission", None)
        if action not in TABLE:
            missing.append(rule.endpoint)
    assert missing == []


def _routes(app) -> dict[str, list]:
    by_action: dict[str, list] = {}
    for rule in app.url_map.iter_rules():
        action = getattr(app.view_functions[rule.endpoint], "permission", None)
        if action:
            by_action.setdefault(action, []).append(rule)
    return by_action


def _url(rule) -> str:
    """A URL of the rule with ids that match nothing: the door answers before any lookup."""
    url = rule.rule
    for arg in rule.arguments:
        converter = rule._converters[arg].__class__.__name__
        url = re.sub(rf"<(?:[^:>]+:)?{arg}>", "999999" if converter in ("IntegerConverter", "IdConverter") else "x", url)
    return url


@pytest.mark.parametrize("role", ROLES)
def test_door_of_every_route_follows_the_table(pinned, app, client, people, role):
    """Allowed: anything but 403 (ids that match nothing may answer 404, 422 or even 500 —
    the input issue's business); refused: 403 with a page that says who may."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    browser = sign_in(client, people, role)
    wrong = []
    for action, rules in sorted(_routes(app).items()):
        for rule in rules:
            url = _url(rule)
            if "GET" in rule.methods:
                response = browser.get(url)
            else:
                response = browser.post(url, {})
            refused = response.status_code == 403
            if refused == allowed_by_table(role, action):
                wrong.append((url, action, response.status_code))
            if refused and role != "display":
                page = response.get_data(as_text=True)
                assert " может " in page, (url, page[-400:])  # the Russian page says who may
    assert wrong == []


# --- the rules: a service call as each role -----------------------------------------------

def _board_status(w, actor):
    if actor.role == "display":
        return work_orders.board_set_status(w["wo"], "in_work", w["people"]["mechanic"].id, actor)
    return work_orders.set_status(w["wo"], "in_work", actor)


PROBES = {
    "customer.create": lambda w, a: customers.create_customer("Кузнецов Андрей", [PhoneInput("+7 903 111-22-33")], a),
    "customer.edit": lambda w, a: customers.update_customer(w["c"], w["c"].version, a, "Иванов Пётр", "walk_in", "",
                                                            [PhoneInput("+7 916 123-45-67")]),
    "vehicle.edit": lambda w, a: customers.add_vehicle(w["c"], VehicleInput("Haval", "Jolion"), a),
    "customer.merge": lambda w, a: customers.merge(w["c"], w["c2"], a),
    "customer.delete": lambda w, a: customers.soft_delete(w["c2"], a),
    "order.create": lambda w, a: orders_mod.create_order(w["c"], [orders_mod.LineInput("SMR-1", name="Фильтр")], a),
    "order.edit": lambda w, a: orders_mod.add_line(w["order"], orders_mod.LineInput("SMR-2", name="Свеча"), a),
    "order.issue": lambda w, a: orders_mod.issue(w["order"], a),
    "order.delete": lambda w, a: orders_mod.soft_delete(w["order"], a),
    "order.receive": lambda w, a: slips.print_slips([w["order"]], a),
    "work_order.plan": lambda w, a: w["plan"]("15:00", "16:00", a),
    "work_order.edit": lambda w, a: work_orders.update(w["wo"], a, "Стук справа", "", None, None),
    "work_order.board_status": _board_status,
    "work_order.status": lambda w, a: work_orders.set_status(w["wo"], "cancelled", a),
    "work_order.hand_over": lambda w, a: work_orders.set_status(w["ready"], "handed_over", a),
    "work_line.add": lambda w, a: work_orders.add_work(w["wo"], "Диагностика", "1", "", a),
    "work_line.price": lambda w, a: work_orders.add_work(w["wo"], "Диагностика", "1", "99 999", a),
    "work_line.remove": lambda w, a: work_orders.remove_line(w["wo"], "work", w["line"].id, a),
    "booking.create": lambda w, a: bookings.create_booking(bookings.BookingInput(customer_id=w["c"].id, complaint="ТО"), a),
    "booking.cancel": lambda w, a: bookings.cancel(w["booking"], a),
    "workshop.devices": lambda w, a: devices.create("display", "Планшет 2", a),
    "notification.view": lambda w, a: notifications.get_for(w["note"].id, a) is not None,
    "notification.close": lambda w, a: notifications.mark_done(w["note"], a),
    "notification.close_others": lambda w, a: notifications.mark_done(w["taken"], a),
    "payroll.view_all": lambda w, a: payroll_kpi.everyone(Month(2026, 11), a),
    "payroll.own": lambda w, a: payroll_kpi.seen_by(Month(2026, 11), a),
    "payroll.edit": lambda w, a: payroll_plans.save_plan(Month(2026, 11), w["people"]["manager"].id, {}, a),
}


def test_every_action_is_walked(app):
    walked = set(PROBES) | set(_routes(app))
    assert set(TABLE) - walked == set()


@pytest.mark.parametrize("action", sorted(PROBES))
@pytest.mark.parametrize("role", ROLES)
def test_rules_follow_the_table(world, role, action):
    actor = world["people"][role]
    try:
        done = PROBES[action](world, actor) is not False
    except PermissionDenied as exc:
        assert exc.message[0].isupper() and re.search("[а-я]", exc.message)
        done = False
    except InputError:  # a shop rule said no after the table let it through
        done = True
    assert done == allowed_by_table(role, action), f"{role} {'did' if done else 'was refused'} {action}"

