"""`prilavok loyalty balance|history CARD_OR_PHONE [--json]`: a card's points from the shell.

Amounts are integer kopecks of a rouble in JSON (1 балл = 1 ₽ = 100), dates ISO in shop time.
"""
from __future__ import annotations

import json
import sys


def _open_db():
    from appliance.cli import _open_db as open_db

    return open_db()


def _found(query: str):
    from appliance.loyalty import cards

    customer, found = cards.find(query)
    if not found:
        print(f"Карта или телефон «{query}» не найдены среди бонусных карт.", file=sys.stderr)
    return customer, found


def _when(value):
    from appliance.clock import to_local

    return to_local(value).isoformat(timespec="seconds") if value else None


def cmd_balance(args) -> int:
    from appliance.loyalty import cards
    from appliance.loyalty.rules import points_text

    _open_db()
    customer, found = _found(args.card_or_phone)
    if not found:
        return 1
    s = cards.summary(found)
    data = {"query": args.card_or_phone, "customer": {"id": customer.id, "name": customer.name} if customer else None,
            "cards": [c.number for c in found], "balance_kop": s.balance_kop, "pending_kop": s.pending_kop,
            "next_expiry": {"at": _when(s.next_expiry[0]), "amount_kop": s.next_expiry[1]} if s.next_expiry else None}
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"{customer.name if customer else '—'}; карты: {', '.join(data['cards'])}")
    print(f"Баланс: {points_text(s.balance_kop)} б.; ожидают начисления: {points_text(s.pending_kop)} б.")
    if s.next_expiry:
        print(f"Сгорит {points_text(s.next_expiry[1])} б. {_when(s.next_expiry[0])[:10]}")
    return 0


def cmd_history(args) -> int:
    from appliance.clock import to_local
    from appliance.loyalty import cards, ledger
    from appliance.loyalty.rules import points_text

    _open_db()
    _customer, found = _found(args.card_or_phone)
    if not found:
        return 1
    rows = cards.history([c.id for c in found])
    entries = [{"id": e.id, "at": _when(e.created_at), "kind": e.kind, "kind_label": e.kind_label,
                "amount_kop": e.amount_kop, "shortfall_kop": e.shortfall_kop,
                "sale": e.sale.number if e.sale_id else None, "reason": e.reason,
                "expires_at": _when(e.expires_at)} for e in rows]
    balance = ledger.balance(found)
    if args.json:
        print(json.dumps({"query": args.card_or_phone, "cards": [c.number for c in found], "balance_kop": balance,
                          "entries": entries}, ensure_ascii=False, indent=2))
        return 0
    for e in rows:
        sale = f" чек {e.sale.number}" if e.sale_id else ""
        short = f" (недостача {points_text(e.shortfall_kop)})" if e.shortfall_kop else ""
        print(f"{to_local(e.created_at):%d.%m.%Y %H:%M}  {e.kind_label:<26} {points_text(e.amount_kop):>10}{sale}{short}"
              + (f" — {e.reason}" if e.reason else ""))
    print(f"Баланс: {points_text(balance)} б.")
    return 0


def register(sub) -> None:
    p = sub.add_parser("loyalty", help="бонусные карты: баланс и история баллов")
    lsub = p.add_subparsers(dest="loyalty_command", required=True)
    b = lsub.add_parser("balance", help="баланс карты (или всех карт клиента по телефону)")
    b.add_argument("card_or_phone", metavar="CARD_OR_PHONE")
    b.add_argument("--json", action="store_true", help="ответ в JSON (суммы в копейках)")
    b.set_defaults(func=cmd_balance)
    h = lsub.add_parser("history", help="история баллов: начисления, списания, возвраты, сгорания")
    h.add_argument("card_or_phone", metavar="CARD_OR_PHONE")
    h.add_argument("--json", action="store_true", help="ответ в JSON (суммы в копейках)")
    h.set_defaults(func=cmd_history)
