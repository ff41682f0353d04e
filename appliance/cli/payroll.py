"""`prilavok payroll --month YYYY-MM [--json]`: every manager's facts, KPIs and pay (a closed
month: its snapshot and corrections)."""
from __future__ import annotations

import json
import sys
from decimal import Decimal


def _open_db():
    from appliance.cli import _open_db as open_db

    return open_db()


def _rub(kop) -> str:
    if kop is None:
        return "—"
    return f"{Decimal(kop) / 100:,.2f}".replace(",", " ").replace(".", ",") + " ₽"


def _pct(value) -> str:
    return "—" if value is None else f"{(Decimal(value) * 100).quantize(Decimal(1))} %"


def _coef(value) -> str:
    return "—" if value is None else str(Decimal(value).quantize(Decimal("0.01"))).replace(".", ",")


def cmd_payroll(args) -> int:
    from appliance.errors import InputError
    from appliance.payroll import closing, kpi, plans

    _open_db()
    try:
        month = plans.parse_month(args.month)
    except InputError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    shut = closing.closed(month)
    if shut:
        data = dict(shut.figures, closed=True,
                    corrections=[{"staff_id": c.staff_id, "amount_kop": c.amount_kop, "reason": c.reason}
                                 for c in shut.corrections])
        for row in data["rows"]:
            row["total_kop"] = shut.total_of(row)
    else:
        data = dict(kpi.everyone(month, None).as_json(), closed=False, corrections=[])
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    state = " (закрыт)" if data["closed"] else ""
    print(f"Зарплата: {month.label}{state}; рабочих дней {data['shop_days_total']}, прошло "
          f"{data['shop_days_elapsed']}; продажи магазина {_rub(data['shop_kop'])}")
    for r in data["rows"]:
        if not r["plan_set"]:
            print(f"  {r['name']:<32} личные {_rub(r['facts']['personal_kop']):>16}  {kpi.NO_PLAN}")
            continue
        k = r["kpis"]
        print(f"  {r['name']:<32} личные {_rub(r['facts']['personal_kop']):>16}  KPI {_pct(k['personal']['kpi']):>6}"
              f"  коэф. {_coef(r['coefficient'])}  на сегодня {_rub(r['pay_to_date_kop'])}  прогноз {_rub(r['pay_forecast_kop'])}"
              + (f"  итого {_rub(r['total_kop'])}" if data["closed"] else "") + (f"  ({r['status']})" if r["status"] else ""))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("payroll", help="зарплата менеджеров за месяц: факты, KPI, начислено, прогноз")
    p.add_argument("--month", required=True, help="ГГГГ-ММ, например 2026-11")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_payroll)
