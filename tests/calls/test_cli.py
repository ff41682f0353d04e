"""`prilavok staff extension`, `calls list --json`, `calls callbacks --json`, `call EXT NUMBER`."""
import json

from appliance import calls, cli
from db.models.calls import ClickToCall
from db.models.staff import Staff
from tests.calls.test_assembly import T0, inbound

FIELDS = {"linkedid", "direction", "number", "customer_id", "rang", "answered_by", "started_at", "answered_at",
          "ended_at", "wait_s", "talk_s", "result", "recording"}


def test_staff_extension(db, staff, capsys):
    assert cli.main(["staff", "extension", "manager", "105"]) == 0
    assert Staff.get(Staff.username == "manager").extension == "105"
    assert cli.main(["staff", "extension", "owner", "105"]) == 1
    assert "уже у сотрудника" in capsys.readouterr().err
    assert cli.main(["staff", "extension", "manager", "abc"]) == 1
    assert cli.main(["staff", "extension", "nobody", "106"]) == 1


def test_calls_list_and_callbacks_json(db, desks, car, capsys):
    calls.ingest(inbound("10.1", "+79161234567", ["101", "102"], answer="102"))
    calls.ingest(inbound("10.2", "+79035550101", ["101", "102"], t=T0.replace(hour=10)))
    capsys.readouterr()
    assert cli.main(["calls", "list", "--json", "--since", "2026-11-20T00:00:00Z"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["linkedid"] for r in rows] == ["10.1", "10.2"]
    first, second = rows
    assert FIELDS <= set(first)
    assert (first["direction"], first["number"], first["customer_id"], first["answered_by"], first["result"]) == (
        "in", "+79161234567", car[0].id, "petrov", "answered")
    assert first["rang"] == ["manager", "petrov"] and first["started_at"] == "2026-11-20T09:00:00Z"
    assert (second["result"], second["answered_by"], second["talk_s"]) == ("missed", None, None)
    assert cli.main(["calls", "list", "--json", "--since", "2026-11-21"]) == 0
    assert capsys.readouterr().out == ""
    assert cli.main(["calls", "callbacks", "--json"]) == 0
    [entry] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert entry == {"number": "+79035550101", "customer_id": None, "attempts": 1,
                     "first_at": "2026-11-20T10:00:00Z", "last_at": "2026-11-20T10:00:00Z"}
    assert cli.main(["calls", "list", "--since", "вчера"]) == 2


def test_call_writes_a_click_to_call_row(db, desks, capsys):
    assert cli.main(["call", "109", "+79161234567"]) == 1
    assert "не закреплён" in capsys.readouterr().err
    assert cli.main(["call", "101", "+79161234567", "--wait", "0.3"]) == 0
    row = ClickToCall.get()
    assert (row.staff.username, row.number, row.status) == ("manager", "+79161234567", "queued")
