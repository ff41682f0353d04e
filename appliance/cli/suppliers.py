"""`prilavok price-check`, `prilavok stock-check`, `prilavok supplier-sim`."""
from __future__ import annotations

import sys


def _open_db():
    from appliance.cli import _open_db as open_db

    return open_db()


def _rub(kop: int | None) -> str:
    if kop is None:
        return "—"
    return f"{kop / 100:,.2f}".replace(",", " ").replace(".", ",")


def cmd_price_check(args) -> int:
    from appliance.purchasing import price_check

    _open_db()
    result = price_check.check(args.article, args.brand)
    for a in sorted(result.answers, key=lambda a: a.supplier):
        if a.error:
            print(f"# {a.supplier_name}: {a.error}", file=sys.stderr)
    offers = result.offers
    if not offers:
        print(f"{args.article}: предложений нет")
        return 1 if all(a.error for a in result.answers) and result.answers else 0
    print(f"{'поставщик':<20} {'артикул':<16} {'бренд':<12} {'цена':>11} {'розница':>11} {'наличие':>8} "
          f"{'срок':>7}  наименование")
    for o in offers:
        qty = "есть" if o.qty is None else ("под заказ" if o.qty == 0 else str(o.qty))
        days = "сейчас" if o.own_stock else (f"{o.days_min}-{o.days_max}" if o.days_min != o.days_max
                                             else str(o.days_max))
        mark = " (аналог)" if o.is_analog else ""
        print(f"{(o.supplier_name or o.supplier)[:20]:<20} {o.article[:16]:<16} {o.brand[:12]:<12} "
              f"{_rub(o.price_kop or None):>11} {_rub(o.retail_kop):>11} {qty:>8} {days:>7}  {o.name}{mark}")
    return 0


def cmd_stock_check(args) -> int:
    from appliance.purchasing import stock_watch, supplier_orders

    _open_db()
    summary = stock_watch.run(kind="manual")  # a person ran it (from the command line): «Проверка вручную»
    print(f"Проверка обязательного наличия: {summary.text_ru()}; запросов к поставщикам: {summary.requests}")
    placed = supplier_orders.drain_outbox()
    if any(placed.values()):
        print(f"Заказы поставщикам: отправлено {placed['placed']}, ждут связи {placed['waiting']}, "
              f"не приняты {placed['failed']}")
    return 0


def cmd_supplier_sim(args) -> int:
    from appliance import settings
    from hardware.sim import supplier_api as sim

    port = args.port or settings.get().getint("suppliers", "sim_port")
    sim.serve(port=port, count=args.suppliers, latency_ms=args.latency_ms, rate_limit=args.rate_limit,
              error_rate=args.error_rate, refuse_rate=args.refuse_rate)
    return 0


def register(sub) -> None:
    p = sub.add_parser("price-check", help="проценка: предложения всех поставщиков по артикулу")
    p.add_argument("article")
    p.add_argument("--brand", default=None)
    p.set_defaults(func=cmd_price_check)
    p = sub.add_parser("stock-check", help="проверить обязательное наличие сейчас (ночная проверка)")
    p.set_defaults(func=cmd_stock_check)
    p = sub.add_parser("supplier-sim", help="симулятор API поставщиков (ABCP) на 127.0.0.1")
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--suppliers", type=int, default=2, help="сколько поставщиков (sim1, sim2, ...)")
    p.add_argument("--latency-ms", type=float, default=None)
    p.add_argument("--rate-limit", type=float, default=None, help="запросов в секунду, сверх — 429")
    p.add_argument("--error-rate", type=float, default=None, help="доля ответов 500")
    p.add_argument("--refuse-rate", type=float, default=None, help="доля отказов по позициям заказа")
    p.set_defaults(func=cmd_supplier_sim)
