"""Printing labels: queue a batch (in the caller's transaction), the devices process sends it.

A job is rendered when it is queued, in the language the printer speaks (settings
``[printer] language``), and stored with a PNG preview, so what staff saw is what is sent,
and a printer that is off loses nothing: the job waits in the queue with the reason, is
retried with backoff, and can be retried or cancelled by hand.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
from pathlib import Path

from PIL import Image

from appliance import audit, clock, notifications, settings
from appliance.clock import to_local
from appliance.errors import InputError, NotFound
from db import write_transaction
from db.models.printing import PrinterStatus, PrintJob
from hardware import printer
from hardware.printer import render as label_render
from hardware.printer.labels import Barcode, Box, Label, QRCode, TextBlock
from hardware.printer.raster import png_bytes, render

log = logging.getLogger(__name__)

PREVIEW_DIR = "printing"
NOTIFY_KEY = "printer"
STALE_PRINTING = dt.timedelta(minutes=2)


# --- settings ------------------------------------------------------------------------

def config() -> dict:
    cfg = settings.get()
    language = cfg.get("printer", "language").strip().lower()
    if language not in label_render.LANGUAGES:
        raise InputError(f"[printer] language = {language!r}: нужен zpl, tspl или escpos", field="language")
    sim_dir = cfg.get("printer", "sim_dir") or str(cfg.var_dir / "printer-sim")
    return {
        "url": cfg.get("printer", "url").strip(),
        "language": language,
        "width_mm": cfg.getfloat("printer", "width_mm"),
        "height_mm": cfg.getfloat("printer", "height_mm"),
        "dpi": cfg.getint("printer", "dpi"),
        "gap_mm": cfg.getfloat("printer", "gap_mm"),
        "zpl_font": cfg.get("printer", "zpl_font").strip(),
        "timeouts": printer.Timeouts(
            connect_s=cfg.getfloat("printer", "connect_timeout_seconds"),
            write_s=cfg.getfloat("printer", "write_timeout_seconds"),
            status_s=cfg.getfloat("printer", "status_timeout_seconds")),
        "retry_min_s": cfg.getfloat("printer", "retry_min_seconds"),
        "retry_max_s": cfg.getfloat("printer", "retry_max_seconds"),
        "max_attempts": cfg.getint("printer", "max_attempts"),
        "probe_interval_s": cfg.getfloat("printer", "probe_interval_seconds"),
        "sim_port": cfg.getint("printer", "sim_port"),
        "sim_dir": Path(sim_dir),
    }


def target_url(conf: dict | None = None) -> str:
    """The printer's address as shown to staff (``sim`` spelled out)."""
    conf = conf or config()
    try:
        return str(printer.parse_url(conf["url"], conf["sim_port"]))
    except printer.PrinterConfigError:
        return conf["url"]


def blank_label(conf: dict | None = None) -> Label:
    conf = conf or config()
    return Label(width_mm=conf["width_mm"], height_mm=conf["height_mm"], dpi=conf["dpi"])


def centered_barcode(label: Label, data: str, y_mm: float, height_mm: float, module_mm: float = 0.25) -> Barcode:
    from hardware.printer import code128

    width_mm = code128.module_count(data) * label.module_dots(module_mm) * 25.4 / label.dpi
    return Barcode(data, max(1.0, (label.width_mm - width_mm) / 2), y_mm, height_mm, module_mm)


def fitted_qr(label: Label, data: str, max_side_mm: float, x_right_mm: float, y_mm: float) -> QRCode:
    """A QR code with the largest whole-dot module that keeps it within ``max_side_mm``,
    its right edge at ``x_right_mm``."""
    from hardware.printer.raster import qr_matrix

    modules = len(qr_matrix(data, "M"))
    module_dots = max(1, label.dots(max_side_mm) // modules)
    side_mm = modules * module_dots * 25.4 / label.dpi
    return QRCode(data, x_right_mm - side_mm, y_mm, module_dots * 25.4 / label.dpi, side_mm=side_mm)


# --- the test label --------------------------------------------------------------------

def test_label(now: dt.datetime | None = None, conf: dict | None = None) -> Label:
    """A label that shows at a glance whether Cyrillic, bold, a barcode and a QR print,
    laid out like an order slip (title, customer, part, barcode) on the configured size."""
    conf = conf or config()
    label = blank_label(conf)
    when = to_local(now or clock.utcnow())
    w, h = label.width_mm, label.height_mm
    qr = fitted_qr(label, "http://prilavok.local/devices/printer", min(14.0, h * 0.36), w - 2, 1.5)
    label.qrcodes.append(qr)
    text_w = w - qr.side_mm - 5
    label.texts += [
        TextBlock("ТЕСТ ПЕЧАТИ", 2, 1.5, 4.4, bold=True, width_mm=text_w),
        TextBlock(settings.get().get("app", "shop_name"), 2, 7.0, 2.8, width_mm=text_w),
        TextBlock("Съешь ещё этих мягких", 2, 10.4, 2.5, width_mm=text_w),
        TextBlock("французских булок!", 2, 13.4, 2.5, width_mm=text_w),
    ]
    line_y = max(17.6, 1.5 + qr.side_mm + 1.2)
    label.boxes.append(Box(2, line_y, w - 4, 0.3))
    label.barcodes.append(centered_barcode(label, f"TEST-{when:%m%d%H%M}", line_y + 1.6, max(5.0, h - line_y - 12.5)))
    label.texts.append(TextBlock(f"{when:%d.%m.%Y %H:%M} · {label.width_mm:g}×{label.height_mm:g} мм, "
                                 f"{label.dpi} dpi, {conf['language'].upper()}",
                                 2, h - 4.2, 2.4, width_mm=w - 4, align="center"))
    return label


def order_slip(number: str, customer: str, phone: str, part: str, barcode: str, url: str = "",
               footer: str = "", conf: dict | None = None) -> Label:
    """An order slip (бланк заказа) for the orders shelf: big order number, who it is for,
    what it is, a barcode the counter scanner reads, and a QR to the order's page."""
    conf = conf or config()
    label = blank_label(conf)
    w, h = label.width_mm, label.height_mm
    text_w = w - 4
    if url:
        qr = fitted_qr(label, url, min(13.0, h * 0.33), w - 2, 1.5)
        label.qrcodes.append(qr)
        text_w -= qr.side_mm + 1.5
    label.texts += [
        TextBlock(f"ЗАКАЗ № {number}", 2, 1.2, 5.0, bold=True, width_mm=text_w),
        TextBlock(customer, 2, 7.6, 3.2, width_mm=text_w),
        TextBlock(phone, 2, 11.6, 3.0, width_mm=text_w),
        TextBlock(part, 2, 15.4, 2.7, width_mm=w - 4),
    ]
    label.boxes.append(Box(2, 19.2, w - 4, 0.3))
    label.barcodes.append(centered_barcode(label, barcode, 20.6, max(5.0, h - 20.6 - 9.5)))
    if footer:
        label.texts.append(TextBlock(footer, 2, h - 3.6, 2.3, width_mm=w - 4, align="right"))
    return label


# --- queueing --------------------------------------------------------------------------

def render_payload(labels: list[Label], conf: dict) -> bytes:
    options = {}
    if conf["language"] == "zpl":
        options["font"] = conf["zpl_font"] or None
    elif conf["language"] == "tspl":
        options["gap_mm"] = conf["gap_mm"]
    elif conf["language"] == "escpos":
        options["max_width_dots"] = max(label.width_dots for label in labels)
    return b"".join(label_render.render_bytes(label, conf["language"], **options) for label in labels)


def preview_image(labels: list[Label], limit: int = 4):
    """The first labels one under another, with a gap, as the preview of a batch."""
    images = [render(label).convert("L") for label in labels[:limit]]
    gap = 12
    sheet = Image.new("L", (max(i.width for i in images), sum(i.height for i in images) + gap * (len(images) - 1)), 200)
    y = 0
    for img in images:
        sheet.paste(img, (0, y))
        y += img.height + gap
    return sheet


def queue_labels(labels: Label | list[Label], batch_name: str, requested_by=None) -> PrintJob:
    """Render and queue labels; safe inside the caller's transaction (the row is the outbox)."""
    labels = [labels] if isinstance(labels, Label) else list(labels)
    if not labels:
        raise InputError("Нечего печатать: ни одной этикетки")
    conf = config()
    try:
        payload = render_payload(labels, conf)
    except ValueError as exc:  # a barcode with Cyrillic, a slip wider than the roll
        log.warning("cannot render %r for %s: %s", batch_name, conf["language"], exc)
        raise InputError(f"Этикетку нельзя напечатать: {exc}") from exc
    now = clock.utcnow()
    with write_transaction():
        job = PrintJob.create(
            batch_name=batch_name[:200], language=conf["language"], payload=payload,
            label_count=sum(max(1, label.copies) for label in labels), status="queued",
            next_attempt_at=now, printer_url=target_url(conf), requested_by=requested_by,
            created_at=now, updated_at=now)
        rel = Path(PREVIEW_DIR) / f"job-{job.id:06d}.png"
        path = settings.get().var_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png_bytes(preview_image(labels), labels[0].dpi))
        job.preview_path = str(rel)
        job.save(only=[PrintJob.preview_path])
    log.info("queued print job %s %r: %d label(s), %d bytes of %s", job.id, batch_name, job.label_count,
             len(payload), job.language)
    return job


def queue_test_label(requested_by=None) -> PrintJob:
    return queue_labels(test_label(), "Тестовая этикетка", requested_by)


# --- draining (the devices process) ---------------------------------------------------------

def _backoff(attempts: int, conf: dict) -> dt.timedelta:
    seconds = min(conf["retry_max_s"], conf["retry_min_s"] * 2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=seconds)


def _status_row() -> PrinterStatus:
    row = PrinterStatus.get_or_none(PrinterStatus.name == "default")
    if row is None:
        row = PrinterStatus.create(name="default")
    return row


def _record_ok(now: dt.datetime, printed: bool = True) -> None:
    row = _status_row()
    was_down = row.down_since is not None
    PrinterStatus.update(state="ok", reason="", checked_at=now, down_since=None,
                         last_ok_at=now if printed else row.last_ok_at).where(PrinterStatus.id == row.id).execute()
    if was_down:
        notifications.resolve("device", NOTIFY_KEY, comment="Принтер снова печатает")


def _record_down(exc: printer.PrinterError, now: dt.datetime, url: str, notify: bool = True) -> None:
    row = _status_row()
    down_since = row.down_since or now
    PrinterStatus.update(state=exc.code, reason=exc.message, checked_at=now, down_since=down_since).where(
        PrinterStatus.id == row.id).execute()
    if not notify:
        return  # an idle printer that is off is no one's problem until something must print
    waiting = PrintJob.select().where(PrintJob.status == "queued").count()
    notifications.raise_notification(
        "device", NOTIFY_KEY, f"Принтер этикеток: {exc.reason}",
        body=(f"С {to_local(down_since):%H:%M} этикетки не печатаются ({exc.detail or url}). "
              + (f"В очереди: {waiting}. Они напечатаются сами, когда принтер заработает."
                 if exc.retryable else "Исправьте настройки [printer] и повторите печать на странице принтера.")),
        url="/devices/printer")


def _probe_if_idle(conf: dict, now: dt.datetime) -> None:
    """With nothing to print, ask the printer now and then, so staff see "off" before they print."""
    if conf["probe_interval_s"] <= 0:
        return
    row = _status_row()
    if row.checked_at and now - row.checked_at < dt.timedelta(seconds=conf["probe_interval_s"]):
        return
    try:
        printer.probe(conf["url"], conf["language"], conf["timeouts"], conf["sim_port"])
    except printer.PrinterError as exc:
        _record_down(exc, now, target_url(conf), notify=False)
        return
    if row.down_since is not None or row.state == "unknown":
        _record_ok(now, printed=False)
    else:
        PrinterStatus.update(checked_at=now).where(PrinterStatus.id == row.id).execute()


def _reclaim_stale(now: dt.datetime) -> None:
    """A job left "printing" by a crash may or may not have printed: ask a person, never resend."""
    for job in PrintJob.select().where((PrintJob.status == "printing") & (PrintJob.updated_at < now - STALE_PRINTING)):
        PrintJob.update(status="failed", error_code="interrupted", updated_at=now,
                        last_error="Печать прервалась (перезапуск). Проверьте, вышла ли этикетка, "
                                   "и нажмите «Повторить», если нет.").where(
            (PrintJob.id == job.id) & (PrintJob.status == "printing")).execute()
        log.warning("print job %s was interrupted while printing; marked failed for a person to check", job.id)


def _claim(job: PrintJob, now: dt.datetime) -> bool:
    return PrintJob.update(status="printing", attempts=PrintJob.attempts + 1, updated_at=now).where(
        (PrintJob.id == job.id) & (PrintJob.status == "queued")).execute() == 1


def drain_once(limit: int = 5) -> int:
    """Send due jobs to the printer; returns how many were printed. Called every tick.

    Stops at the first printer error: the rest wait for the next tick, the printer is not hammered.
    """
    conf = config()
    now = clock.utcnow()
    _reclaim_stale(now)
    due = list(PrintJob.select().where((PrintJob.status == "queued") & (
        PrintJob.next_attempt_at.is_null() | (PrintJob.next_attempt_at <= now))).order_by(PrintJob.id).limit(limit))
    if not due:
        _probe_if_idle(conf, now)
        return 0
    printed = 0
    for job in due:
        if not _claim(job, now):
            continue  # another drainer took it
        job = PrintJob.get_by_id(job.id)
        try:
            result = printer.send_job(conf["url"], job.language, bytes(job.payload), conf["timeouts"],
                                      name=str(job.id), sim_port=conf["sim_port"])
        except printer.PrinterError as exc:
            now = clock.utcnow()
            give_up = not exc.retryable or job.attempts >= conf["max_attempts"]
            PrintJob.update(
                status="failed" if give_up else "queued", last_error=exc.message, error_code=exc.code,
                next_attempt_at=None if give_up else now + _backoff(job.attempts, conf),
                printer_url=target_url(conf), updated_at=now).where(PrintJob.id == job.id).execute()
            log.warning("print job %s not printed (attempt %d): %s", job.id, job.attempts, exc.message)
            _record_down(exc, now, target_url(conf))
            break
        except Exception as exc:  # a bug must not leave the job "printing" forever
            log.exception("print job %s: unexpected error", job.id)
            PrintJob.update(status="queued", last_error=f"Внутренняя ошибка: {exc}", error_code="error",
                            next_attempt_at=clock.utcnow() + _backoff(job.attempts, conf), updated_at=clock.utcnow()).where(
                PrintJob.id == job.id).execute()
            break
        now = clock.utcnow()
        PrintJob.update(status="printed", printed_at=now, updated_at=now, last_error="", error_code="",
                        printer_url=result.target).where(PrintJob.id == job.id).execute()
        _record_ok(now)
        printed += 1
    return printed


# --- what people do -------------------------------------------------------------------------

def get_job(job_id: int) -> PrintJob:
    job = PrintJob.get_or_none(PrintJob.id == job_id)
    if job is None:
        raise NotFound(f"print job {job_id}")
    return job


def retry_job(job_id: int, by=None) -> PrintJob:
    """Send a waiting or failed job again now (printed ones are re-queued as a reprint)."""
    job = get_job(job_id)
    if job.status == "printing":
        raise InputError("Этикетка как раз печатается — подождите несколько секунд")
    now = clock.utcnow()
    with write_transaction():
        old = job.status
        PrintJob.update(status="queued", next_attempt_at=now, updated_at=now,
                        attempts=0 if old != "queued" else PrintJob.attempts).where(PrintJob.id == job.id).execute()
        audit.record(by, "print.reprint" if old == "printed" else "print.retry", job,
                     {"status": (old, "queued")})
    return get_job(job_id)


def cancel_job(job_id: int, by=None) -> PrintJob:
    job = get_job(job_id)
    if job.status not in ("queued", "failed"):
        raise InputError("Отменить можно только ожидающую или неудавшуюся печать")
    now = clock.utcnow()
    with write_transaction():
        PrintJob.update(status="failed", error_code="cancelled", last_error="Отменено вручную",
                        next_attempt_at=None, updated_at=now).where(PrintJob.id == job.id).execute()
        audit.record(by, "print.cancel", job, {"status": (job.status, "failed")})
    return get_job(job_id)


WAITING = ("queued", "printing", "failed")  # jobs the queue panel lists as "not printed yet"


def recent_jobs(limit: int = 20) -> list[PrintJob]:
    return list(PrintJob.select().order_by(PrintJob.id.desc()).limit(limit))


def queue_counts() -> dict[str, int]:
    return {status: PrintJob.select().where(PrintJob.status == status).count()
            for status in WAITING}


def printer_status() -> PrinterStatus:
    return PrinterStatus.get_or_none(PrinterStatus.name == "default") or PrinterStatus(name="default")


def preview_file(job: PrintJob) -> Path | None:
    if not job.preview_path:
        return None
    path = (settings.get().var_dir / job.preview_path).resolve()
    return path if path.is_file() and settings.get().var_dir in path.parents else None


def preview_pdf(job: PrintJob) -> bytes | None:
    """The job's preview as a label-sized PDF (for an office printer when the label printer is down)."""
    path = preview_file(job)
    if path is None:
        return None
    with Image.open(path) as img:
        dpi = float(img.info.get("dpi", (203, 203))[0])
        buf = io.BytesIO()
        img.convert("L").save(buf, format="PDF", resolution=dpi)
    return buf.getvalue()


def queue_view(limit: int = 30, recent: int = 12) -> dict[str, list[PrintJob]]:
    """The printer page's queue: jobs not printed yet, and the latest jobs of any state."""
    jobs = recent_jobs(limit)
    return {"waiting": [j for j in jobs if j.status in WAITING], "recent": jobs[:recent]}


def panel() -> dict:
    """Everything the printer status panel shows; a settings mistake is shown, not raised."""
    try:
        conf = config()
        config_error = ""
    except InputError as exc:
        conf, config_error = None, exc.message
    return {
        "status": printer_status(),
        "counts": queue_counts(),
        "url": target_url(conf) if conf else "",
        "simulated": bool(conf and conf["url"] == "sim"),
        "language": conf["language"].upper() if conf else "",
        "size": f"{conf['width_mm']:g}×{conf['height_mm']:g} мм, {conf['dpi']} dpi" if conf else "",
        "config_error": config_error,
    }


def sim_jobs(limit: int = 8) -> list[dict]:
    """What the simulated printer received lately (only when printing to the simulator)."""
    from hardware.sim.printer_sim import recent_jobs as sim_recent

    conf = config()
    jobs = sim_recent(conf["sim_dir"], limit) if conf["url"] == "sim" else []
    for job in jobs:
        try:
            job["received_utc"] = dt.datetime.strptime(job["received_at"], "%Y-%m-%dT%H:%M:%SZ")
        except (KeyError, ValueError):
            job["received_utc"] = None
    return jobs


def status_probe():
    """The status bar's printer item: only when something is wrong or waiting."""
    from appliance.status import StatusItem

    row = printer_status()
    waiting = PrintJob.select().where(PrintJob.status == "queued").count()
    if row.down_since is not None:
        return StatusItem("Принтер", f"{row.reason.split(' (')[0]} с {to_local(row.down_since):%H:%M}"
                          + (f", ждут {waiting}" if waiting else ""), "bad", "/devices/printer")
    if waiting > 3:
        return StatusItem("Принтер", f"в очереди {waiting}", "warn", "/devices/printer")
    return None


def wait_for(job_id: int, timeout_s: float, drain_if_alone: bool = True) -> PrintJob:
    """Wait for a job's outcome (CLI). Without a running devices process, drain here."""
    import time

    from appliance.status import last_beat

    deadline = time.monotonic() + timeout_s
    while True:
        job = get_job(job_id)
        if job.status in ("printed", "failed") or (job.status == "queued" and job.attempts > 0):
            return job
        if time.monotonic() >= deadline:
            return job
        beat = last_beat("devices")
        if drain_if_alone and (beat is None or clock.utcnow() - beat > dt.timedelta(minutes=1)):
            drain_once()
            continue
        time.sleep(0.3)
