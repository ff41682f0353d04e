"""Printer transports against the simulator over a real TCP socket and a real pty."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from hardware.printer import (
    HeadOpen,
    PaperOut,
    PrinterConfigError,
    PrinterNotConnected,
    PrinterOffline,
    Timeouts,
    check_status_reply,
    parse_url,
    send_job,
)
from hardware.printer.labels import Barcode, Label, QRCode, TextBlock
from hardware.printer.raster import scan_code128
from hardware.printer.render import LANGUAGES, render_bytes
from hardware.sim.printer_sim import PrinterSimulator, recent_jobs

REPO = Path(__file__).resolve().parents[2]
FAST = Timeouts(connect_s=1.0, write_s=2.0, status_s=0.5)


def sample_label() -> Label:
    return Label(
        texts=[TextBlock("Проверка печати: Ёж", 2, 2, 3.4, bold=True, width_mm=36)],
        barcodes=[Barcode("TEST-0042", 9, 20, 10, 0.25)],
        qrcodes=[QRCode("http://prilavok.local/devices/printer", 40, 1.5, 0.5)],
    )


@pytest.fixture
def sim(tmp_path):
    with PrinterSimulator(tmp_path / "sim", port=0, use_pty=True, idle_s=0.2) as s:
        yield s


def url_of(sim) -> str:
    return f"tcp://127.0.0.1:{sim.port}"


def test_urls():
    assert str(parse_url("tcp://192.168.1.50")) == "tcp://192.168.1.50:9100"
    assert str(parse_url("sim", sim_port=9105)) == "tcp://127.0.0.1:9105"
    u = parse_url("serial:///dev/ttyUSB0?baud=115200")
    assert (u.scheme, u.path, u.baud) == ("serial", "/dev/ttyUSB0", 115200)
    assert parse_url("file:///dev/usb/lp0").path == "/dev/usb/lp0"
    assert parse_url("dir:///tmp/labels").scheme == "dir"
    with pytest.raises(PrinterConfigError) as err:
        parse_url("lpt1")
    assert "Неверный адрес принтера" in str(err.value)


@pytest.mark.parametrize("language", LANGUAGES)
def test_job_over_tcp_is_printed_and_previewed(sim, language):
    payload = render_bytes(sample_label(), language)
    result = send_job(url_of(sim), language, payload, FAST)
    assert result.status_checked and result.bytes_sent == len(payload)
    (job,) = sim.wait_for_jobs(1)
    assert job.language == language and job.bytes == len(payload) and job.labels == 1
    assert (sim.dir / job.data_file).read_bytes() == payload
    preview = Image.open(sim.dir / job.preview_file)
    assert scan_code128(preview) == ["TEST-0042"]
    assert job.barcodes == ["TEST-0042"]
    assert recent_jobs(sim.dir)[0]["id"] == job.id


def test_printer_off_refuses_the_connection_then_comes_back(sim):
    payload = render_bytes(sample_label(), "zpl")
    sim.set_fault("off")
    with pytest.raises(PrinterOffline) as err:
        send_job(url_of(sim), "zpl", payload, FAST)
    assert err.value.reason == "Принтер выключен или не отвечает"
    assert "соединение отклонено" in str(err.value)
    sim.set_fault(None)
    send_job(url_of(sim), "zpl", payload, FAST)
    assert len(sim.wait_for_jobs(1)) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_out_of_paper_is_reported_before_sending(sim, language):
    sim.set_fault("paper_out")
    with pytest.raises(PaperOut) as err:
        send_job(url_of(sim), language, render_bytes(sample_label(), language), FAST)
    assert err.value.reason == "В принтере закончились этикетки"
    time.sleep(0.2)
    assert sim.jobs == [] and sim.held == []


def test_held_job_prints_when_labels_are_loaded(sim):
    sim.set_fault("paper_out")
    send_job(url_of(sim), "tspl", render_bytes(sample_label(), "tspl"), FAST, check_status=False)
    deadline = time.monotonic() + 3
    while not sim.held and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sim.jobs == [] and len(sim.held) == 1
    sim.set_fault(None)
    assert len(sim.wait_for_jobs(1)) == 1


def test_fault_file_switches_a_running_simulator(sim):
    (sim.dir / "fault").write_text("head_open\n")
    deadline = time.monotonic() + 3
    while sim.fault != "head_open" and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(HeadOpen):
        send_job(url_of(sim), "tspl", render_bytes(sample_label(), "tspl"), FAST)


def test_silent_printer_is_assumed_ready(sim):
    sim.set_fault("silent")
    result = send_job(url_of(sim), "zpl", render_bytes(sample_label(), "zpl"), FAST)
    assert result.status_checked is False
    assert len(sim.wait_for_jobs(1)) == 1


def test_serial_printer_on_a_pty(sim):
    url = f"serial://{sim.pty_path}?baud=9600"
    result = send_job(url, "tspl", render_bytes(sample_label(), "tspl"), FAST)
    assert result.status_checked
    (job,) = sim.wait_for_jobs(1)
    assert job.via.startswith("pty") and job.barcodes == ["TEST-0042"]
    sim.set_fault("paper_out")
    with pytest.raises(PaperOut):
        send_job(url, "escpos", render_bytes(sample_label(), "escpos"), FAST)


def test_status_replies_of_real_printers():
    # ZPL ~HS strings as printed in the ZPL II Programming Guide (~HS), paper out set.
    hs = (b"\x02030,1,0,1245,000,0,0,0,000,0,0,0\x03\r\n"
          b"\x02001,0,0,0,1,2,6,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n")
    with pytest.raises(PaperOut):
        check_status_reply("zpl", hs)
    with pytest.raises(HeadOpen):
        check_status_reply("zpl", hs.replace(b"030,1,", b"030,0,").replace(b"001,0,0,", b"001,0,1,"))
    check_status_reply("tspl", b"\x00")
    with pytest.raises(PaperOut):
        check_status_reply("tspl", b"\x04")
    check_status_reply("escpos", b"\x12")
    with pytest.raises(PaperOut):
        check_status_reply("escpos", b"\x32")


def test_missing_usb_printer_is_not_connected(tmp_path):
    with pytest.raises(PrinterNotConnected) as err:
        send_job("file:///dev/usb/lp9", "zpl", b"^XA^XZ", FAST)
    assert "Принтер не подключён" in str(err.value)
    with pytest.raises(PrinterNotConnected):
        send_job("serial:///dev/ttyUSB9", "tspl", b"CLS\r\n", FAST)


def test_dir_transport_writes_one_file_per_job(tmp_path):
    send_job(f"dir://{tmp_path}/out", "tspl", b"SIZE 58 mm,40 mm\r\nPRINT 1\r\n", FAST, name="7")
    (f,) = (tmp_path / "out").iterdir()
    assert f.name.endswith("-7.tspl") and f.read_bytes().startswith(b"SIZE")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_simulator_runs_standalone(tmp_path):
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "hardware.sim.printer_sim", "--port", str(port),
                             "--dir", str(tmp_path / "sim")], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                result = send_job(f"tcp://127.0.0.1:{port}", "zpl", render_bytes(sample_label(), "zpl"), FAST)
                break
            except PrinterOffline:
                assert time.monotonic() < deadline, "simulator did not start listening"
                time.sleep(0.1)
        assert result.status_checked
        log = tmp_path / "sim" / "jobs.jsonl"
        while not log.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        job = json.loads(log.read_text().splitlines()[0])
        assert job["language"] == "zpl" and job["barcodes"] == ["TEST-0042"]
        assert (tmp_path / "sim" / job["preview_file"]).exists()
    finally:
        proc.terminate()
        proc.wait(timeout=5)
