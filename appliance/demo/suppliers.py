"""Demo rows for suppliers and stock watch: the mandatory list, analog groups, counter
sales of those parts, some stock, 90 days of price history and a reorder list made by
a night run against the supplier simulator (run in-process on a free port, so building
the demo needs no network and no running simulator)."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from appliance import settings
from appliance.clock import local_to_utc
from appliance.parts import article_key, brand_key
from appliance.purchasing import stock_watch
from appliance.suppliers import registry
from appliance.suppliers.abcp import AbcpAdapter
from appliance.suppliers.http import HTTPPolicy, SupplierHTTP
from appliance.suppliers.link import LinkTracker
from db.models.catalog import Product
from db.models.exchange import StockLevel, StockSnapshot
from db.models.sales import Sale, SaleLine
from db.models.suppliers import AnalogGroup, AnalogMember, MandatoryItem, PriceQuote, ReorderLine
from hardware.sim.parts_catalog import CROSSES, PARTS
from hardware.sim.supplier_api import RunningSim, default_suppliers

SIM_SUPPLIERS = ("sim1", "sim2")


def _sims():
    return default_suppliers(2)


def build(rng: random.Random, now: dt.datetime) -> None:
    products = {}
    for article, brand, name, base, _pack in PARTS:
        key = (article_key(article), brand_key(brand))
        p = Product.get_or_none((Product.article_key == key[0]) & (Product.brand_key == key[1]))
        if p is None:
            p = Product.create(article=article, brand=brand, article_key=key[0], brand_key=key[1], name=name,
                               group="Запчасти", price_kop=int(base * 1.45) * 100, updated_at=now)
        products[key] = p

    items = []
    for article, brand, name, _base, pack in PARTS:
        min_qty = rng.choice([2, 2, 3, 4, 5, 6, 10]) if pack == 1 else pack * rng.choice([1, 2])
        items.append(MandatoryItem.create(
            article=article, brand=brand, article_key=article_key(article), brand_key=brand_key(brand),
            name=name, min_qty=min_qty, target_qty=None if rng.random() < 0.8 else min_qty * 2, pack=pack,
            created_at=now - dt.timedelta(days=200)))

    for group in CROSSES:
        g = AnalogGroup.create(name=group[0][0], source="csv", created_at=now - dt.timedelta(days=120))
        for article, brand in group:
            AnalogMember.create(group=g, article=article, brand=brand, article_key=article_key(article),
                                brand_key=brand_key(brand))

    _sales(rng, now, products)
    _stock(rng, now, products)
    _price_history(now)
    _night_run(now)


def _sales(rng: random.Random, now: dt.datetime, products: dict) -> None:
    """Counter sales of the mandatory parts over the last 8 weeks (anonymous receipts)."""
    rates = {key: rng.choice([0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2]) for key in products}
    for day in range(56, 0, -1):
        date = (now - dt.timedelta(days=day)).replace(hour=8, minute=0, second=0, microsecond=0)
        lines = []
        for key, p in products.items():
            qty = sum(1 for _ in range(4) if rng.random() < rates[key] / 4)
            if qty:
                lines.append((p, qty))
        if not lines:
            continue
        sale = Sale.create(number=f"ЧК-С{day:03d}", date=date + dt.timedelta(hours=rng.randint(0, 9)),
                           kind="parts", source="demo", created_at=date)
        total = 0
        for p, qty in lines:
            SaleLine.create(sale=sale, product=p, article=p.article, brand=p.brand, name=p.name, qty=qty,
                            price_kop=p.price_kop, sum_kop=p.price_kop * qty)
            total += p.price_kop * qty
        sale.total_kop = total
        sale.save()


def _stock(rng: random.Random, now: dt.datetime, products: dict) -> None:
    """A few parts on the shelf; among them analog bushings, so the plain ones need no order."""
    snap = StockSnapshot.select().first()
    if snap is None:
        snap = StockSnapshot.create(warehouse="Основной склад", taken_at=now - dt.timedelta(hours=10),
                                    received_at=now - dt.timedelta(hours=10))
    chosen = {("2906011XKZ16A", "HAVAL"): 10, ("BKR6EZ", "NGK"): 16, ("473H1012010", "CHERY"): 3}
    for key, p in products.items():
        qty = chosen.get(key)
        if qty is None and rng.random() < 0.3:
            qty = rng.randint(1, 4)
        if qty:
            StockLevel.create(snapshot=snap, product=p, article=p.article, brand=p.brand, article_key=key[0],
                              brand_key=key[1], name=p.name, qty=Decimal(qty), price_kop=p.price_kop)


def _price_history(now: dt.datetime) -> None:
    """What the simulator quoted each day for 90 days: its prices are a function of the date."""
    sims = _sims()
    rows = []
    for day in range(90, 0, -1):
        when = now - dt.timedelta(days=day)
        for s in sims:
            s.date = when.date().isoformat()
            for article, brand, *_ in PARTS:
                if (day + len(article)) % 3:  # not every part is priced every day
                    continue
                offer = s.offer(article, brand, (article_key(article), brand_key(brand)))
                if offer:
                    rows.append(dict(article_key=article_key(article), brand_key=brand_key(brand),
                                     supplier=s.name, price_kop=int(round(offer["price"] * 100)),
                                     qty=max(0, offer["availability"]),
                                     days_min=offer["deliveryPeriod"] // 24,
                                     days_max=offer["deliveryPeriodMax"] // 24, quoted_at=when))
    # the Idemitsu oil is dear this week: its usual price was a third lower
    for r in rows:
        if r["article_key"] == "30015048346":
            r["price_kop"] = int(r["price_kop"] * 0.6)
    for i in range(0, len(rows), 500):
        PriceQuote.insert_many(rows[i:i + 500]).execute()


def _night_run(now: dt.datetime) -> None:
    """Last night's stock watch, asked of an in-process simulator like the real one."""
    port = settings.get().getint("suppliers", "sim_port")
    configs = registry.demo_sections(port)
    night = local_to_utc(dt.datetime.combine((now - dt.timedelta(hours=3)).date(), dt.time(2, 13)))
    night = min(night, now)
    sims = _sims()
    for s in sims:
        s.latency_ms = s.jitter_ms = 0
    running = RunningSim(sims, port=0)
    server = running.start()
    try:
        tracker = LinkTracker()  # not stored: the demo's link status starts clean
        adapters = []
        for code in SIM_SUPPLIERS:
            cfg = registry.config_from_section(code, {**configs[code], "url": server.url(code)})
            http = SupplierHTTP(code, cfg.url, policy=HTTPPolicy(retries=0, read_timeout=5),
                                concurrency=4, rate_limit=0, tracker=tracker)
            adapters.append(AbcpAdapter(cfg, http=http))
        stock_watch.run(now=night, adapters=adapters)
    finally:
        running.stop()
    # the manager has already ticked two lines this morning
    for line in (ReorderLine.select().where(ReorderLine.state == "buy").order_by(ReorderLine.id).limit(2)):
        line.ticked = True
        line.save()
