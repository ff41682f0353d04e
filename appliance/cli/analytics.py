"""`prilavok analytics show [--period month|last_month|quarter|year|custom --from D --to D] [--json]`
and `prilavok analytics list KEY [period options]`: the dashboard's figures and the CSV of the
list behind one (the same functions as /analytics). Imports are inside the commands, as in the
other CLI modules, so `prilavok --help` stays quick."""
from __future__ import annotations

import json
import sys


def _open_db():
    from appliance.cli import _open_db as open_db

    return open_db()


def _period(args):
    from appliance.analytics import period

    return period.make(args.period, args.date_from, args.date_to)


def _text(value, fmt: str) -> str:
    if value is None:
        return "—"
    if fmt == "money":
        return f"{value / 100:,.0f} ₽".replace(",", " ")
    if fmt == "pct":
        return f"{value:.1f} %".replace(".", ",")
    if fmt in ("num", "days", "score"):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def _growth(value) -> str:
    return "—" if value is None else f"{value:+.1f} %".replace(".", ",")


def cmd_show(args) -> int:
    from appliance.analytics import dashboard
    from appliance.errors import InputError

    _open_db()
    try:
        p = _period(args)
    except InputError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    board = dashboard.build(p, with_charts=False)
    if args.json:
        print(json.dumps(board.as_json(), ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"Показатели за {p.label} (пред. {board.previous.label}, год назад {board.year_ago.label})")
    for tile in board.tiles:
        print(f"\n{tile.title}")
        if tile.placeholder:
            print(f"  {tile.placeholder}")
        for f in tile.figures:
            tail = f"  пред. {_text(f.prev, f.fmt)} ({_growth(f.growth_prev)})  год назад {_text(f.ago, f.fmt)} " \
                   f"({_growth(f.growth_ago)})" if f.compare else "  (на сегодня)"
            print(f"  {f.label:<52} {_text(f.value, f.fmt):>14}{tail}")
    return 0


def cmd_list(args) -> int:
    from appliance.analytics import dashboard
    from appliance.errors import InputError

    _open_db()
    try:
        table = dashboard.detail(args.key, _period(args))
    except InputError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    sys.stdout.buffer.write(table.csv())
    return 0


def _period_args(p) -> None:
    p.add_argument("--period", default="month", help="month | last_month | quarter | year | custom")
    p.add_argument("--from", dest="date_from", default="")
    p.add_argument("--to", dest="date_to", default="")


def register(subparsers) -> None:
    p = subparsers.add_parser("analytics", help="показатели магазина за период")
    sub = p.add_subparsers(dest="analytics_command", required=True)
    show = sub.add_parser("show", help="все показатели рядом с прошлым периодом и годом назад")
    _period_args(show)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
    lst = sub.add_parser("list", help="список за показателем в CSV (клиенты, чеки...)")
    lst.add_argument("key")
    _period_args(lst)
    lst.set_defaults(func=cmd_list)
