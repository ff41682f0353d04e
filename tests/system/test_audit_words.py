"""The owner's «Журнал» and the card's history speak Russian (issue 13, item 4).

The first tests walk every audit.record(...) call in the code: a new action code, or a new
field in a change, without its Russian words fails here.
"""
from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest

from appliance import audit, customers
from appliance.customers import PhoneInput, VehicleInput
from db.models import load_all
from db.models.base import BaseModel

ROOT = Path(__file__).resolve().parents[2]
CYRILLIC = re.compile(r"[а-яё]", re.I)


def _calls(func: str):
    for path in itertools.chain((ROOT / "appliance").rglob("*.py"), (ROOT / "web").rglob("*.py"),
                                (ROOT / "jobs").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == func
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"):
                yield path, node


def _strings(node: ast.AST, where: str) -> set[str]:
    """Every string an action expression can give: literals, both sides of `a if c else b`, 'x' + (...)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, where) | _strings(node.orelse, where)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return {a + b for a in _strings(node.left, where) for b in _strings(node.right, where)}
    raise AssertionError(f"{where}: an audit action built in a way this test cannot read: {ast.unparse(node)}")


def _record_calls():
    return list(_calls("record"))


def test_the_walk_sees_the_audit_calls():
    assert len(_record_calls()) >= 50


def test_every_action_code_in_the_code_has_russian_words():
    missing = {}
    for path, call in _record_calls():
        where = f"{path.relative_to(ROOT)}:{call.lineno}"
        for code in _strings(call.args[1], where):
            label = audit.ACTION_LABELS.get(code, "")
            if not CYRILLIC.search(label):
                missing[code] = where
    assert not missing, f"action codes without Russian words in audit.ACTION_LABELS: {missing}"


def _literal_keys(node) -> set[str]:
    if isinstance(node, ast.Dict):
        return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return set()


def test_every_changed_field_written_in_the_code_has_a_russian_name():
    keys = set()
    for _path, call in _record_calls():
        if len(call.args) >= 4:
            keys |= _literal_keys(call.args[3])
    for _path, call in _calls("diff"):
        if len(call.args) >= 2:
            keys |= _literal_keys(call.args[1])
    # Also `changes["x"] = ...` assignments next to the calls.
    for path in (ROOT / "appliance").rglob("*.py"):
        keys |= set(re.findall(r'changes\["(\w+)"\]\s*=', path.read_text(encoding="utf-8")))
    missing = sorted(k for k in keys if k != "vin" and not CYRILLIC.search(audit.field_label(k)))
    assert not missing, f"fields without a Russian name in audit.FIELD_LABELS: {missing}"


# Models whose rows are edited through audit.diff(instance, values): every column a person can change.
EDITED = ("customer", "vehicle", "order", "work_order", "consumable_group", "supplier_account", "mandatory_item",
          "reorder_line", "sms_template", "manager_plan")
BOOKKEEPING = {"id", "created_at", "updated_at", "version", "created_by", "updated_by", "customer", "vehicle",
               "booking", "sale", "copied_from", "arrival_sms_id", "reminder_sms_id", "slip_job_id", "arrival_sms_at",
               "reminder_sms_at", "arrived_at", "issued_at", "started_at", "finished_at", "handed_over_at", "item",
               "offer_article", "offer_brand", "offer_name", "offer_key", "median_kop", "days_min", "days_max",
               "on_hand", "analog_stock", "on_order", "reasoning", "ticked", "order", "priced_at", "vin"}


def _models():
    load_all()

    def subs(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subs(sub)
    return {m._meta.table_name: m for m in subs(BaseModel)}


def test_every_editable_column_has_a_russian_name():
    models = _models()
    missing = [f"{t}.{f}" for t in EDITED for f in models[t]._meta.fields
               if f not in BOOKKEEPING and not CYRILLIC.search(audit.field_label(f))]
    assert not missing, missing


def test_every_table_has_a_russian_name_for_the_journal():
    internal = {"audit_entry", "form_token", "heartbeat", "key_value", "exchange_session", "exchange_state",
                "modem_status", "printer_status", "supplier_link", "price_check_answer", "price_check_run",
                "price_quote", "stock_level", "stock_snapshot", "stock_watch_run", "goods_receipt",
                "goods_receipt_line", "import_log", "imported_sale", "sale_line", "status_change",
                "supplier_order_line", "analog_member", "bay", "product"}
    missing = sorted(t for t in _models() if t not in internal and not CYRILLIC.search(audit.OBJECT_LABELS.get(t, "")))
    assert not missing, missing


@pytest.mark.parametrize("object_type,field,value,text", [
    ("order", "paid_kop", 220100, "2\u00a0201\u00a0₽"),
    ("order", "prepayment_kop", 150050, "1\u00a0500,50\u00a0₽"),
    ("staff", "active", False, "нет"),
    ("notification", "is_open", True, "да"),
    ("customer", "source", "yandex_maps", "Яндекс Карты"),
    ("order", "status", "arrived", "на полке"),
    ("order_line", "status", "refused", "отказ поставщика"),
    ("staff", "role", "manager", "менеджер"),
    ("order", "promised_date", "2026-11-22", "22.11.2026"),
    ("customer", "deleted_at", "2026-11-22T11:05:00", "22.11.2026 14:05"),
    ("customer", "phones", "+79161234567, +74957654321", "+7 916 123-45-67, +7 495 765-43-21"),
    ("order", "comment", None, "—"),
])
def test_values_read_as_words(settings, object_type, field, value, text):
    assert audit.value_text(object_type, field, value) == text


def test_the_journal_and_the_card_show_no_raw_codes(login, staff):
    ivanov = customers.create_customer("Иванов Пётр", [PhoneInput("8 916 123-45-67")], staff["manager"],
                                       source="yandex_maps",
                                       vehicle_list=[VehicleInput("Chery", "Tiggo 4", plate="А123ВС77")])
    customers.update_customer(ivanov, 1, staff["manager"], "Иванов Пётр", "avito", "", [PhoneInput("+79161234567")])
    customers.add_vehicle(ivanov, VehicleInput("Haval", "Jolion", plate="в456ор77"), staff["manager"])
    audit.record(staff["owner"], "update", ("order", 7), {"paid_kop": (0, 220100)})
    audit.record(staff["owner"], "update", staff["manager"], {"active": (True, False)})
    audit.record(staff["owner"], "merge", ivanov, {}, note="объединён с #9; перенесено: phone.customer=1, order.customer=2")
    browser = login("owner")
    journal = browser.get("/audit").get_data(as_text=True)
    card = browser.get(f"/customers/{ivanov.id}").get_data(as_text=True)
    for page in (journal, card):
        for raw in ("yandex_maps", "avito", ">update<", ">create<", "phone.customer", "True", "False"):
            assert raw not in page, raw
        assert "Яндекс Карты → Авито" in page and "изменил(а)" in page
    assert "2\u00a0201\u00a0₽" in journal and "действует</b>: да → нет" in journal
    assert "вход в систему" in journal  # the owner's login just now
    assert "заказ №7" in journal and "телефон: 1, заказ: 2" in journal
    assert "автомобиль Haval Jolion В456ОР77" in card
