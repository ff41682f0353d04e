"""The print queue: queue in a transaction, drain to the simulated printer over TCP, faults."""
import datetime as dt

import pytest
from PIL import Image

from appliance import clock, printing
from appliance.errors import InputError
from db import database
from db.models.audit import AuditEntry
from db.models.notifications import Notification
from db.models.orders import Order
from db.models.printing import PrintJob
from hardware.printer.labels import Barcode, Label, TextBlock
from hardware.printer.raster import scan_code128
from hardware.sim.printer_sim import PrinterSimulator
from tests.conftest import configure_settings


@pytest.fixture
def sim(tmp_path):
    with PrinterSimulator(tmp_path / "sim", port=0) as s:
        yield s


@pytest.fixture
def use_printer(settings, sim):
    """Point [printer] at the simulator (or elsewhere) with short timeouts."""
    def configure(**printer):
        values = {"url": f"tcp://127.0.0.1:{sim.port}", "connect_timeout_seconds": "1",
                  "status_timeout_seconds": "0.5", "write_timeout_seconds": "2", **printer}
        return configure_settings(settings.var_dir, printer=values)
    configure()
    return configure


@pytest.fixture
def later(monkeypatch):
    """Move the clock forward by a number of seconds."""
    offset = {"s": 0.0}
    real = clock.utcnow

    def advance(seconds: float):
        offset["s"] += seconds
        monkeypatch.setattr(clock, "utcnow", lambda: real() + dt.timedelta(seconds=offset["s"]))
    return advance


def slip(data="Z-0042") -> Label:
    return Label(texts=[TextBlock("Заказ № 42 — Иванов", 2, 2, 3.4, bold=True)],
                 barcodes=[Barcode(data, 9, 18, 10, 0.25)])


def test_queue_renders_in_the_configured_language_with_a_preview(db, use_printer, settings):
    for language, start in (("tspl", b"SIZE 58 mm,40 mm"), ("zpl", b"^XA"), ("escpos", b"\x1b@")):
        use_printer(language=language)
        job = printing.queue_labels([slip(), slip("Z-0043")], f"Заказы 42-43 {language}")
        assert job.status == "queued" and job.language == language and job.label_count == 2
        assert bytes(job.payload).startswith(start)
        preview = Image.open(settings.var_dir / job.preview_path)
        assert scan_code128(preview) == ["Z-0042", "Z-0043"]


def test_queueing_is_part_of_the_callers_transaction(db, use_printer):
    with pytest.raises(RuntimeError):
        with database.atomic():
            printing.queue_labels(slip(), "Заказ 42")
            raise RuntimeError("the order was not saved")
    assert PrintJob.select().count() == 0


def test_unprintable_label_is_refused_with_a_reason(db, use_printer):
    with pytest.raises(InputError, match="нельзя закодировать"):
        printing.queue_labels(slip("Заказ-42"), "Заказ 42")
    use_printer(language="pcl")
    with pytest.raises(InputError, match="zpl, tspl или escpos"):
        printing.queue_labels(slip(), "Заказ 42")
    assert PrintJob.select().count() == 0


@pytest.mark.parametrize("language", ["tspl", "zpl", "escpos"])
def test_drain_prints_the_test_label_on_the_simulator(db, use_printer, sim, language):
    use_printer(language=language)
    job = printing.queue_test_label()
    assert printing.drain_once() == 1
    job = PrintJob.get_by_id(job.id)
    assert job.status == "printed" and job.attempts == 1 and job.printed_at
    (received,) = sim.wait_for_jobs(1)
    assert received.language == language
    printed = Image.open(sim.dir / received.preview_file)
    assert scan_code128(printed)[0].startswith("TEST-")
    assert printing.printer_status().state == "ok"


def test_test_label_fits_the_label_and_says_what_it_tests(db, use_printer):
    label = printing.test_label()
    assert (label.width_mm, label.height_mm, label.dpi) == (58, 40, 203)
    assert "ТЕСТ ПЕЧАТИ" in label.all_text() and label.barcodes and label.qrcodes
    small = use_printer(width_mm="48", height_mm="30")
    assert small.getfloat("printer", "width_mm") == 48
    label = printing.test_label()
    from hardware.printer.raster import render

    img = render(label)
    assert scan_code128(img) == [label.barcodes[0].data]


def test_printer_off_keeps_the_job_queued_retries_with_backoff_and_recovers(db, use_printer, sim, later):
    sim.set_fault("off")
    job = printing.queue_test_label()
    assert printing.drain_once() == 0
    job = PrintJob.get_by_id(job.id)
    assert job.status == "queued" and job.attempts == 1
    assert job.last_error.startswith("Принтер выключен или не отвечает")
    assert job.next_attempt_at > clock.utcnow()
    state = printing.printer_status()
    assert state.state == "offline" and state.down_since is not None
    note = Notification.get((Notification.kind == "device") & (Notification.key == "printer"))
    assert note.is_open and "Принтер выключен" in note.title
    assert printing.status_probe().level == "bad"

    assert printing.drain_once() == 0  # not due yet: the printer is not hammered
    assert PrintJob.get_by_id(job.id).attempts == 1
    later(6)
    assert printing.drain_once() == 0
    job = PrintJob.get_by_id(job.id)
    assert job.attempts == 2 and job.next_attempt_at - clock.utcnow() > dt.timedelta(seconds=9)

    sim.set_fault(None)
    later(11)
    assert printing.drain_once() == 1
    assert PrintJob.get_by_id(job.id).status == "printed"
    assert printing.printer_status().down_since is None
    assert not Notification.get_by_id(note.id).is_open
    assert len(sim.wait_for_jobs(1)) == 1


def test_out_of_paper_is_reported_and_nothing_is_sent(db, use_printer, sim):
    sim.set_fault("paper_out")
    job = printing.queue_test_label()
    printing.drain_once()
    job = PrintJob.get_by_id(job.id)
    assert job.status == "queued" and job.error_code == "paper_out"
    assert job.last_error.startswith("В принтере закончились этикетки")
    assert sim.jobs == [] and sim.held == []


def test_missing_usb_printer_and_bad_url(db, use_printer):
    use_printer(url="file:///dev/usb/lp9")
    job = printing.queue_test_label()
    printing.drain_once()
    job = PrintJob.get_by_id(job.id)
    assert job.status == "queued" and job.last_error.startswith("Принтер не подключён")
    use_printer(url="lpt1:")
    printing.retry_job(job.id)
    printing.drain_once()
    job = PrintJob.get_by_id(job.id)
    assert job.status == "failed" and job.last_error.startswith("Неверный адрес принтера")


def test_gives_up_after_max_attempts_then_a_person_retries(db, use_printer, sim, later, staff):
    use_printer(max_attempts="2", retry_min_seconds="1")
    sim.set_fault("off")
    job = printing.queue_test_label()
    printing.drain_once()
    later(2)
    printing.drain_once()
    assert PrintJob.get_by_id(job.id).status == "failed"
    sim.set_fault(None)
    printing.retry_job(job.id, by=staff["manager"])
    assert printing.drain_once() == 1
    assert PrintJob.get_by_id(job.id).status == "printed"
    entry = AuditEntry.get(AuditEntry.action == "print.retry")
    assert entry.actor_id == staff["manager"].id and entry.object_id == str(job.id)


def test_cancel(db, use_printer, sim, staff):
    sim.set_fault("off")
    job = printing.queue_test_label()
    printing.cancel_job(job.id, by=staff["owner"])
    assert printing.drain_once() == 0
    job = PrintJob.get_by_id(job.id)
    assert job.status == "failed" and job.last_error == "Отменено вручную"


def test_an_idle_printer_is_checked_now_and_then(db, use_printer, sim, later):
    sim.set_fault("off")
    assert printing.drain_once() == 0
    state = printing.printer_status()
    assert state.state == "offline" and state.down_since is not None
    assert Notification.select().count() == 0  # nothing waits to print: no one to bother
    sim.set_fault(None)
    later(30)
    printing.drain_once()
    assert printing.printer_status().state == "offline"  # not asked again so soon
    later(31)
    printing.drain_once()
    state = printing.printer_status()
    assert state.state == "ok" and state.down_since is None and state.last_ok_at is None
    assert sim.jobs == []


def test_a_job_interrupted_while_printing_is_not_sent_twice(db, use_printer, sim, later):
    job = printing.queue_test_label()
    PrintJob.update(status="printing", attempts=1).where(PrintJob.id == job.id).execute()  # killed mid-send
    later(180)
    assert printing.drain_once() == 0
    job = PrintJob.get_by_id(job.id)
    assert job.status == "failed" and "прервалась" in job.last_error
    assert sim.jobs == []


def test_cli_printer_test_prints_and_shows_the_preview(db, use_printer, sim, capsys, settings):
    from appliance.cli import main

    assert main(["printer", "test", "--wait", "5"]) == 0
    out = capsys.readouterr().out
    assert "Напечатано: задание №1" in out
    preview = out.strip().splitlines()[-1].removeprefix("Превью: ")
    assert Image.open(preview).size == (464, 320 + 0)
    sim.set_fault("paper_out")
    assert main(["printer", "test", "--wait", "5"]) == 1
    assert "закончились этикетки" in capsys.readouterr().err


def test_demo_has_printed_order_slips_with_previews(demo_db, settings):
    jobs = list(PrintJob.select().order_by(PrintJob.id))
    assert len(jobs) >= 6 and all(j.status == "printed" for j in jobs)
    slips = [j for j in jobs if j.batch_name.startswith("Бланк заказа")]
    preview = Image.open(settings.var_dir / slips[0].preview_path)
    number = int(slips[0].batch_name.rsplit("№", 1)[-1])
    assert scan_code128(preview) == [Order.get_by_id(number).barcode]
    assert printing.printer_status().state == "ok"


def test_a_job_claimed_by_another_drainer_is_not_sent_again(db, use_printer, sim):
    job = printing.queue_test_label()
    assert printing._claim(job, clock.utcnow())  # e.g. `prilavok printer test` draining alone
    assert printing.drain_once() == 0
    assert PrintJob.get_by_id(job.id).status == "printing" and sim.jobs == []


def test_queue_view_lists_what_is_not_printed_yet(db, use_printer):
    jobs = [printing.queue_labels([slip()], f"Заказ {n}") for n in range(4)]
    for job, state in zip(jobs, ("printed", "failed", "cancelled", "queued"), strict=True):
        PrintJob.update(status=state).where(PrintJob.id == job.id).execute()
    view = printing.queue_view(recent=3)
    assert [j.id for j in view["waiting"]] == [jobs[3].id, jobs[1].id]
    assert [j.id for j in view["recent"]] == [jobs[3].id, jobs[2].id, jobs[1].id]
    assert printing.queue_counts() == {"queued": 1, "printing": 0, "failed": 1}


def test_panel_shows_the_settings_and_a_settings_mistake(db, use_printer):
    use_printer(url="sim", language="zpl")
    panel = printing.panel()
    assert panel["simulated"] and panel["language"] == "ZPL" and panel["config_error"] == ""
    assert panel["size"].endswith("dpi") and "мм" in panel["size"]
    use_printer(language="pcl")
    broken = printing.panel()
    assert broken["config_error"] and broken["url"] == "" and not broken["simulated"]


def test_preview_pdf_is_a_pdf_of_the_label(db, use_printer):
    job = printing.queue_labels([slip()], "Заказ 42")
    assert printing.preview_pdf(job).startswith(b"%PDF")
    PrintJob.update(preview_path="").where(PrintJob.id == job.id).execute()
    assert printing.preview_pdf(PrintJob.get_by_id(job.id)) is None
