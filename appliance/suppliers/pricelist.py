"""Price-list supplier: a CSV file (often exported from XLSX) in a folder or at a URL.

Options (INI keys of the ``[supplier:<code>]`` section or the settings UI):
- ``url``: a folder (the newest ``*.csv`` in it is used), a file path, or http(s) URL;
- ``columns``: ``article:Артикул, brand:Производитель, name:Наименование, price:Цена,
  qty:Наличие, pack:Кратность`` -- header names or 1-based column numbers; without it
  the usual Russian and English header names are recognised;
- ``encoding``: ``auto`` (UTF-8, else cp1251), or a codec name; ``delimiter``: auto;
- ``delivery_days``: the supplier's delivery time in working days (default 1).

Such a supplier has no ordering API: ``place_order`` writes the order as a CSV file
under ``<var>/supplier_orders/<code>/`` for a person to send, and its lines stay
"ordered" until a person changes them.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import requests

from appliance.clock import utcnow
from appliance.parts import article_key, brand_key
from appliance.text_files import decode

from .base import (
    ORDERED,
    LineStatus,
    LinkDown,
    Offer,
    OrderLine,
    OrderRef,
    SupplierAdapter,
    SupplierConfig,
    SupplierError,
)
from .http import mask_secrets, reason_ru

log = logging.getLogger(__name__)

FIELDS = ("article", "brand", "name", "price", "qty", "pack")
HEADER_NAMES = {
    "article": ("артикул", "номер", "код производителя", "article", "number", "partnumber", "part number"),
    "brand": ("производитель", "бренд", "марка", "brand", "manufacturer", "maker"),
    "name": ("наименование", "название", "описание", "name", "description"),
    "price": ("цена", "цена, руб", "цена руб", "price", "opt", "опт"),
    "qty": ("наличие", "количество", "остаток", "кол-во", "qty", "quantity", "stock"),
    "pack": ("кратность", "упаковка", "мин. партия", "pack", "packing", "moq"),
}


class PriceListError(SupplierError):
    pass


@dataclass(frozen=True)
class Row:
    article: str
    brand: str
    name: str
    price_kop: int
    qty: int | None
    pack: int


def parse_columns(spec: str | None) -> dict[str, str]:
    """'article:Артикул, price:3' -> {'article': 'Артикул', 'price': '3'}."""
    out: dict[str, str] = {}
    for part in (spec or "").split(","):
        if ":" in part:
            key, _, value = part.partition(":")
            key = key.strip().lower()
            if key in FIELDS:
                out[key] = value.strip()
    return out


def parse_price(text: str) -> int:
    """'1 234,50' / '1234.5' / '1 234 ₽' -> kopecks."""
    clean = re.sub(r"[^\d,.\-]", "", text or "").replace(",", ".")
    if clean.count(".") > 1:
        head, _, tail = clean.rpartition(".")
        clean = head.replace(".", "") + "." + tail
    try:
        return int((Decimal(clean) * 100).to_integral_value())
    except InvalidOperation as e:
        raise ValueError(f"не цена: {text!r}") from e


def parse_qty(text: str) -> int | None:
    """'12' -> 12; '>10' / '10+' -> 10; 'есть' -> None (some); '' / '0' / 'нет' -> 0."""
    t = (text or "").strip().lower()
    digits = re.findall(r"\d+", t)
    if digits:
        return int(digits[0])
    if t in ("есть", "да", "+", "в наличии", "много"):
        return None
    return 0


def parse_csv(text: str, columns: dict[str, str] | None = None, delimiter: str | None = None) -> list[Row]:
    """Rows of a price list; bad rows are logged and skipped, a wrong layout is an error."""
    sample = text[:4096]
    if not delimiter:
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
        except csv.Error:
            delimiter = ";"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return []
    index = _column_index([h.strip() for h in header], columns or {})
    missing = [f for f in ("article", "price") if f not in index]
    if missing:
        raise PriceListError(
            "в прайс-листе не найдены колонки: " + ", ".join({"article": "артикул", "price": "цена"}[m]
                                                              for m in missing))
    rows: list[Row] = []
    for n, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(field: str, cells=cells) -> str:
            i = index.get(field)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        try:
            article = cell("article")
            if not article:
                continue
            pack = parse_qty(cell("pack")) or 1
            rows.append(Row(article, cell("brand"), cell("name"), parse_price(cell("price")),
                            parse_qty(cell("qty")) if "qty" in index else None, max(1, pack)))
        except ValueError as e:
            log.warning("price list: line %d skipped: %s", n, e)
    return rows


def _column_index(header: list[str], columns: dict[str, str]) -> dict[str, int]:
    lowered = [h.lower() for h in header]
    index: dict[str, int] = {}
    for field in FIELDS:
        spec = columns.get(field)
        if spec:
            if spec.isdigit():
                index[field] = int(spec) - 1
            elif spec.lower() in lowered:
                index[field] = lowered.index(spec.lower())
            continue
        for i, h in enumerate(lowered):
            if h in HEADER_NAMES[field]:
                index[field] = i
                break
    return index


class PriceListAdapter(SupplierAdapter):
    kind = "pricelist"

    def __init__(self, config: SupplierConfig, orders_dir: Path | None = None):
        super().__init__(config)
        self.orders_dir = orders_dir
        self._lock = threading.Lock()
        self._loaded_key: tuple | None = None
        self._index: dict[str, list[Row]] = {}

    def _source(self) -> tuple[tuple, bytes | None]:
        url = self.config.url or ""
        if url.startswith(("http://", "https://")):
            return ("url", url), None
        path = Path(url.removeprefix("file://")).expanduser()
        if path.is_dir():
            files = sorted(path.glob("*.csv"), key=lambda p: p.stat().st_mtime)
            if not files:
                raise PriceListError(f"в папке {path} нет прайс-листа (*.csv)", supplier=self.code)
            path = files[-1]
        if not path.exists():
            raise PriceListError(f"прайс-лист не найден: {path}", supplier=self.code)
        st = path.stat()
        return (str(path), st.st_mtime_ns, st.st_size), None

    def _load(self) -> dict[str, list[Row]]:
        key, _ = self._source()
        with self._lock:
            if key == self._loaded_key and key[0] != "url":
                return self._index
            if key[0] == "url":
                try:
                    r = requests.get(key[1], timeout=(3.05, 30))
                    r.raise_for_status()
                except requests.RequestException as e:
                    if self._index:
                        log.warning("supplier %s: price list URL failed, using the last copy: %s", self.code,
                                    mask_secrets(str(e)))
                        return self._index
                    log.warning("supplier %s: price list URL failed: %s", self.code, mask_secrets(str(e)))
                    raise LinkDown("прайс-лист не скачался", supplier=self.code, detail=reason_ru(e)) from e
                raw = r.content
            else:
                raw = Path(key[0]).read_bytes()
            text = decode(raw, self.config.options.get("encoding", "auto"))
            rows = parse_csv(text, parse_columns(self.config.options.get("columns")),
                             self.config.options.get("delimiter") or None)
            index: dict[str, list[Row]] = {}
            for row in rows:
                index.setdefault(article_key(row.article), []).append(row)
            self._index, self._loaded_key = index, key
            log.info("supplier %s: price list loaded, %d rows", self.code, len(rows))
            return index

    def search(self, article: str, brand: str | None = None) -> list[Offer]:
        rows = self._load().get(article_key(article), [])
        if brand:
            rows = [r for r in rows if not r.brand or brand_key(r.brand) == brand_key(brand)]
        days = self._days(int(self.config.options.get("delivery_days", 1)))
        return [
            Offer(supplier=self.code, supplier_name=self.name, article=r.article, brand=r.brand or (brand or ""),
                  name=r.name, price_kop=r.price_kop, retail_kop=self._retail(r.price_kop), qty=r.qty,
                  days_min=days, days_max=days, pack=r.pack, min_qty=r.pack,
                  offer_key=f"{r.article}|{r.brand}")
            for r in rows
            if r.qty is None or r.qty > 0
        ]

    def place_order(self, lines: list[OrderLine], client_ref: str = "") -> OrderRef:
        folder = (self.orders_dir or Path("var") / "supplier_orders") / self.code
        folder.mkdir(parents=True, exist_ok=True)
        ref = client_ref or utcnow().strftime("%Y%m%d%H%M%S")
        path = folder / f"order-{ref}.csv"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="cp1251", errors="replace", newline="") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(["Артикул", "Производитель", "Количество", "Цена", "Комментарий"])
            for line in lines:
                price = f"{(line.price_kop or 0) / 100:.2f}".replace(".", ",")
                w.writerow([line.article, line.brand, line.qty, price, line.ref or line.comment])
        os.replace(tmp, path)
        log.info("supplier %s: order file written: %s", self.code, path)
        statuses = tuple(LineStatus(ref, line.article, line.brand, line.qty, ORDERED, ref=line.ref)
                         for line in lines)
        return OrderRef(self.code, ref, statuses)

    def line_status(self, order_ref: str) -> list[LineStatus]:
        folder = (self.orders_dir or Path("var") / "supplier_orders") / self.code
        path = folder / f"order-{order_ref}.csv"
        if not path.exists():
            return []
        with open(path, encoding="cp1251", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=";"))[1:]
        return [LineStatus(order_ref, r[0], r[1], int(r[2]), ORDERED, ref=r[4] if len(r) > 4 else "")
                for r in rows if len(r) >= 3]

    def ping(self) -> bool:
        try:
            self._source()
        except SupplierError:
            return False
        return True
