"""A manager presses "test print" and sees the label the (simulated) printer received."""
import pytest

from appliance import printing
from hardware.sim.printer_sim import PrinterSimulator
from tests.conftest import configure_settings
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def sim(tmp_path):
    with PrinterSimulator(tmp_path / "sim", port=0) as s:
        yield s


def test_test_print_shows_previews(page, live_server, login_as, settings, sim):
    configure_settings(settings.var_dir, printer={"url": "sim", "sim_port": str(sim.port), "sim_dir": str(sim.dir)})
    login_as(page, "manager")
    page.goto(f"{live_server}/devices/printer")
    assert page.locator("#printer-state").inner_text().startswith("Ещё ничего не печатали")
    page.click("#test-print")
    page.wait_for_selector("text=Тестовая этикетка поставлена в очередь")
    assert printing.drain_once() == 1  # the devices process's tick
    page.wait_for_selector(".label-card.job-printed img", timeout=8000)  # the queue polls itself
    page.reload()
    page.wait_for_selector("text=Что получил симулятор принтера")
    for img in page.locator(".label-card img").all():
        assert img.evaluate("i => i.complete && i.naturalWidth") == 464
    assert "Готов к печати" in page.locator("#printer-state").inner_text()
    screenshot(page, "printer-page")
