"""1,000,000 sale lines from a 1C CSV export (cp1251, `;`, decimal commas) into a fresh box.

Prints our rows/s and peak RSS beside the floor measured in the same run: raw sqlite3
``executemany`` doing the same inserts (sales, their origins, their lines) from tuples
already in memory, in one transaction, with the same schema. The ratio is ours / floor.
Set BENCH_LINES for a shorter run. No assertion on time.
"""
from __future__ import annotations

import os
import random
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

LINES_PER_SALE = 3


def _write_csv(path: Path, lines: int, rng: random.Random) -> list[tuple]:
    """The export file, and the (sale, line) tuples the floor inserts."""
    rows = []
    names = ["Свеча зажигания", "Фильтр масляный", "Колодки тормозные передние", "Ремень ГРМ", "Масло моторное 5W-30 4 л"]
    with open(path, "w", encoding="cp1251", newline="") as fh:
        fh.write("Номер чека;Дата;Артикул;Производитель;Номенклатура;Количество;Цена;Сумма;Дисконтная карта;Продавец\r\n")
        for i in range(lines):
            sale = i // LINES_PER_SALE
            day = 1 + sale % 28
            card = f"2000{sale % 5000:09d}" if sale % 10 == 0 else ""
            price = rng.randint(100, 9000)
            qty = rng.choice((1, 1, 2, 4))
            article = f"A{rng.randint(1, 20000):05d}-{rng.randint(10, 99)}"
            name = rng.choice(names)
            fh.write(f"ЧК-{sale:07d};{day:02d}.10.2026 {10 + sale % 9}:{sale % 60:02d};{article};CHERY;{name};{qty};"
                     f"{price},50;{price * qty + qty // 2},{'00' if qty % 2 == 0 else '50'};{card};Петрова Анна\r\n")
            rows.append((sale, article, name, qty, price * 100 + 50, (price * qty) * 100 + qty * 50, card))
    return rows


def _floor(schema: list[str], rows: list[tuple], path: Path) -> float:
    con = sqlite3.connect(path)
    for pragma in ("journal_mode=wal", "synchronous=normal", "foreign_keys=1", "cache_size=-32000"):
        con.execute(f"PRAGMA {pragma}")
    for sql in schema:
        con.execute(sql)
    sales, lines, origins = [], [], []
    for sale, article, name, qty, price, total, card in rows:
        if not sales or sales[-1][0] != sale + 1:
            sales.append((sale + 1, f"ЧК-{sale:07d}", "2026-10-01 07:00:00", None, None, "parts", 0,
                          f"ЧК-{sale:07d}@2026-10-01", "1c", "2026-11-22 10:00:00"))
            origins.append((sale + 1, "h" * 40, card, "", "", "", "Петрова Анна", "unmatched" if card else "anonymous",
                            None))
        lines.append((sale + 1, None, article, "CHERY", name, qty, price, total))
    started = time.perf_counter()
    with con:
        con.executemany("INSERT INTO sale (id, number, date, customer_id, manager_id, kind, total_kop, external_id,"
                        " source, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)", sales)
        con.executemany("INSERT INTO imported_sale (sale_id, content_hash, card, phone, phone_e164, customer_name,"
                        " manager_name, status, import_log_id) VALUES (?,?,?,?,?,?,?,?,?)", origins)
        con.executemany("INSERT INTO sale_line (sale_id, product_id, article, brand, name, qty, price_kop, sum_kop)"
                        " VALUES (?,?,?,?,?,?,?,?)", lines)
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def main() -> None:
    lines = int(os.environ.get("BENCH_LINES", "1000000"))
    tmp = Path(tempfile.mkdtemp(prefix="prilavok-bench-exchange-"))
    from appliance import settings as settings_mod

    cfg = settings_mod.Settings(None, environ={}, overrides={"app": {"data_dir": str(tmp / "var")}})
    cfg.var_dir.mkdir(parents=True, exist_ok=True)
    settings_mod.configure(cfg)
    from db import database, migrate, open_database

    open_database(cfg.db_path)
    database.connect(reuse_if_open=True)
    migrate()
    schema = [sql for (sql,) in database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL AND "
        "tbl_name IN ('customer', 'staff', 'product', 'sale', 'sale_line', 'import_log', 'imported_sale') "
        "ORDER BY type DESC")]
    rng = random.Random(11)
    csv_path = tmp / "продажи.csv"
    t0 = time.perf_counter()
    rows = _write_csv(csv_path, lines, rng)
    print(f"generated {lines:,} lines ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")

    from appliance.exchange.importer import import_file

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    entry = import_file(csv_path, source="cli", kind="sales")
    ours = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert entry.status == "done", entry.error
    database.close()

    ordered = _order_schema(schema)
    floor = _floor(ordered, rows, tmp / "floor.db")
    ours_rate, floor_rate = lines / ours, lines / floor
    print(f"prilavok import:   {lines:,} lines, {entry.created:,} receipts in {ours:.1f} s = {ours_rate:,.0f} lines/s "
          f"(parse CSV + match + insert, one transaction); RSS +{(rss_after - rss_before) / 1024:.0f} MB during "
          f"the import (peak {rss_after / 1024:.0f} MB, which includes the floor's tuples already in memory)")
    print(f"floor (sqlite3 executemany, same inserts, tuples in memory): {floor:.1f} s = {floor_rate:,.0f} lines/s")
    print(f"ratio ours/floor: {ours_rate / floor_rate:.2f}")


def _order_schema(schema: list[str]) -> list[str]:
    order = ["staff", "customer", "product", "sale", "sale_line", "import_log", "imported_sale"]

    def key(sql: str):
        is_table = sql.startswith("CREATE TABLE")
        name = sql.split('"')[1] if '"' in sql else sql.split()[2]
        return (not is_table, order.index(name) if is_table and name in order else 99)
    return sorted(schema, key=key)


if __name__ == "__main__":
    main()
