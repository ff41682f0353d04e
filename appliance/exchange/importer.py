"""Take one exchange file into the database: atomic per file, idempotent per document.

Every file, whatever the channel (upload, drop folder, HTTP exchange, CLI), goes through
``import_file``: the original is kept (``originals``), an ``ImportLog`` row records
source, counts, duration and errors, and the content is written in one transaction, so a
malformed file leaves nothing behind. A busy database is retried a few times.

What is in the file is written by the loaders: ``catalog_loader`` (catalog, offers,
stock) and ``documents_loader`` (sales, receipts); ``progress`` tells a poll how far it
is; ``unmatched`` handles the sales whose buyer is no customer yet.

Lines whose article the box does not know yet are kept with their article/brand/name
and matched to products when a later catalog import brings them (``match_products``).
Uploads from «Обмен с 1С» are queued for the worker (``queue_upload`` + the
``jobs.exchange.import_upload`` task); 1C's HTTP exchange, which must answer within a
step, imports in a thread of its own request (``run_in_background``).
"""
from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from peewee import OperationalError

from appliance import clock, events, notifications
from appliance.exchange import commerceml as cml
from appliance.exchange import originals, progress, stock
from appliance.exchange.catalog_loader import (
    CatalogLoader,
    match_products,
    product_from_row,
    product_from_xml,
)
from appliance.exchange.csv_import import CsvReader, Row, load_mapping
from appliance.exchange.documents_loader import DocumentsLoader, doc_from_xml, group_rows
from appliance.exchange.errors import ExchangeFileError
from appliance.exchange.loading import Batcher, cfg, chain
from appliance.exchange.unmatched import rematch_unmatched
from db import database, write_transaction
from db.models.exchange import GoodsReceipt, ImportLog
from db.models.staff import Staff

log = logging.getLogger(__name__)


def csv_mapping():
    path = cfg("csv_mapping") or str(originals.exchange_dir() / "csv-mapping.ini")
    return load_mapping(path)


def detect_format(path: Path) -> str:
    """``xml`` or ``csv`` from the first meaningful byte (a BOM and spaces skipped)."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return "xml" if head.startswith(b"<") else "csv"


def start_log(filename: str, source: str, staff: Staff | None = None, kind: str = "") -> ImportLog:
    entry = ImportLog.create(source=source, filename=filename, kind=kind or "", started_at=clock.utcnow(),
                             status="running", staff=staff)
    progress.ACTIVE.add(entry.id)
    progress.mark_running(entry.id, 0, 0)
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
                progress.running_file(done.id).unlink(missing_ok=True)
                progress.ACTIVE.discard(done.id)


def fail_interrupted(entry: ImportLog | None = None) -> int:
    """Mark interrupted imports failed with the reason (one given row, or every "running" row).

    Called at the start of every process that imports (web, worker) and by a 1C poll of its
    own file. Nothing of an interrupted file was saved: an import commits all or nothing.
    """
    rows = [entry] if entry is not None else list(ImportLog.select().where(ImportLog.status == "running"))
    failed = 0
    for row in rows:
        if not progress.is_interrupted(row):
            continue
        error = f"Файл {row.filename}: {progress.INTERRUPTED}, ничего из файла не сохранено. Загрузите его ещё раз."
        now = clock.utcnow()
        if ImportLog.update(status="failed", error=error, finished_at=now).where(
                (ImportLog.id == row.id) & (ImportLog.status == "running")).execute():
            row.status, row.error, row.finished_at = "failed", error, now
            failed += 1
            log.warning("exchange: import #%s of %s (%s) was interrupted; marked failed", row.id, row.filename,
                        row.source)
            _notify(row)
        progress.running_file(row.id).unlink(missing_ok=True)
    return failed


def _import_file(path, *, source, kind, filename, staff, entry, move) -> ImportLog:
    path = Path(path)
    filename = filename or path.name
    entry = entry or start_log(filename, source, staff, kind or "")
    started = time.monotonic()
    sha, size = originals.sha256_of(path)
    progress.mark_running(entry.id, 0, size)
    try:
        stored = originals.store_original(path, filename, entry.id, move=move)
    except OSError as exc:
        log.exception("exchange: cannot keep the original of %s", filename)
        stored = ""
        entry.notes = f"Оригинал файла не сохранён: {exc}"
        move = False
    work_path = originals.files_dir() / stored if stored else path
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
        progress.PROGRESS.pop(entry.id, None)

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


def _run_with_retries(entry: ImportLog, path: Path, kind: str | None, jobs: list, attempts: int = 3) -> _Import:
    for attempt in range(1, attempts + 1):
        job = _Import(entry, path, kind)
        jobs.append(job)
        try:
            # The whole file in one write transaction (all or nothing); a busy lock is retried.
            with write_transaction():
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
        stock.stock_arrived()


def _notify(entry: ImportLog) -> None:
    """One notice per kind of file (sales, stock, catalog...): only a good file of that kind closes it.
    A file rejected before its kind was known is keyed by its name (the same file, fixed, closes it)."""
    key = f"import-failed-{entry.kind or 'file:' + entry.filename}"
    if entry.status == "failed":
        notifications.raise_notification(
            "exchange", key, f"Файл из 1С не загружен: {entry.filename}", entry.error[:1000],
            url=f"/exchange#log-{entry.id}")
    elif entry.status == "done":
        notifications.resolve("exchange", key, comment=f"загружен {entry.filename}")
        # a notice raised before the upgrade was keyed by where the file came from
        notifications.resolve("exchange", f"import-failed-{entry.source}", comment=f"загружен {entry.filename}")


class _Import(CatalogLoader, DocumentsLoader):
    """One file inside one transaction: reads it and hands each batch to its loader."""

    def __init__(self, entry: ImportLog, path: Path, kind: str | None):
        super().__init__(entry)
        self.path = path
        self.kind = kind or ""

    def _reader(self):
        return progress.CountingReader(self.path, self.entry.id, self.entry.size or 0)

    def run(self) -> None:
        fmt = detect_format(self.path)
        if fmt == "xml":
            if self.kind in ("sales", "receipts", "returns", "stock"):
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
                    self._run_csv(chain(first, rows))
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
                products = products if products is not None else Batcher(self._catalog_batch)
                products.add(product_from_xml(rec, reader))
            elif isinstance(rec, cml.Offer):
                self.kind = "offers"
                offers = offers if offers is not None else Batcher(
                    lambda b: self._offers_batch(b, reader, self.only_changes))
                offers.add(rec)
            elif isinstance(rec, cml.Document):
                self.kind = "documents"
                docs = docs if docs is not None else Batcher(self._docs_batch)
                doc = doc_from_xml(rec)
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
            batch = Batcher(self._catalog_batch)
            for row in rows:
                batch.add(product_from_row(row))
            batch.flush()
        elif self.kind == "stock":
            taken = None
            batch = Batcher(lambda b: self._stock_rows(b))
            for row in rows:
                if row.date and (taken is None or row.date > taken):
                    taken = row.date
                batch.add(row)
            batch.flush()
            self._stock_taken_at(taken)
        else:
            docs = Batcher(self._docs_batch)
            for doc in group_rows(rows, {"sales": "sale", "returns": "return", "orders": "order"}.get(self.kind, "receipt")):
                docs.add(doc)
            docs.flush()


def queue_entry(filename: str, source: str, staff: Staff | None = None, kind: str = "") -> ImportLog:
    """The log row of a file handed to the worker (``import_queued``): «Обмен с 1С» shows it at once.

    Not this process's own import: should the worker never take it, the row turns
    "interrupted" like any import whose process died.
    """
    return ImportLog.create(source=source, filename=filename[:255], kind=kind or "", started_at=clock.utcnow(),
                            status="running", staff=staff)


def import_queued(log_id: int, path: str | Path, kind: str | None = None, move: bool = True) -> ImportLog:
    """The worker's half of an upload: import the file of a row written by ``queue_entry``."""
    entry = ImportLog.get_by_id(log_id)
    progress.ACTIVE.add(entry.id)
    return import_file(path, source=entry.source, kind=kind, filename=entry.filename, staff=entry.staff,
                       entry=entry, move=move)


def run_in_background(path: Path, before_start=None, **kwargs) -> tuple[ImportLog, threading.Thread]:
    """Start an import in a thread of this process; poll the log for the end.

    1C's HTTP exchange only: its request waits a step for the import to end and else
    answers "progress", so the import runs beside the request (uploads go to the worker).

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
