"""The printer page: a manager test-prints, sees the preview, retries a job that waited."""
import pytest

from appliance import printing
from db.models.printing import PrintJob
from hardware.sim.printer_sim import PrinterSimulator
from tests.conftest import configure_settings


@pytest.fixture
def sim(tmp_path):
    with PrinterSimulator(tmp_path / "sim", port=0) as s:
        yield s


@pytest.fixture
def printer_at_sim(settings, sim, app):
    cfg = configure_settings(settings.var_dir, printer={
        "url": f"tcp://127.0.0.1:{sim.port}", "connect_timeout_seconds": "1", "status_timeout_seconds": "0.5"})
    return cfg


def test_test_print_from_the_page_shows_the_preview(login, printer_at_sim, sim):
    browser = login("manager")
    page = browser.get("/devices/printer")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Принтер этикеток" in html and "Пробная печать" in html and "Очередь пуста" in html

    response = browser.post("/devices/printer/test", htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Тестовая этикетка поставлена в очередь" in html and "в очереди" in html
    job = PrintJob.get()
    assert job.requested_by.username == "manager"

    printing.drain_once()  # the devices process's tick
    html = browser.get("/devices/printer/queue").get_data(as_text=True)
    assert "напечатано" in html and f"/devices/printer/jobs/{job.id}/preview.png" in html
    png = browser.get(f"/devices/printer/jobs/{job.id}/preview.png")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    pdf = browser.get(f"/devices/printer/jobs/{job.id}/preview.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_test_print_button_on_the_devices_page_lands_on_the_printer_page(login, printer_at_sim):
    browser = login("owner")
    response = browser.post("/devices/printer/test")
    assert response.status_code == 302 and response.headers["Location"].endswith("/devices/printer")
    html = browser.get("/devices/printer").get_data(as_text=True)
    assert "Тестовая этикетка поставлена в очередь" in html


def test_a_waiting_job_shows_the_reason_and_can_be_retried(login, printer_at_sim, sim):
    browser = login("manager")
    sim.set_fault("paper_out")
    job = printing.queue_test_label()
    printing.drain_once()
    html = browser.get("/devices/printer").get_data(as_text=True)
    assert "В принтере закончились этикетки" in html and "Повторить" in html
    status = browser.get("/devices/printer/status").get_data(as_text=True)
    assert 'id="printer-state"' in status and "закончились этикетки" in status

    sim.set_fault(None)
    response = browser.post(f"/devices/printer/jobs/{job.id}/retry", htmx=True)
    assert "снова в очереди печати" in response.get_data(as_text=True)
    assert printing.drain_once() == 1
    assert PrintJob.get_by_id(job.id).status == "printed"


def test_simulator_previews_are_listed_and_served_safely(login, settings, sim, app):
    configure_settings(settings.var_dir, printer={
        "url": "sim", "sim_port": str(sim.port), "sim_dir": str(sim.dir), "connect_timeout_seconds": "1"})
    browser = login("owner")
    printing.queue_test_label()
    assert printing.drain_once() == 1
    sim.wait_for_jobs(1)
    html = browser.get("/devices/printer").get_data(as_text=True)
    assert "Что получил симулятор принтера" in html and "/devices/printer/sim/job-000001.png" in html
    assert browser.get("/devices/printer/sim/job-000001.png").data.startswith(b"\x89PNG")
    assert browser.get("/devices/printer/sim/..%2Fjobs.jsonl").status_code == 404


def test_mechanic_cannot_manage_the_print_queue(login, printer_at_sim):
    browser = login("mechanic")
    assert browser.get("/devices/printer").status_code == 403
    assert browser.post("/devices/printer/test").status_code == 403


def test_broken_printer_settings_are_explained_not_a_crash(login, settings, app):
    configure_settings(settings.var_dir, printer={"language": "pcl"})
    browser = login("owner")
    html = browser.get("/devices/printer").get_data(as_text=True)
    assert "Ошибка настройки" in html and "zpl, tspl или escpos" in html
    response = browser.post("/devices/printer/test", htmx=True)
    assert "zpl, tspl или escpos" in response.get_data(as_text=True)
