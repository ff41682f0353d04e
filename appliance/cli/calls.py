"""`prilavok staff extension LOGIN EXT`, `calls list`, `calls callbacks`, `call EXT NUMBER`: the office PBX from a script."""
from __future__ import annotations

import datetime as dt
import json
import sys
import time


def _open_db():
    from appliance.cli import _open_db as open_db

    return open_db()


def cmd_extension(args) -> int:
    from appliance.calls import history
    from appliance.errors import InputError
    from db.models.staff import Staff

    _open_db()
    person = Staff.get_or_none(Staff.username == args.login)
    if person is None:
        print(f"Нет сотрудника с логином {args.login}.", file=sys.stderr)
        return 1
    try:
        history.set_extension(person, "" if args.ext == "-" else args.ext)
    except InputError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"{person.full_name}: внутренний номер {person.extension or 'не указан'}.")
    return 0


def _parse_since(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        from appliance.clock import local_to_utc

        return local_to_utc(value)  # a bare time is the shop's
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def cmd_list(args) -> int:
    from appliance import phones
    from appliance.calls import history
    from appliance.clock import to_local
    from db.models.calls import DIRECTIONS, RESULTS

    _open_db()
    try:
        since = _parse_since(args.since)
    except ValueError:
        print(f"--since: «{args.since}» не дата ISO (например 2026-11-22 или 2026-11-22T09:00).", file=sys.stderr)
        return 2
    for call in history.calls_since(since):
        if args.json:
            print(json.dumps(history.call_json(call), ensure_ascii=False))
        else:
            who = call.answered_by.username if call.answered_by_id else "—"
            print(f"{to_local(call.started_at):%d.%m.%Y %H:%M}  {DIRECTIONS.get(call.direction, call.direction):<10} "
                  f"{phones.display(call.number) if call.number.startswith('+') else call.number or 'скрытый':<18} "
                  f"{RESULTS.get(call.result, call.result):<14} {who}")
    return 0


def cmd_callbacks(args) -> int:
    from appliance import phones
    from appliance.calls import callbacks, history
    from appliance.clock import to_local

    _open_db()
    for entry in callbacks.open_entries():
        if args.json:
            print(json.dumps(history.callback_json(entry), ensure_ascii=False))
        else:
            wait = callbacks.waiting(entry)
            print(f"{phones.display(entry.number):<18} звонков {entry.attempts}, первый "
                  f"{to_local(entry.first_at):%d.%m.%Y %H:%M}, {wait.label}")
    return 0


def cmd_call(args) -> int:
    from appliance.calls import dialer
    from appliance.errors import InputError
    from appliance.permissions import PermissionDenied
    from db.models.staff import Staff

    _open_db()
    person = Staff.get_or_none((Staff.extension == args.ext) & Staff.active)
    if person is None:
        print(f"Внутренний номер {args.ext} не закреплён ни за кем: prilavok staff extension LOGIN {args.ext}",
              file=sys.stderr)
        return 1
    try:
        row = dialer.request_call(person, args.number)
    except (InputError, PermissionDenied) as exc:
        print(exc.message, file=sys.stderr)
        return 1
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        row = dialer.state(row.id)
        if row.status in ("ringing", "failed"):
            break
        time.sleep(0.2)
    if row.status == "failed":
        print(row.error, file=sys.stderr)
        return 1
    if row.status == "ringing":
        print(f"Звонит телефон {row.extension}: снимите трубку, АТС наберёт {row.number}.")
        return 0
    print(f"Запрос на звонок записан (статус: {row.status}); его выполнит процесс устройств.")
    return 0 if row.status in ("queued", "sending", "sent") else 1


def register(subparsers) -> None:
    staff = subparsers.add_parser("staff", help="сотрудники: внутренние номера телефонов")
    ssub = staff.add_subparsers(dest="staff_command", required=True, metavar="ДЕЙСТВИЕ")
    p = ssub.add_parser("extension", help="закрепить внутренний номер АТС за сотрудником («-» — снять)")
    p.add_argument("login")
    p.add_argument("ext")
    p.set_defaults(func=cmd_extension)

    group = subparsers.add_parser("calls", help="звонки через офисную АТС")
    csub = group.add_subparsers(dest="calls_command", required=True, metavar="ДЕЙСТВИЕ")
    p = csub.add_parser("list", help="журнал звонков")
    p.add_argument("--since", help="с этого момента (ISO: 2026-11-22 или 2026-11-22T09:00, время магазина)")
    p.add_argument("--json", action="store_true", help="по одному объекту JSON в строке")
    p.set_defaults(func=cmd_list)
    p = csub.add_parser("callbacks", help="открытые «Перезвонить»")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_callbacks)

    p = subparsers.add_parser("call", help="звонок в один клик: звонит телефон EXT, затем АТС набирает NUMBER")
    p.add_argument("ext")
    p.add_argument("number")
    p.add_argument("--wait", type=float, default=15.0, help="сколько секунд ждать ответа АТС")
    p.set_defaults(func=cmd_call)
