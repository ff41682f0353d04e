"""`prilavok ratings parse TEXT | send-due | report [--from DATE --to DATE] [--json]`."""
from __future__ import annotations

import json
import sys


def _open_db():
    from appliance.cli import _open_db as open_db

    return open_db()


def cmd_parse(args) -> int:
    from appliance.ratings import parsing

    print(json.dumps(parsing.parse(" ".join(args.text)).as_json(), ensure_ascii=False))
    return 0


def cmd_send_due(args) -> int:
    from appliance.ratings import requests

    _open_db()
    report = requests.send_due()
    print(json.dumps(report.as_json(), ensure_ascii=False) if args.json else report.text_ru())
    return 0


def _pct(value) -> str:
    return "—" if value is None else f"{value} %"


def _line(f) -> str:
    avg = "—" if f.average is None else str(f.average).replace(".", ",")
    few = "  мало ответов" if f.few else ""
    return f"{f.label:<45} ответов {f.answers:>5}  средняя {avg:>5}  NPS {_pct(f.nps):>6}{few}"


def cmd_report(args) -> int:
    from appliance import forms
    from appliance.errors import InputError
    from appliance.ratings import report

    _open_db()
    try:
        first, last = forms.day(args.date_from, "from"), forms.day(args.date_to, "to")
    except InputError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    rep = report.build(first, last)
    if args.json:
        print(json.dumps(rep.as_json(), ensure_ascii=False, indent=2))
        return 0
    print(f"Оценки за {rep.first:%d.%m.%Y}–{rep.last:%d.%m.%Y}")
    print(_line(rep.overall))
    print(f"Спросили {rep.asked}, ответили {rep.answered} ({_pct(rep.response_rate)}); без SMS {rep.skipped}")
    print("По отделам:")
    for f in rep.departments:
        print("  " + _line(f))
    print("По сотрудникам:")
    for f in rep.people:
        print("  " + _line(f))
    if rep.reasons:
        print("Причины низких оценок: " + ", ".join(f"{r} — {n}" for r, n in rep.reasons))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("ratings", help="оценки клиентов: разбор ответа, отправка, отчёт")
    sub = p.add_subparsers(dest="ratings_command", required=True)
    parse = sub.add_parser("parse", help="как будет прочитан ответ клиента (JSON)")
    parse.add_argument("text", nargs="+")
    parse.set_defaults(func=cmd_parse)
    send = sub.add_parser("send-due", help="поставить в очередь просьбы об оценке, которые пора отправить")
    send.add_argument("--json", action="store_true")
    send.set_defaults(func=cmd_send_due)
    rep = sub.add_parser("report", help="средняя, NPS, ответы за период")
    rep.add_argument("--from", dest="date_from", default="")
    rep.add_argument("--to", dest="date_to", default="")
    rep.add_argument("--json", action="store_true")
    rep.set_defaults(func=cmd_report)
