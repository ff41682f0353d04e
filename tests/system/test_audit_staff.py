"""The audit page's query and the staff lists, moved out of web/system.py and web/customers.py."""
from appliance import audit
from appliance import staff as staff_mod
from db.models.audit import AuditEntry


def test_audit_log_page_filters_by_kind_and_actor_newest_first(db, staff):
    owner, manager = staff["owner"], staff["manager"]
    AuditEntry.delete().execute()
    first = audit.record(owner, "create", ("customer", 1), {"name": [None, "А"]})
    audit.record(manager, "create", ("vehicle", 2))
    third = audit.record(owner, "update", ("customer", 1), {"name": ["А", "Б"]})
    rows = audit.log_page()
    assert [e.id for e, _ in rows][:1] == [third.id] and len(rows) == 3
    assert [e.id for e, _ in audit.log_page("customer", owner.id)] == [third.id, first.id]
    assert audit.log_page("customer", manager.id) == []
    assert dict(audit.log_page(actor_id=owner.id))[third] == {"name": ["А", "Б"]}
    assert [e.id for e, _ in audit.log_page(page=2, per_page=2)] == [first.id]


def test_staff_lists(db, staff):
    staff_mod.set_active(staff["mechanic"], False, staff["owner"])
    assert [s.username for s in staff_mod.listed()] == ["owner", "manager", "mechanic"]
    assert [s.full_name for s in staff_mod.by_name()] == sorted(s.full_name for s in staff.values())
    assert staff_mod.names()[staff["mechanic"].id] == "Захаров Денис Олегович"
