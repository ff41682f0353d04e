"""Sending bytes to a label printer, chosen by a URL, with readable errors.

URLs: ``tcp://host:9100`` (raw port of Zebra/TSC/Xprinter network printers),
``serial:///dev/ttyUSB0?baud=9600`` (RS-232 or USB-serial), ``file:///dev/usb/lp0``
(the Linux usblp device node of a USB printer), ``dir:///path`` (each job written to a
file, for debugging), ``sim`` (the simulator on 127.0.0.1, see hardware.sim.printer_sim).

Before a job, the printer's status is asked where the link is two-way (TCP, serial):
ZPL ``~HS``, TSPL ``<ESC>!?``, ESC/POS ``DLE EOT 2``. A printer that does not answer in
time is assumed ready (many cheap network printers never answer, and newer Zebra
firmware stays silent on "media out" too): the job then waits in the printer's buffer.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

SIM_HOST = "127.0.0.1"
SIM_PORT = 9101


class PrinterError(Exception):
    """A job could not be printed; ``reason`` is what staff read, ``detail`` is for the log."""

    reason = "Ошибка принтера"
    code = "error"
    retryable = True

    def __init__(self, detail: str = "", reason: str | None = None):
        if reason:
            self.reason = reason
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


class PrinterConfigError(PrinterError):
    reason = "Неверный адрес принтера в настройках"
    code = "config"
    retryable = False


class PrinterNotConnected(PrinterError):
    reason = "Принтер не подключён"
    code = "not_connected"


class PrinterOffline(PrinterError):
    reason = "Принтер выключен или не отвечает"
    code = "offline"


class PaperOut(PrinterError):
    reason = "В принтере закончились этикетки"
    code = "paper_out"


class HeadOpen(PrinterError):
    reason = "Открыта крышка принтера"
    code = "head_open"


class PrinterPaused(PrinterError):
    reason = "Принтер стоит на паузе — нажмите кнопку FEED/PAUSE"
    code = "paused"


class PrinterFault(PrinterError):
    reason = "Принтер сообщает об ошибке (замятие или перегрев)"
    code = "fault"


@dataclass
class Timeouts:
    connect_s: float = 3.0
    write_s: float = 10.0
    status_s: float = 1.0


@dataclass
class PrinterUrl:
    scheme: str  # tcp | serial | file | dir
    host: str = ""
    port: int = 0
    path: str = ""
    baud: int = 9600

    def __str__(self) -> str:
        if self.scheme == "tcp":
            return f"tcp://{self.host}:{self.port}"
        if self.scheme == "serial":
            return f"serial://{self.path}?baud={self.baud}"
        return f"{self.scheme}://{self.path}"


def parse_url(url: str, sim_port: int = SIM_PORT) -> PrinterUrl:
    url = (url or "").strip()
    if url == "sim":
        return PrinterUrl("tcp", SIM_HOST, int(sim_port))
    parts = urlsplit(url)
    if parts.scheme == "tcp":
        if not parts.hostname:
            raise PrinterConfigError(f"в адресе {url!r} нет хоста")
        try:
            port = parts.port or 9100
        except ValueError as exc:
            raise PrinterConfigError(f"неверный порт в {url!r}") from exc
        return PrinterUrl("tcp", parts.hostname, port)
    if parts.scheme in ("serial", "file", "dir"):
        path = parts.path or ""
        if not path:
            raise PrinterConfigError(f"в адресе {url!r} нет пути")
        baud = 9600
        if parts.scheme == "serial":
            try:
                baud = int(parse_qs(parts.query).get("baud", ["9600"])[0])
            except ValueError as exc:
                raise PrinterConfigError(f"неверная скорость в {url!r}") from exc
        return PrinterUrl(parts.scheme, path=path, baud=baud)
    raise PrinterConfigError(
        f"{url!r}: ожидается tcp://хост:9100, serial:///dev/ttyUSB0?baud=9600, file:///dev/usb/lp0, dir:///путь или sim")


# --- status replies ------------------------------------------------------------------

STATUS_QUERY = {
    "zpl": b"~HS",
    "tspl": b"\x1b!?",
    "escpos": b"\x10\x04\x02",
}


def reply_complete(language: str, data: bytes) -> bool:
    if language == "zpl":
        return data.count(b"\x03") >= 3
    return len(data) >= 1


def check_status_reply(language: str, data: bytes) -> None:
    """Raise the matching error when a status reply says the printer cannot print.

    The raw reply goes to the log, not into the message staff read.
    """
    if not data:
        return
    log.info("%s status reply: %r", language, data[:120])
    if language == "zpl":
        strings = [s.strip(b"\x02\r\n ") for s in data.split(b"\x03")]
        s1 = strings[0].split(b",") if strings else []
        s2 = strings[1].split(b",") if len(strings) > 1 else []
        if len(s1) > 1 and s1[1] == b"1":
            raise PaperOut()
        if len(s2) > 2 and s2[2] == b"1":
            raise HeadOpen()
        if len(s1) > 2 and s1[2] == b"1":
            raise PrinterPaused()
        return
    b = data[0]
    if language == "tspl":
        if b & 0x04:
            raise PaperOut()
        if b & 0x01 or b & 0x40:
            raise HeadOpen()
        if b & 0x02 or b & 0x80:
            raise PrinterFault()
        if b & 0x10:
            raise PrinterPaused()
        return
    if language == "escpos":
        if b & 0x93 != 0x12:  # fixed bits of a DLE EOT reply: 0xx1xx10
            log.info("ignoring a non-status byte 0x%02X from an ESC/POS printer", b)
            return
        if b & 0x20:
            raise PaperOut()
        if b & 0x04:
            raise HeadOpen()
        if b & 0x40:
            raise PrinterFault()


# --- transports ------------------------------------------------------------------------

class Transport:
    two_way = False

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read_reply(self, language: str, timeout_s: float) -> bytes:
        return b""

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class TcpTransport(Transport):
    two_way = True

    def __init__(self, url: PrinterUrl, timeouts: Timeouts):
        self.url, self.timeouts = url, timeouts
        try:
            self.sock = socket.create_connection((url.host, url.port), timeout=timeouts.connect_s)
        except ConnectionRefusedError as exc:
            raise PrinterOffline(f"{url}: соединение отклонено") from exc
        except TimeoutError as exc:
            raise PrinterOffline(f"{url}: нет ответа за {timeouts.connect_s:g} с") from exc
        except socket.gaierror as exc:
            raise PrinterNotConnected(f"{url}: адрес не найден") from exc
        except OSError as exc:
            if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
                raise PrinterNotConnected(f"{url}: нет связи с сетью принтера") from exc
            raise PrinterOffline(f"{url}: {exc.strerror or exc}") from exc

    def write(self, data: bytes) -> None:
        self.sock.settimeout(self.timeouts.write_s)
        try:
            self.sock.sendall(data)
        except TimeoutError as exc:
            raise PrinterOffline(f"{self.url}: принтер не принимает данные") from exc
        except OSError as exc:
            raise PrinterOffline(f"{self.url}: связь оборвалась ({exc.strerror or exc})") from exc

    def read_reply(self, language: str, timeout_s: float) -> bytes:
        data = b""
        deadline = time.monotonic() + timeout_s
        while not reply_complete(language, data):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(4096)
            except TimeoutError:
                break
            except OSError as exc:
                raise PrinterOffline(f"{self.url}: связь оборвалась ({exc.strerror or exc})") from exc
            if not chunk:
                break
            data += chunk
        return data

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        self.sock.close()


class SerialTransport(Transport):
    two_way = True

    def __init__(self, url: PrinterUrl, timeouts: Timeouts):
        import serial  # pyserial; imported here so TCP-only boxes need not load it

        self.url = url
        self._serial_mod = serial
        if not os.path.exists(url.path):
            raise PrinterNotConnected(f"нет устройства {url.path}")
        try:
            self.port = serial.Serial(url.path, url.baud, timeout=timeouts.status_s,
                                      write_timeout=timeouts.write_s)
        except (serial.SerialException, OSError) as exc:
            raise PrinterNotConnected(f"{url.path}: {exc}") from exc

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
            self.port.flush()
        except self._serial_mod.SerialTimeoutException as exc:
            raise PrinterOffline(f"{self.url.path}: принтер не принимает данные") from exc
        except (self._serial_mod.SerialException, OSError) as exc:
            raise PrinterNotConnected(f"{self.url.path}: {exc}") from exc

    def read_reply(self, language: str, timeout_s: float) -> bytes:
        data = b""
        deadline = time.monotonic() + timeout_s
        while not reply_complete(language, data) and time.monotonic() < deadline:
            self.port.timeout = max(0.01, deadline - time.monotonic())
            chunk = self.port.read(1 if language != "zpl" else 256)
            if not chunk:
                break
            data += chunk
        return data

    def close(self) -> None:
        self.port.close()


class FileTransport(Transport):
    """A printer device node (usblp). One-way: usblp reads block on many printers."""

    def __init__(self, url: PrinterUrl, timeouts: Timeouts):
        self.url = url
        flags = os.O_WRONLY | os.O_APPEND
        if not url.path.startswith("/dev/"):
            flags |= os.O_CREAT  # a plain file stands in for a printer (tests, debugging)
        try:
            self.fd = os.open(url.path, flags)
        except FileNotFoundError as exc:
            raise PrinterNotConnected(f"нет устройства {url.path} — принтер выключен или кабель не вставлен") from exc
        except PermissionError as exc:
            raise PrinterNotConnected(f"нет прав на {url.path} (группа lp)") from exc
        except OSError as exc:
            raise PrinterOffline(f"{url.path}: {exc.strerror or exc}") from exc

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                n = os.write(self.fd, view)
                view = view[n:]
        except OSError as exc:
            if exc.errno in (errno.ENODEV, errno.ENXIO):
                raise PrinterNotConnected(f"{self.url.path}: устройство отключилось") from exc
            raise PrinterOffline(f"{self.url.path}: {exc.strerror or exc}") from exc

    def close(self) -> None:
        os.close(self.fd)


EXTENSIONS = {"zpl": "zpl", "tspl": "tspl", "escpos": "bin"}


class DirTransport(Transport):
    """Each job becomes a file in a directory (debugging; also a "print to nowhere")."""

    def __init__(self, url: PrinterUrl, timeouts: Timeouts, language: str = "zpl", name: str = "job"):
        self.dir = Path(url.path)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PrinterNotConnected(f"папка {self.dir}: {exc.strerror or exc}") from exc
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        self.path = self.dir / f"{stamp}-{name}.{EXTENSIONS.get(language, 'bin')}"
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.chunks.append(data)

    def close(self) -> None:
        if self.chunks:
            tmp = self.path.with_suffix(self.path.suffix + ".part")
            tmp.write_bytes(b"".join(self.chunks))
            tmp.replace(self.path)


def open_transport(url: str | PrinterUrl, timeouts: Timeouts | None = None, language: str = "zpl",
                   name: str = "job", sim_port: int = SIM_PORT) -> Transport:
    timeouts = timeouts or Timeouts()
    u = url if isinstance(url, PrinterUrl) else parse_url(url, sim_port)
    if u.scheme == "tcp":
        return TcpTransport(u, timeouts)
    if u.scheme == "serial":
        return SerialTransport(u, timeouts)
    if u.scheme == "file":
        return FileTransport(u, timeouts)
    return DirTransport(u, timeouts, language, name)


@dataclass
class SendResult:
    bytes_sent: int
    status_checked: bool
    target: str


def query_status(transport: Transport, language: str, timeout_s: float) -> bool:
    """Ask the printer whether it can print; raises PrinterError if it says no.

    Returns whether an answer came at all (False: the printer is silent, assumed ready).
    """
    query = STATUS_QUERY.get(language)
    if not transport.two_way or not query:
        return False
    transport.write(query)
    reply = transport.read_reply(language, timeout_s)
    check_status_reply(language, reply)
    return bool(reply)


def probe(url: str | PrinterUrl, language: str, timeouts: Timeouts | None = None,
          sim_port: int = SIM_PORT) -> bool:
    """Check a printer without printing: it is reachable and, where it answers, ready.

    Returns whether it answered a status query; raises PrinterError when it cannot print.
    A dir:// target is always ready; nothing is written to any printer.
    """
    timeouts = timeouts or Timeouts()
    u = url if isinstance(url, PrinterUrl) else parse_url(url, sim_port)
    if u.scheme == "dir":
        return False
    with open_transport(u, timeouts, language) as transport:
        return query_status(transport, language, timeouts.status_s)


def send_job(url: str | PrinterUrl, language: str, payload: bytes, timeouts: Timeouts | None = None,
             check_status: bool = True, name: str = "job", sim_port: int = SIM_PORT) -> SendResult:
    """Send one job; raise a PrinterError subclass with a Russian reason when it cannot."""
    timeouts = timeouts or Timeouts()
    u = url if isinstance(url, PrinterUrl) else parse_url(url, sim_port)
    with open_transport(u, timeouts, language, name) as transport:
        checked = query_status(transport, language, timeouts.status_s) if check_status else False
        transport.write(payload)
    log.info("sent %d bytes of %s to %s (status %s)", len(payload), language, u,
             "checked" if checked else "not answered")
    return SendResult(len(payload), checked, str(u))
