"""Take one exchange file into the database: atomic per file, idempotent per document.

Every file, whatever the channel (upload, drop folder, HTTP exchange, CLI), goes through
``import_file``: the original is kept under ``<var>/exchange/files``, an ``ImportLog``
row records source, counts, duration and errors, and the content is written in one
transaction, so a malformed file leaves nothing behind.

Idempotence: documents are keyed by their 1C Ид, or by number + day when the export has
no Ид; a content hash per document tells "the same again" (skipped) from "corrected in
1C" (lines replaced, header updated). Stock replaces the previous snapshot of each
warehouse in the file. Catalog rows update products in place.

Lines whose article the box does not know yet are kept with their article/brand/name
and matched to products when a later catalog import brings them (``match_products``).
"""
from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from peewee import OperationalError

from appliance import clock, events, parts, settings
from appliance.exchange import commerceml as cml
from appliance.exchange.csv_import import CsvReader, Row, load_mapping
from appliance.exchange.errors import ExchangeFileError
from db import database, is_sqlite
from db.models.catalog import Product
from db.models.customers import Customer, Phone
from db.models.exchange import (
    BonusCard,
    GoodsReceipt,
    GoodsReceiptLine,
    ImportedSale,
    ImportLog,
    StockLevel,
    StockSnapshot,
)
from db.models.sales import Sale, SaleLine
from db.models.staff import Staff

log = logging.getLogger(__name__)

BATCH = 500
ANONYMOUS_BUYERS = {"розничный покупатель", "частное лицо", "покупатель", "физическое лицо", "розница", ""}

_ak = functools.lru_cache(maxsize=1 << 16)(parts.article_key)
_bk = functools.lru_cache(maxsize=1 << 12)(parts.brand_key)

# log id -> (bytes read, total bytes), for the progress bar of an import running in this process
PROGRESS: dict[int, tuple[int, int]] = {}


# ---------------------------------------------------------------- settings helpers


def exchange_dir() -> Path:
    return settings.get().var_dir / "exchange"


def files_dir() -> Path:
    return exchange_dir() / "files"


def _cfg(key: str, fallback: str = "") -> str:
    return settings.get().get("exchange", key, fallback=fallback) or fallback


def default_warehouse() -> str:
    return _cfg("default_warehouse", "Основной склад")


def csv_mapping():
    path = _cfg("csv_mapping") or str(exchange_dir() / "csv-mapping.ini")
    return load_mapping(path)


# ---------------------------------------------------------------- small conversions


def to_kop(value: Decimal | None) -> int:
    if value is None:
        return 0
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _clean_card(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


class _CountingReader(io.RawIOBase):
    """A file that reports how far it has been read (for the progress bar)."""

    def __init__(self, path: Path, log_id: int, total: int):
        self._fh = open(path, "rb")
        self._log_id = log_id
        self._total = total
        self._read = 0
        self._next_report = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._fh.readinto(buffer)
        self._count(n or 0)
        return n

    def read(self, size=-1):
        data = self._fh.read(size)
        self._count(len(data))
        return data

    def _count(self, n: int) -> None:
        self._read += n
        if self._read >= self._next_report:
            PROGRESS[self._log_id] = (self._read, self._total)
            _mark_running(self._log_id, self._read, self._total)
            self._next_report = self._read + 256 * 1024

    def close(self):
        self._fh.close()
        super().close()


# ---------------------------------------------------------------- the public entry point


def detect_format(path: Path) -> str:
    """``xml`` or ``csv`` from the first meaningful byte (a BOM and spaces skipped)."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return "xml" if head.startswith(b"<") else "csv"


def store_original(path: Path, filename: str, log_id: int, move: bool = False) -> str:
    now = clock.utcnow()
    safe = re.sub(r"[^\w.\-]+", "_", filename)[-120:] or "file"
    rel = Path(f"{now:%Y}") / f"{now:%m}" / f"{log_id:07d}_{safe}"
    dest = files_dir() / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    if move:
        shutil.move(str(path), dest)
    else:
        shutil.copyfile(path, dest)
    return str(rel)


def original_path(entry: ImportLog) -> Path | None:
    if not entry.stored_path:
        return None
    path = (files_dir() / entry.stored_path).resolve()
    if files_dir().resolve() not in path.parents or not path.exists():
        return None
    return path


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def start_log(filename: str, source: str, staff: Staff | None = None, kind: str = "") -> ImportLog:
    entry = ImportLog.create(source=source, filename=filename, kind=kind or "", started_at=clock.utcnow(),
                             status="running", staff=staff)
    _ACTIVE.add(entry.id)
    _mark_running(entry.id, 0, 0)
    return entry


def log_refusal(filename: str, source: str, reason: str, staff: Staff | None = None) -> ImportLog:
    """A file refused before any import (a zip bomb, a bad path, a broken archive): a failed row on «Обмен с 1С»."""
    now = clock.utcnow()
    log.warning("exchange: refused %s (%s): %s", filename, source, reason)
    entry = ImportLog.create(source=source, filename=filename[:255], started_at=now, finished_at=now,
                             duration_ms=0, status="failed", error=reason, staff=staff)
    _notify(entry)
    return entry


def import_file(path: str | Path, *, source: str, kind: str | None = None, filename: str | None = None,
                staff: Staff | None = None, entry: ImportLog | None = None, move: bool = False) -> ImportLog:
    """Import one file and return its log row (status ``done`` or ``failed``).

    Never raises for a bad file: the reason is in ``entry.error`` (Russian, with file,
    line/element). ``move`` moves the original into the store instead of copying it.
    """
    with _IMPORT_LOCK:
        result = None
        try:
            result = _import_file(path, source=source, kind=kind, filename=filename, staff=staff, entry=entry,
                                  move=move)
            return result
        finally:
            done = result or entry
            if done is not None:
                _running_file(done.id).unlink(missing_ok=True)
                _ACTIVE.discard(done.id)


# A running import writes its progress outside the database (its transaction holds the write
# lock): <exchange>/running/<log id> = "pid bytes-read total", for a poll served by another process.

def _running_file(log_id: int) -> Path:
    return exchange_dir() / "running" / str(log_id)


def _mark_running(log_id: int, read: int, total: int) -> None:
    path = _running_file(log_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{os.getpid()} {read} {total}")
    tmp.replace(path)


def _read_running(log_id: int) -> tuple[int, int, int] | None:
    try:
        pid, read, total = (int(x) for x in _running_file(log_id).read_text().split())
    except (OSError, ValueError):
        return None
    return pid, read, total


INTERRUPTED = "прервано: процесс был остановлен"
# A row is written a moment before its process marks it running; a row this young is left alone.
_STARTING = timedelta(minutes=1)
_ACTIVE: set[int] = set()  # log ids being imported (or queued for import) in this process


def is_interrupted(entry: ImportLog) -> bool:
    """A "running" row that no live process imports any more (it was killed or restarted)."""
    if entry.status != "running" or entry.id in _ACTIVE:
        return False
    mark = _read_running(entry.id)
    if mark is None:
        return entry.started_at < clock.utcnow() - _STARTING
    return not running_in_another_process(entry.id)


def fail_interrupted(entry: ImportLog | None = None) -> int:
    """Mark interrupted imports failed with the reason (one given row, or every "running" row).

    Called at the start of every process that imports (web, worker) and by a 1C poll of its
    own file. Nothing of an interrupted file was saved: an import commits all or nothing.
    """
    rows = [entry] if entry is not None else list(ImportLog.select().where(ImportLog.status == "running"))
    failed = 0
    for row in rows:
        if not is_interrupted(row):
            continue
        error = f"Файл {row.filename}: {INTERRUPTED}, ничего из файла не сохранено. Загрузите его ещё раз."
        now = clock.utcnow()
        if ImportLog.update(status="failed", error=error, finished_at=now).where(
                (ImportLog.id == row.id) & (ImportLog.status == "running")).execute():
            row.status, row.error, row.finished_at = "failed", error, now
            failed += 1
            log.warning("exchange: import #%s of %s (%s) was interrupted; marked failed", row.id, row.filename,
                        row.source)
            _notify(row)
        _running_file(row.id).unlink(missing_ok=True)
    return failed


def running_in_another_process(log_id: int) -> bool:
    """Whether a live process other than this one is importing this log's file."""
    mark = _read_running(log_id)
    if mark is None or mark[0] == os.getpid():
        return False
    try:
        os.kill(mark[0], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _import_file(path, *, source, kind, filename, staff, entry, move) -> ImportLog:
    path = Path(path)
    filename = filename or path.name
    entry = entry or start_log(filename, source, staff, kind or "")
    started = time.monotonic()
    sha, size = _sha256(path)
    _mark_running(entry.id, 0, size)
    try:
        stored = store_original(path, filename, entry.id, move=move)
    except OSError as exc:
        log.exception("exchange: cannot keep the original of %s", filename)
        stored = ""
        entry.notes = f"Оригинал файла не сохранён: {exc}"
        move = False
    work_path = files_dir() / stored if stored else path
    entry.stored_path, entry.sha256, entry.size = stored, sha, size
    entry.save()

    error = ""
    attempts: list[_Import] = []
    try:
        job = _run_with_retries(entry, work_path, kind, attempts)
    except ExchangeFileError as exc:
        job = attempts[-1] if attempts else _Import(entry, work_path, kind)
        error = exc.describe(filename)
        log.warning("exchange: rejected %s (%s): %s", filename, source, error)
    except Exception as exc:  # a bug must not leave a file "running" forever
        job = attempts[-1] if attempts else _Import(entry, work_path, kind)
        log.exception("exchange: import of %s failed", filename)
        error = f"Файл {filename}: внутренняя ошибка при загрузке ({type(exc).__name__}: {exc}). " \
                f"Ничего из файла не сохранено."
    finally:
        PROGRESS.pop(entry.id, None)

    entry.finished_at = clock.utcnow()
    entry.duration_ms = int((time.monotonic() - started) * 1000)
    entry.kind = job.kind or entry.kind or ""
    entry.progress_bytes = size
    if error:
        entry.status = "failed"
        entry.error = error
        entry.rows = entry.created = entry.updated = entry.skipped = entry.unmatched = 0
    else:
        entry.status = "done"
        entry.rows, entry.created, entry.updated = job.rows, job.created, job.updated
        entry.skipped, entry.unmatched = job.skipped, job.unmatched
        entry.notes = "\n".join(filter(None, [entry.notes, *job.notes]))
    entry.save()

    if not error:
        _after_commit(job)
    _notify(entry)
    return entry


_IMPORT_LOCK = threading.Lock()  # one import at a time per process: they would only queue on SQLite


def _transaction():
    """Take SQLite's write lock up front: a deferred transaction that reads first cannot
    upgrade to a write after another connection committed (SQLITE_BUSY with no wait)."""
    return database.atomic("IMMEDIATE") if is_sqlite() else database.atomic()


def _run_with_retries(entry: ImportLog, path: Path, kind: str | None, jobs: list, attempts: int = 3) -> _Import:
    for attempt in range(1, attempts + 1):
        job = _Import(entry, path, kind)
        jobs.append(job)
        try:
            with _transaction():
                job.run()
            return job
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts:
                raise
            log.warning("exchange: database busy while importing %s, retry %d", entry.filename, attempt)
            time.sleep(2 * attempt)
    raise AssertionError("unreachable")


def _after_commit(job: _Import) -> None:
    for receipt_id in job.receipts_changed:
        receipt = GoodsReceipt.get_or_none(GoodsReceipt.id == receipt_id)
        if receipt is None:
            continue
        try:
            events.publish("goods_arrived", receipt=receipt)
        except Exception:
            log.exception("exchange: goods_arrived handler failed for receipt %s", receipt.number)
    if job.product_keys:
        match_products(job.product_keys)
    if job.sales_touched or job.products_changed:
        rematch_unmatched()
    if job.stock_warehouses:
        from appliance.exchange import stock

        stock.stock_arrived()


def _notify(entry: ImportLog) -> None:
    from appliance import notifications

    key = f"import-failed-{entry.source}"
    if entry.status == "failed":
        notifications.raise_notification(
            "exchange", key, f"Файл из 1С не загружен: {entry.filename}", entry.error[:1000],
            url=f"/exchange#log-{entry.id}")
    elif entry.status == "done":
        notifications.resolve("exchange", key, comment=f"загружен {entry.filename}")


# ---------------------------------------------------------------- the work inside one transaction


@dataclass
class _Doc:
    kind: str  # sale | receipt
    external_id: str
    number: str
    date: datetime  # local
    counterparty: str = ""
    card: str = ""
    phones: list[str] = field(default_factory=list)
    manager: str = ""
    warehouse: str = ""
    total: Decimal | None = None
    deleted: bool = False
    lines: list[tuple] = field(default_factory=list)  # (article, brand, name, qty, price, amount)
    line: int = 0

    def content_hash(self) -> str:
        parts = [self.kind, self.number, self.date.isoformat(), self.counterparty, self.card, "|".join(self.phones),
                 self.manager, self.warehouse, str(self.total)]
        parts += [f"{a}\x1f{b}\x1f{n}\x1f{_norm_dec(q)}\x1f{_norm_dec(p)}\x1f{_norm_dec(s)}"
                  for a, b, n, q, p, s in self.lines]
        return hashlib.sha1("\x1e".join(parts).encode()).hexdigest()


def _norm_dec(value) -> str:
    return str(value.normalize()) if isinstance(value, Decimal) else str(value)


def doc_key(doc_id: str, number: str, when: datetime) -> str:
    return doc_id.strip() if doc_id and doc_id.strip() else f"{number.strip()}@{when.date().isoformat()}"


class _Import:
    def __init__(self, entry: ImportLog, path: Path, kind: str | None):
        self.entry = entry
        self.path = path
        self.kind = kind or ""
        self.rows = self.created = self.updated = self.skipped = self.unmatched = 0
        self.notes: list[str] = []
        self.receipts_changed: list[int] = []
        self.products_changed = False
        self.product_keys: set[str] = set()  # article keys of products created or changed here
        self.sales_touched = False
        self.stock_warehouses: set[str] = set()
        self._phones: dict[str, str] = {}
        self._staff: dict[str, int] | None = None
        self._seen_keys: set[str] = set()
        self._skipped_kinds: dict[str, int] = {}
        self.unknown_articles = 0

    def _reader(self):
        return _CountingReader(self.path, self.entry.id, self.entry.size or 0)

    # -- dispatch

    def run(self) -> None:
        fmt = detect_format(self.path)
        if fmt == "xml":
            if self.kind in ("sales", "receipts", "stock"):
                self.kind = ""  # a documents/offers XML decides by itself
            raw = self._reader()
            try:
                self._run_xml(raw)
            finally:
                raw.close()
        else:
            if self.kind in ("offers", "documents"):
                raise ExchangeFileError("это не XML-файл CommerceML, а вид указан как XML")
            raw = self._reader()
            try:
                reader = CsvReader(io.BufferedReader(raw, 1 << 16), kind=self.kind or None, mapping=csv_mapping())
                rows = iter(reader)
                first = next(rows, None)
                self.kind = reader.kind or self.kind
                if first is not None:
                    self._run_csv(_chain(first, rows))
            finally:
                raw.close()
        if self.unknown_articles:
            self.notes.append(f"Строк поступлений с артикулом, которого ещё нет в каталоге: {self.unknown_articles} — "
                              f"они сохранены и будут сопоставлены после загрузки каталога.")
        if self._skipped_kinds:
            self.notes.append("Пропущено: " + ", ".join(f"{k} — {n}" for k, n in self._skipped_kinds.items()))

    def _run_xml(self, raw) -> None:
        reader = cml.CommerceMLReader(raw)
        docs = products = offers = None
        self.only_changes = False
        for rec in reader:
            if isinstance(rec, cml.Header):
                self.generated_at = rec.generated_at
            elif isinstance(rec, cml.CatalogStart):
                self.kind = "catalog"
                self.only_changes = rec.only_changes
            elif isinstance(rec, cml.OffersStart):
                self.kind = "offers"
                self.only_changes = rec.only_changes
            elif isinstance(rec, cml.Product):
                self.kind = "catalog"
                products = products if products is not None else _Batcher(self._catalog_batch)
                products.add(_product_from_xml(rec, reader))
            elif isinstance(rec, cml.Offer):
                self.kind = "offers"
                offers = offers if offers is not None else _Batcher(
                    lambda b: self._offers_batch(b, reader, self.only_changes))
                offers.add(rec)
            elif isinstance(rec, cml.Document):
                self.kind = "documents"
                docs = docs if docs is not None else _Batcher(self._docs_batch)
                doc = _doc_from_xml(rec)
                if doc is None:
                    self.rows += 1
                    self.skipped += 1
                    label = {"other": f"документы «{rec.operation or 'без операции'}»",
                             "return": "возвраты"}.get(rec.kind, rec.kind)
                    self._skipped_kinds[label] = self._skipped_kinds.get(label, 0) + 1
                else:
                    docs.add(doc)
        for batch in (products, offers, docs):
            if batch is not None:
                batch.flush()
        if offers is not None and not self.only_changes:
            self._finish_full_stock(reader)
        if not self.kind:
            self.kind = "catalog"
            self.notes.append("Файл не содержит товаров, предложений или документов.")

    def _run_csv(self, rows: Iterator[Row]) -> None:
        if self.kind == "catalog":
            batch = _Batcher(self._catalog_batch)
            for row in rows:
                batch.add(_product_from_row(row))
            batch.flush()
        elif self.kind == "stock":
            taken = None
            batch = _Batcher(lambda b: self._stock_rows(b))
            for row in rows:
                if row.date and (taken is None or row.date > taken):
                    taken = row.date
                batch.add(row)
            batch.flush()
            self._stock_taken_at(taken)
        else:
            docs = _Batcher(self._docs_batch)
            for doc in _group_rows(rows, "sale" if self.kind == "sales" else "receipt"):
                docs.add(doc)
            docs.flush()

    # -- catalog

    def _catalog_batch(self, items: list[dict]) -> None:
        by_ext = {i["external_id"]: i for i in items if i.get("external_id")}
        existing_ext = {p.external_id: p for p in Product.select().where(Product.external_id.in_(list(by_ext)))} \
            if by_ext else {}
        keys = {(i["article_key"], i["brand_key"]) for i in items}
        existing_key = {(p.article_key, p.brand_key): p for p in Product.select().where(
            Product.article_key.in_([k[0] for k in keys]))}
        now = clock.utcnow()
        for item in items:
            self.rows += 1
            if item.pop("deleted", False) or not item["article_key"]:
                self.skipped += 1
                continue
            product = existing_ext.get(item.get("external_id")) if item.get("external_id") else None
            product = product or existing_key.get((item["article_key"], item["brand_key"]))
            if product is None:
                clash = item.get("external_id") and Product.get_or_none(Product.external_id == item["external_id"])
                if clash:
                    item.pop("external_id")
                product = Product.create(updated_at=now, **item)
                existing_key[(product.article_key, product.brand_key)] = product
                self.created += 1
                self.products_changed = True
                self.product_keys.add(item["article_key"])
                continue
            changes = {k: v for k, v in item.items()
                       if v not in (None, "") and getattr(product, k) != v}
            if "external_id" in changes and product.external_id and product.external_id != changes["external_id"]:
                changes.pop("external_id")  # a second 1C item for the same part: keep the first link
            if (product.article_key, product.brand_key) != (item["article_key"], item["brand_key"]):
                changes.pop("article_key", None)
                changes.pop("brand_key", None)
                changes.pop("article", None)
                changes.pop("brand", None)
            if changes:
                for k, v in changes.items():
                    setattr(product, k, v)
                product.updated_at = now
                product.save()
                self.updated += 1
                self.products_changed = True
                self.product_keys.add(item["article_key"])
            else:
                self.skipped += 1

    # -- offers (prices and stock from CommerceML)

    def _offers_batch(self, offers: list[cml.Offer], reader: cml.CommerceMLReader, only_changes: bool) -> None:
        price_type = _choose_price_type(reader.price_types)
        ids = {o.product_id for o in offers}
        products = {p.external_id: p for p in Product.select().where(Product.external_id.in_(list(ids)))}
        levels: dict[str, list[dict]] = {}
        now = clock.utcnow()
        for offer in offers:
            self.rows += 1
            product = products.get(offer.product_id)
            article = offer.article or (product.article if product else "")
            if not article:
                self.skipped += 1
                self._skipped_kinds["предложения без артикула и без товара в каталоге"] = \
                    self._skipped_kinds.get("предложения без артикула и без товара в каталоге", 0) + 1
                continue
            brand = product.brand if product else ""
            changed = False
            if product is not None and price_type and price_type in offer.prices:
                kop = to_kop(offer.prices[price_type])
                if product.price_kop != kop and "#" not in offer.onec_id:
                    product.price_kop, product.updated_at = kop, now
                    product.save()
                    changed = True
            if offer.quantity is not None or offer.per_warehouse:
                per = offer.per_warehouse or {"": offer.quantity}
                for wid, qty in per.items():
                    wname = reader.warehouses.get(wid, wid) if wid else default_warehouse()
                    levels.setdefault(wname, []).append(dict(
                        product=product.id if product else None, article=article, brand=brand,
                        article_key=_ak(article), brand_key=_bk(brand),
                        name=offer.name or (product.name if product else ""), qty=qty,
                        price_kop=to_kop(offer.prices[price_type]) if price_type in offer.prices else None))
                changed = True
            if changed:
                self.updated += 1
            else:
                self.skipped += 1
        taken = getattr(self, "generated_at", None)
        for wname, rows in levels.items():
            self._put_levels(wname, rows, replace=not only_changes, taken_local=taken)

    def _finish_full_stock(self, reader: cml.CommerceMLReader) -> None:
        """A full offers export lists every warehouse; one with no lines now has nothing."""
        if not self.stock_warehouses:
            return
        for wname in reader.warehouses.values():
            if wname not in self.stock_warehouses:
                self._put_levels(wname, [], replace=True, taken_local=getattr(self, "generated_at", None))

    # -- stock from CSV

    def _stock_rows(self, rows: list[Row]) -> None:
        keys = {_ak(r.article) for r in rows}
        index = _ProductIndex(keys)
        by_wh: dict[str, list[dict]] = {}
        for r in rows:
            self.rows += 1
            ak, bk = _ak(r.article), _bk(r.brand)
            product_id = index.find(ak, bk)
            by_wh.setdefault(r.warehouse or default_warehouse(), []).append(dict(
                product=product_id, article=r.article, brand=r.brand, article_key=ak, brand_key=bk,
                name=r.name, qty=r.quantity, price_kop=to_kop(r.price) if r.price is not None else None))
            self.updated += 1
        for wname, levels in by_wh.items():
            self._put_levels(wname, levels, replace=True, taken_local=None)

    def _stock_taken_at(self, taken_local: datetime | None) -> None:
        if taken_local is None:
            return
        (StockSnapshot.update(taken_at=clock.local_to_utc(taken_local))
         .where(StockSnapshot.warehouse.in_(list(self.stock_warehouses))).execute())

    def _put_levels(self, warehouse: str, rows: list[dict], replace: bool, taken_local: datetime | None) -> None:
        now = clock.utcnow()
        taken = clock.local_to_utc(taken_local) if taken_local else now
        snap = StockSnapshot.get_or_none(StockSnapshot.warehouse == warehouse)
        first_time = warehouse not in self.stock_warehouses
        if snap is None:
            snap = StockSnapshot.create(warehouse=warehouse, taken_at=taken, received_at=now, lines=0,
                                        import_log=self.entry.id)
        elif first_time:
            snap.taken_at, snap.received_at, snap.import_log = taken, now, self.entry.id
        self.stock_warehouses.add(warehouse)
        if replace and first_time:
            StockLevel.delete().where(StockLevel.snapshot == snap.id).execute()
            snap.lines = 0
        elif not replace:
            keys = [(r["article_key"], r["brand_key"]) for r in rows]
            for ak, bk in keys:
                (StockLevel.delete().where((StockLevel.snapshot == snap.id) & (StockLevel.article_key == ak)
                                           & (StockLevel.brand_key == bk)).execute())
        for r in rows:
            r["snapshot"] = snap.id
        _bulk_insert(StockLevel, rows)
        snap.lines = StockLevel.select().where(StockLevel.snapshot == snap.id).count()
        snap.save()

    # -- documents: sales and receipts

    def _docs_batch(self, docs: list[_Doc]) -> None:
        sales = [d for d in docs if d.kind == "sale"]
        receipts = [d for d in docs if d.kind == "receipt"]
        if sales:
            self._sales(sales)
        if receipts:
            self._receipts(receipts)

    def _staff_id(self, name: str) -> int | None:
        if not name:
            return None
        if self._staff is None:
            self._staff = {}
            for s in Staff.select():
                for variant in {s.full_name, s.username, getattr(s, "short_name", "")}:
                    if variant:
                        self._staff.setdefault(_fold(variant), s.id)
                parts = s.full_name.split()
                if len(parts) >= 2:  # 1C often writes "Фамилия Имя" without patronymic
                    self._staff.setdefault(_fold(" ".join(parts[:2])), s.id)
        return self._staff.get(_fold(name))

    def _phone(self, text: str) -> str:
        if text not in self._phones:
            from appliance.errors import InputError
            from appliance.phones import normalize
            try:
                self._phones[text] = normalize(text)
            except InputError:
                self._phones[text] = ""
        return self._phones[text]

    def _sales(self, docs: list[_Doc]) -> None:
        self.sales_touched = True
        keys = [d.external_id for d in docs]
        existing = {ext: (sid, h or "") for sid, ext, h in _select_in(
            f"SELECT s.id, s.external_id, o.content_hash FROM {_t(Sale)} s LEFT OUTER JOIN {_t(ImportedSale)} o "
            f"ON o.sale_id = s.id WHERE s.external_id IN", keys)}
        cards = {_clean_card(d.card) for d in docs if d.card}
        by_card = dict(_select_in(f"SELECT number, customer_id FROM {_t(BonusCard)} WHERE number IN", cards))
        phones = {p for d in docs for p in (self._phone(x) for x in d.phones) if p}
        by_phone = dict(_select_in(f"SELECT e164, customer_id FROM {_t(Phone)} WHERE e164 IN", phones))
        article_keys = {_ak(ln[0]) for d in docs for ln in d.lines if ln[0]}
        index = _ProductIndex(article_keys)
        now = clock.utcnow()
        new_docs: dict[str, tuple[_Doc, dict, dict]] = {}
        lines_rows: list[dict] = []
        visits: dict[int, datetime] = {}
        for d in docs:
            self.rows += 1
            digest = d.content_hash()
            old = existing.get(d.external_id)
            if d.external_id in new_docs:
                # the same document again further down the file: its lines are added to it
                pending = new_docs[d.external_id][0]
                pending.lines.extend(d.lines)
                continue
            if d.external_id in self._seen_keys and old is not None:
                self._append_sale_lines(old[0], d, index, digest)
                continue
            self._seen_keys.add(d.external_id)
            if d.deleted:
                if old is not None:
                    Sale.delete().where(Sale.id == old[0]).execute()
                    self.updated += 1
                else:
                    self.skipped += 1
                continue
            if old is not None and old[1] == digest:
                self.skipped += 1
                continue
            card = _clean_card(d.card)
            e164s = [p for p in (self._phone(x) for x in d.phones) if p]
            customer_id = by_card.get(card) if card else None
            for p in e164s:
                customer_id = customer_id or by_phone.get(p)
            buyer = d.counterparty if _fold(d.counterparty) not in ANONYMOUS_BUYERS else ""
            if customer_id:
                status = "matched"
            elif card or d.phones or buyer:
                status = "unmatched"
                self.unmatched += 1
            else:
                status = "anonymous"
            when = clock.local_to_utc(d.date)
            header = dict(number=d.number, date=when, customer=customer_id, manager=self._staff_id(d.manager),
                          kind="parts", total_kop=to_kop(_doc_total(d)), external_id=d.external_id, source="1c")
            origin = dict(content_hash=digest, card=card, phone=d.phones[0] if d.phones else "",
                          phone_e164=e164s[0] if e164s else "", customer_name=buyer[:200],
                          manager_name=d.manager[:200], status=status, import_log=self.entry.id)
            if customer_id:
                if customer_id not in visits or visits[customer_id] < when:
                    visits[customer_id] = when
            if old is not None:
                sale_id = old[0]
                current = Sale.get_by_id(sale_id)
                if current.customer_id and not customer_id:
                    header["customer"] = current.customer_id  # attached by a manager: keep it
                    origin["status"] = "attached"
                    if status == "unmatched":
                        self.unmatched -= 1
                Sale.update(**header).where(Sale.id == sale_id).execute()
                SaleLine.delete().where(SaleLine.sale == sale_id).execute()
                n = ImportedSale.update(**origin).where(ImportedSale.sale == sale_id).execute()
                if not n:
                    ImportedSale.create(sale=sale_id, **origin)
                lines_rows.extend(_sale_lines(sale_id, d, index))
                self.updated += 1
            else:
                header["created_at"] = now
                new_docs[d.external_id] = (d, header, origin)
                self._seen_keys.add(d.external_id)
                self.created += 1
        if new_docs:
            rows = []
            for d, header, _origin in new_docs.values():
                if d.total is None:
                    header["total_kop"] = to_kop(_doc_total(d))
                rows.append(header)
            ids = _insert_returning_ids(Sale, rows)
            origins = []
            for sale_id, (d, _header, origin) in zip(ids, new_docs.values(), strict=True):
                origin["sale"] = sale_id
                origins.append(origin)
                lines_rows.extend(_sale_lines(sale_id, d, index))
            _bulk_insert(ImportedSale, origins)
        _insert_tuples(SaleLine, SALE_LINE_COLUMNS, lines_rows)
        if visits:
            from appliance.customers import record_visit
            for customer_id, when in visits.items():
                record_visit(customer_id, when)

    def _append_sale_lines(self, sale_id: int, d: _Doc, index, digest: str) -> None:
        _insert_tuples(SaleLine, SALE_LINE_COLUMNS, list(_sale_lines(sale_id, d, index)))
        Sale.update(total_kop=Sale.total_kop + to_kop(_doc_total(d))).where(Sale.id == sale_id).execute()
        old = ImportedSale.get_or_none(ImportedSale.sale == sale_id)
        if old is not None:
            combined = hashlib.sha1((old.content_hash + digest).encode()).hexdigest()
            ImportedSale.update(content_hash=combined).where(ImportedSale.sale == sale_id).execute()

    def _receipts(self, docs: list[_Doc]) -> None:
        keys = [d.external_id for d in docs]
        existing = {r.external_id: r for r in GoodsReceipt.select().where(GoodsReceipt.external_id.in_(keys))}
        article_keys = {_ak(ln[0]) for d in docs for ln in d.lines if ln[0]}
        index = _ProductIndex(article_keys)
        now = clock.utcnow()
        for d in docs:
            self.rows += 1
            old = existing.get(d.external_id)
            digest = d.content_hash()
            if d.external_id in self._seen_keys and old is not None:
                _bulk_insert(GoodsReceiptLine, _receipt_lines(old.id, d, index))
                continue
            self._seen_keys.add(d.external_id)
            if d.deleted:
                if old is not None:
                    old.delete_instance(recursive=True)
                    self.updated += 1
                else:
                    self.skipped += 1
                continue
            if old is not None and old.content_hash == digest:
                self.skipped += 1
                continue
            fields = dict(number=d.number, date=clock.local_to_utc(d.date), supplier=d.counterparty[:200],
                          warehouse=d.warehouse[:200], total_kop=to_kop(_doc_total(d)), content_hash=digest,
                          import_log=self.entry.id, updated_at=now)
            if old is not None:
                GoodsReceipt.update(**fields).where(GoodsReceipt.id == old.id).execute()
                GoodsReceiptLine.delete().where(GoodsReceiptLine.receipt == old.id).execute()
                receipt_id = old.id
                self.updated += 1
            else:
                receipt_id = GoodsReceipt.create(external_id=d.external_id, created_at=now, **fields).id
                existing[d.external_id] = GoodsReceipt.get_by_id(receipt_id)
                self.created += 1
            lines = _receipt_lines(receipt_id, d, index)
            _bulk_insert(GoodsReceiptLine, lines)
            self.unknown_articles += sum(1 for ln in lines if ln["product"] is None)
            if receipt_id not in self.receipts_changed:
                self.receipts_changed.append(receipt_id)


# ---------------------------------------------------------------- helpers


class _Batcher:
    def __init__(self, fn, size: int = BATCH):
        self.fn, self.size, self.items = fn, size, []

    def add(self, item) -> None:
        self.items.append(item)
        if len(self.items) >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.items:
            items, self.items = self.items, []
            self.fn(items)


def _chain(first, rest):
    yield first
    yield from rest


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _fold(text: str) -> str:
    return " ".join((text or "").replace("ё", "е").replace("Ё", "Е").split()).lower()


def _bulk_insert(model, rows: list[dict]) -> None:
    """executemany with the model's own column names: the hot path of a million lines."""
    if not rows:
        return
    names = list(rows[0].keys())
    fields = [model._meta.fields[n] for n in names]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    param = database.param
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({", ".join([param] * len(names))})'
    converters = [f.db_value if not isinstance(f, _PLAIN) else None for f in fields]
    params = [tuple(v if conv is None else conv(v) for v, conv in zip(row.values(), converters, strict=True))
              for row in rows]
    cursor = database.cursor()
    cursor.executemany(sql, params)


def _t(model) -> str:
    return f'"{model._meta.table_name}"'


def _select_in(prefix: str, values, chunk: int = 500) -> Iterator[tuple]:
    """``prefix IN (...)`` in chunks, as plain tuples: peewee's query building is the slow part here."""
    values = list(values)
    for i in range(0, len(values), chunk):
        part = values[i:i + chunk]
        sql = f"{prefix} ({', '.join([database.param] * len(part))})"
        yield from database.execute_sql(sql, part).fetchall()


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    """Insert rows and return their ids, in order.

    SQLite: the import holds the write lock (BEGIN IMMEDIATE), so ids after MAX(id) are
    ours to give; one executemany. Elsewhere: INSERT ... RETURNING.
    """
    if not rows:
        return []
    if not is_sqlite():
        ids = []
        for chunk in _chunks(rows, 300):
            ids += [r[0] for r in model.insert_many(chunk).returning(model._meta.primary_key).tuples().execute()]
        return ids
    base = database.execute_sql(f"SELECT COALESCE(MAX(id), 0) FROM {_t(model)}").fetchone()[0]
    ids = list(range(base + 1, base + 1 + len(rows)))
    for row_id, row in zip(ids, rows, strict=True):
        row["id"] = row_id
    _bulk_insert(model, rows)
    return ids


def _insert_tuples(model, names: tuple[str, ...], rows: list[tuple]) -> None:
    """executemany of ready tuples (values already in database form)."""
    if not rows:
        return
    columns = ", ".join(f'"{model._meta.fields[n].column_name}"' for n in names)
    sql = f'INSERT INTO {_t(model)} ({columns}) VALUES ({", ".join([database.param] * len(names))})'
    database.cursor().executemany(sql, rows)


def _plain_types():
    import peewee
    return (peewee.CharField, peewee.IntegerField, peewee.ForeignKeyField, peewee.TextField)


_PLAIN = _plain_types()


class _ProductIndex:
    """Products for a set of article keys: exact brand first, else the only product with that article."""

    def __init__(self, article_keys: Iterable[str]):
        keys = [k for k in set(article_keys) if k]
        self.by_pair: dict[tuple[str, str], int] = {}
        self.by_article: dict[str, list[int]] = {}
        for pid, ak, bk in _select_in(f"SELECT id, article_key, brand_key FROM {_t(Product)} WHERE article_key IN",
                                      keys):
            self.by_pair[(ak, bk)] = pid
            self.by_article.setdefault(ak, []).append(pid)

    def find(self, ak: str, bk: str) -> int | None:
        pid = self.by_pair.get((ak, bk))
        if pid is None:
            ids = self.by_article.get(ak, [])
            pid = ids[0] if len(ids) == 1 else None
        return pid


def _doc_total(d: _Doc) -> Decimal:
    if d.total is not None:
        return d.total
    total = Decimal(0)
    for _a, _b, _n, qty, price, amount in d.lines:
        total += amount if amount is not None else (price or 0) * qty
    return total


def _line_money(qty: Decimal, price: Decimal | None, amount: Decimal | None) -> tuple[int, int]:
    if amount is None and price is not None:
        amount = price * qty
    if price is None and amount is not None:
        price = amount / qty if qty else amount
    return to_kop(price), to_kop(amount)


SALE_LINE_COLUMNS = ("sale", "product", "article", "brand", "name", "qty", "price_kop", "sum_kop")


def _sale_lines(sale_id: int, d: _Doc, index: _ProductIndex) -> Iterator[tuple]:
    qty_value = SaleLine.qty.db_value
    for article, brand, name, qty, price, amount in d.lines:
        price_kop, sum_kop = _line_money(qty, price, amount)
        yield (sale_id, index.find(_ak(article), _bk(brand)), article[:100], brand[:100], name[:250],
               qty_value(qty), price_kop, sum_kop)


def _receipt_lines(receipt_id: int, d: _Doc, index: _ProductIndex) -> list[dict]:
    out = []
    for article, brand, name, qty, price, amount in d.lines:
        ak, bk = _ak(article), _bk(brand)
        price_kop, sum_kop = _line_money(qty, price, amount)
        out.append(dict(receipt=receipt_id, product=index.find(ak, bk), article=article[:100], brand=brand[:100],
                        article_key=ak, brand_key=bk, name=name[:250], qty=qty, price_kop=price_kop,
                        sum_kop=sum_kop))
    return out


def _doc_from_xml(doc: cml.Document) -> _Doc | None:
    if doc.kind not in ("sale", "receipt"):
        return None
    return _Doc(
        kind=doc.kind,
        external_id=doc_key(doc.onec_id, doc.number, doc.date),
        number=doc.number, date=doc.date, counterparty=doc.counterparty, card=doc.card,
        phones=list(doc.phones), manager=doc.manager, warehouse=doc.warehouse, total=doc.total,
        deleted=doc.deleted or not doc.posted, line=doc.line,
        lines=[(ln.article, ln.brand, ln.name, ln.quantity, ln.price, ln.amount) for ln in doc.lines],
    )


def _group_rows(rows: Iterator[Row], kind: str) -> Iterator[_Doc]:
    """Consecutive rows with the same document key make one document."""
    current: _Doc | None = None
    for r in rows:
        key = doc_key(r.doc_id, r.number, r.date)
        if current is None or current.external_id != key:
            if current is not None:
                yield current
            current = _Doc(kind=kind, external_id=key, number=r.number or r.doc_id, date=r.date,
                           counterparty=r.supplier if kind == "receipt" else r.customer,
                           card=r.card, phones=[r.phone] if r.phone else [], manager=r.manager,
                           warehouse=r.warehouse, total=None, line=r.line)
        current.lines.append((r.article, r.brand, r.name, r.quantity, r.price, r.amount))
    if current is not None:
        yield current


def _product_from_xml(p: cml.Product, reader: cml.CommerceMLReader) -> dict:
    group = reader.groups.get(p.group_ids[0]).name if p.group_ids and p.group_ids[0] in reader.groups else ""
    return dict(article=p.article[:100], brand=p.brand[:100], article_key=_ak(p.article),
                brand_key=_bk(p.brand), name=p.name[:250], group=group[:100],
                external_id=p.onec_id, deleted=p.deleted)


def _product_from_row(r: Row) -> dict:
    item = dict(article=r.article[:100], brand=r.brand[:100], article_key=_ak(r.article),
                brand_key=_bk(r.brand), name=r.name[:250], group=r.group[:100],
                external_id=r.onec_id or None)
    if r.price is not None:
        item["price_kop"] = to_kop(r.price)
    return item


def _choose_price_type(types: dict[str, str]) -> str | None:
    wanted = _fold(_cfg("price_type", "Розничная"))
    for pid, name in types.items():
        if _fold(name) == wanted:
            return pid
    return next(iter(types)) if len(types) == 1 else None


# ---------------------------------------------------------------- matching later


_SQL_ARTICLE_KEY = parts.sql_article_key("article")


def match_products(article_keys: Iterable[str] | None = None) -> int:
    """Link sale/receipt/stock lines that came before their product did. Returns lines linked.

    With ``article_keys`` (the products a catalog import just created or changed) only
    lines with those articles are looked at; without, every unlinked line is.
    """
    linked = 0
    wanted = sorted(set(article_keys)) if article_keys is not None else None
    for model in (GoodsReceiptLine, StockLevel):
        if wanted is None:
            keys = [ak for (ak,) in model.select(model.article_key).where(model.product.is_null()).distinct().tuples()]
        else:
            keys = wanted
        for chunk in _chunks(keys, 500):
            index = _ProductIndex(chunk)
            for pid_pair, pid in index.by_pair.items():
                ak, bk = pid_pair
                linked += model.update(product=pid).where(
                    model.product.is_null() & (model.article_key == ak) & (model.brand_key == bk)).execute()
            for ak, ids in index.by_article.items():
                if len(ids) == 1:
                    linked += model.update(product=ids[0]).where(
                        model.product.is_null() & (model.article_key == ak)).execute()
    # Sale lines keep the article as written: normalise in SQL to narrow, confirm in Python.
    if wanted is not None:
        for chunk in _chunks(wanted, 500):
            rows = list(_select_in(
                f"SELECT id, article, brand FROM {_t(SaleLine)} WHERE product_id IS NULL AND {_SQL_ARTICLE_KEY} IN",
                chunk))
            linked += _link_sale_lines(rows)
        return linked
    last = 0
    while True:
        rows = list(SaleLine.select(SaleLine.id, SaleLine.article, SaleLine.brand)
                    .where(SaleLine.product.is_null() & (SaleLine.article != "") & (SaleLine.id > last))
                    .order_by(SaleLine.id).limit(5000).tuples())
        if not rows:
            break
        last = rows[-1][0]
        linked += _link_sale_lines(rows)
    return linked


def _link_sale_lines(rows: list[tuple]) -> int:
    index = _ProductIndex(_ak(a) for _, a, _ in rows)
    if not index.by_article:
        return 0
    linked = 0
    with database.atomic():
        for line_id, article, brand in rows:
            pid = index.find(_ak(article), _bk(brand))
            if pid:
                SaleLine.update(product=pid).where(SaleLine.id == line_id).execute()
                linked += 1
    return linked


def rematch_unmatched() -> int:
    """Attach unmatched sales whose card or phone now belongs to a customer."""
    from appliance.customers import record_visit

    done = 0
    pending = list(ImportedSale.select(ImportedSale, Sale).join(Sale)
                   .where(ImportedSale.status == "unmatched").limit(20000))
    cards = {o.card for o in pending if o.card}
    phones = {o.phone_e164 for o in pending if o.phone_e164}
    by_card = {c.number: c.customer_id for c in BonusCard.select().where(BonusCard.number.in_(list(cards)))} \
        if cards else {}
    by_phone = {p.e164: p.customer_id for p in Phone.select().where(Phone.e164.in_(list(phones)))} if phones else {}
    for origin in pending:
        customer_id = by_card.get(origin.card) or by_phone.get(origin.phone_e164)
        if customer_id:
            with database.atomic():
                Sale.update(customer=customer_id).where(Sale.id == origin.sale_id).execute()
                ImportedSale.update(status="matched").where(ImportedSale.id == origin.id).execute()
                record_visit(customer_id, origin.sale.date)
            done += 1
    return done


def attach_sale(origin: ImportedSale, customer: Customer, actor: Staff | None, remember_card: bool = True) -> int:
    """A manager attaches an unmatched sale to a customer; other sales with the same card follow.

    Returns how many sales were attached (this one and its siblings).
    """
    from appliance import audit
    from appliance.customers import record_visit

    with database.atomic():
        sale = origin.sale
        old = sale.customer_id
        Sale.update(customer=customer.id).where(Sale.id == sale.id).execute()
        ImportedSale.update(status="attached").where(ImportedSale.id == origin.id).execute()
        record_visit(customer.id, sale.date)
        audit.record(actor, "attach_sale", sale, {"customer": (old, customer.id)},
                     note=f"чек {sale.number} из 1С")
        count = 1
        if remember_card and origin.card and not BonusCard.select().where(BonusCard.number == origin.card).exists():
            card = BonusCard.create(number=origin.card, customer=customer.id, created_at=clock.utcnow())
            audit.record(actor, "create", card, {"number": (None, card.number), "customer": (None, customer.id)},
                         note="бонусная карта из чека 1С")
    if remember_card:
        count += rematch_unmatched()
    return count


def unmatched_sales(limit: int = 200):
    return (ImportedSale.select(ImportedSale, Sale).join(Sale)
            .where(ImportedSale.status == "unmatched")
            .order_by(Sale.date.desc()).limit(limit))


def run_in_background(path: Path, before_start=None, **kwargs) -> tuple[ImportLog, threading.Thread]:
    """Start an import in a thread (web uploads and the HTTP exchange); poll the log for the end.

    ``before_start(entry)`` runs before the thread takes the write lock (to record state).
    """
    entry = start_log(kwargs.pop("filename", None) or Path(path).name, kwargs.pop("source"),
                      kwargs.pop("staff", None), kwargs.get("kind") or "")
    entry_id = entry.id
    if before_start is not None:
        before_start(entry)

    def work():
        database.connect(reuse_if_open=True)
        try:
            import_file(path, source=entry.source, entry=ImportLog.get_by_id(entry_id), filename=entry.filename,
                        **kwargs)
        finally:
            if not database.is_closed():
                database.close()

    thread = threading.Thread(target=work, name=f"import-{entry_id}", daemon=True)
    thread.start()
    return entry, thread


def progress_of(entry: ImportLog) -> tuple[int, int]:
    """(bytes read, total) of a running import in this process, else from the log."""
    if entry.id in PROGRESS:
        return PROGRESS[entry.id]
    mark = _read_running(entry.id)
    if mark is not None:
        return mark[1], mark[2]
    return (entry.progress_bytes, entry.size or 0)
