"""`prilavok init --scale bench`: the reference "ten years of one shop" for benchmarks.

40,000 customers, 55,000 vehicles, 20,000 products, 400,000 sales with 1,500,000 lines,
8 managers. Deterministic (seeded). Written with executemany in big transactions: the
ORM would take many minutes for 1.5 M rows on two cores.
"""
from __future__ import annotations

import datetime as dt
import random

from werkzeug.security import generate_password_hash

from appliance.clock import utcnow
from appliance.demo import fake
from appliance.parts import article_key, brand_key
from db import database, write_transaction

SCALE = {"customers": 40_000, "vehicles": 55_000, "products": 20_000, "sales": 400_000, "lines": 1_500_000, "managers": 8}
SEED = 10


def build_bench(scale: dict | None = None, progress=print) -> dict:
    scale = {**SCALE, **(scale or {})}
    rng = random.Random(SEED)
    now = utcnow()
    start = now - dt.timedelta(days=3650)
    con = database.connection()
    iso = "%Y-%m-%d %H:%M:%S"

    with write_transaction():
        demo_hash = generate_password_hash("demo")
        staff_rows = [("owner", "Громов Виктор Павлович", "owner", demo_hash, 1, "", 0, None, now.strftime(iso))]
        for i in range(scale["managers"]):
            staff_rows.append((f"manager{i + 1}" if i else "manager", fake.person_name(rng), "manager", demo_hash, 1, "", 0, None, now.strftime(iso)))
        con.executemany("INSERT INTO staff (username, full_name, role, password_hash, active, phone, failed_logins,"
                        " locked_until, created_at) VALUES (?,?,?,?,?,?,?,?,?)", staff_rows)
        manager_ids = [r[0] for r in con.execute("SELECT id FROM staff WHERE role IN ('manager','owner')")]
        progress(f"сотрудники: {len(staff_rows)}")

        used: set[str] = set()
        cust_rows, phone_rows = [], []
        for cid in range(1, scale["customers"] + 1):
            created = start + dt.timedelta(seconds=rng.randrange(int((now - start).total_seconds())))
            cust_rows.append((cid, fake.person_name(rng), "person", rng.choice(fake.SOURCES_WEIGHTED), "",
                              rng.choice(manager_ids), created.strftime(iso), created.strftime(iso), 1))
            for k in range(1 if rng.random() < 0.85 else 2):
                e164 = fake.mobile(rng, used)
                phone_rows.append((cid, e164, e164[2:], "mobile" if k == 0 else "work", "", 1 if k == 0 else 0))
        con.executemany("INSERT INTO customer (id, name, kind, source, notes, created_by_id, created_at, updated_at, version)"
                        " VALUES (?,?,?,?,?,?,?,?,?)", cust_rows)
        con.executemany("INSERT INTO phone (customer_id, e164, digits, kind, comment, is_primary) VALUES (?,?,?,?,?,?)", phone_rows)
        progress(f"клиенты: {len(cust_rows)}, телефоны: {len(phone_rows)}")

        veh_rows = []
        owners = list(range(1, scale["customers"] + 1))
        for i in range(scale["vehicles"]):
            cid = owners[i] if i < len(owners) else rng.choice(owners)
            v = fake.vehicle(rng, now.year)
            veh_rows.append((cid, v["make"], v["model"], v["year"], v["vin"], v["plate"], v["engine"], v["mileage"], "", now.strftime(iso)))
        con.executemany("INSERT INTO vehicle (customer_id, make, model, year, vin, plate, engine, mileage, comment, created_at)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?)", veh_rows)
        progress(f"автомобили: {len(veh_rows)}")

        prod_rows, seen = [], set()
        while len(prod_rows) < scale["products"]:
            name, group, brand, price = rng.choice(fake.PARTS)
            make, model, *_ = rng.choice(fake.CARS)
            art = fake.article(rng, make)
            key = (article_key(art), brand_key(brand))
            if key in seen:
                continue
            seen.add(key)
            prod_rows.append((art, brand, key[0], key[1], f"{name} {make} {model}", group, "шт",
                              int(price * rng.uniform(0.7, 1.6)) * 100, now.strftime(iso)))
        con.executemany("INSERT INTO product (article, brand, article_key, brand_key, name, \"group\", unit, price_kop, updated_at)"
                        " VALUES (?,?,?,?,?,?,?,?,?)", prod_rows)
        products = [(pid, art, brand, name, price) for pid, art, brand, name, price in
                    con.execute("SELECT id, article, brand, name, price_kop FROM product")]
        progress(f"товары: {len(products)}")

    # Sales in chunks: one transaction per 50,000 receipts keeps the WAL small.
    per_sale = [rng.choice((1, 2, 3, 4, 5, 6, 5, 4)) for _ in range(scale["sales"])]
    diff = scale["lines"] - sum(per_sale)
    while diff:
        i = rng.randrange(len(per_sale))
        step = 1 if diff > 0 else -1
        if per_sale[i] + step >= 1:
            per_sale[i] += step
            diff -= step
    sales_left = scale["sales"]
    sale_id, total_lines = 0, 0
    span = int((now - start).total_seconds())
    last_visit: dict[int, str] = {}
    while sales_left:
        chunk = min(50_000, sales_left)
        sale_rows, line_rows = [], []
        for _ in range(chunk):
            per = per_sale[sale_id]
            sale_id += 1
            date = (start + dt.timedelta(seconds=rng.randrange(span))).strftime(iso)
            cid = rng.randint(1, scale["customers"]) if rng.random() < 0.8 else None
            total = 0
            for _ in range(per):
                pid, art, brand, name, price = products[rng.randrange(len(products))]
                qty = rng.choice((1, 1, 1, 2, 4))
                line_rows.append((sale_id, pid, art, brand, name, qty, price, price * qty))
                total += price * qty
            sale_rows.append((sale_id, f"ЧК-{sale_id:07d}", date, cid, rng.choice(manager_ids),
                              "repair" if rng.random() < 0.15 else "parts", total, "bench", date))
            if cid and date > last_visit.get(cid, ""):
                last_visit[cid] = date
            sales_left -= 1
        with write_transaction():
            con.executemany("INSERT INTO sale (id, number, date, customer_id, manager_id, kind, total_kop, source, created_at)"
                            " VALUES (?,?,?,?,?,?,?,?,?)", sale_rows)
            con.executemany("INSERT INTO sale_line (sale_id, product_id, article, brand, name, qty, price_kop, sum_kop)"
                            " VALUES (?,?,?,?,?,?,?,?)", line_rows)
        total_lines += len(line_rows)
        progress(f"чеки: {sale_id}, строки: {total_lines}")
    with write_transaction():
        con.executemany("UPDATE customer SET last_visit_at = ? WHERE id = ?", [(d, c) for c, d in last_visit.items()])
    from appliance.customers import rebuild_index

    indexed = rebuild_index()
    database.execute_sql("ANALYZE")
    progress(f"поисковый индекс: {indexed} клиентов")
    return {"customers": len(cust_rows), "vehicles": len(veh_rows), "products": len(products),
            "sales": sale_id, "lines": total_lines}


