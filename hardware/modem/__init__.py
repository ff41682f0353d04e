"""AT-command driver for a USB GSM modem over pyserial, and its watchdog.

Written against 3GPP TS 27.005 (SMS, PDU mode) and 27.007 (general AT), and
the quirks of the modems Russian shops actually plug in: Huawei E173/E1550/
E3131 sticks ("COMMAND NOT SUPPORT", ^RSSI/^BOOT/^MODE noise, ^SMMEMFULL),
SIMCom SIM800/SIM900 boards (echo on after ATZ, +CMTI in the middle of a
response), Wavecom/Sierra Fastrack (+CPIN reply without OK) and Quectel
M35/EC25 (`> ` prompt arriving late).

One reader thread owns the port's input. Each line either belongs to the
command in flight (ended by one regex: OK / ERROR / +CMS ERROR / +CME ERROR /
vendor variants) or is an unsolicited result code that goes to `events`
(a queue.Queue) and to the optional callback. A command that gets no final
result in time raises ModemTimeout carrying the partial reply.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import threading
import time
from dataclasses import dataclass, field

import serial

from hardware.modem.errors import (
    CommandError,
    ModemError,
    ModemGone,
    ModemTimeout,
    SendUncertain,
    error_from_line,
)
from hardware.modem.pdu import SubmitPdu

log = logging.getLogger(__name__)

FINAL_RE = re.compile(
    r"^(OK|ERROR|\+CM[ES] ERROR: ?.*|COMMAND NOT SUPPORT|TOO MANY PARAMETERS|NO CARRIER)$")
ERROR_RE = re.compile(r"^(ERROR|\+CM[ES] ERROR: ?.*|COMMAND NOT SUPPORT|TOO MANY PARAMETERS|NO CARRIER)$")
# Result codes a modem sends on its own. "+CREG: n" with one field is a URC;
# "+CREG: n,stat" answers AT+CREG? (the prefix rule below sorts that out).
URC_RE = re.compile(
    r"^(\+CMTI:|\+CDSI:|\+CDS:|\+CMT:|\+CBM:|RING$|\+CRING:|\+CLIP:|\+CUSD:|\+CREG:|\+CGREG:|"
    r"\^RSSI:|\^BOOT:|\^MODE:|\^SRVST:|\^SIMST:|\^DSFLOWRPT:|\^SMMEMFULL|\^CEND:|\^ORIG:|\^CONF:|"
    r"\^CONN:|\^HCSQ:|\^RSSILVL:|\+CIEV:|NO CARRIER$|Call Ready|SMS Ready|\+CPIN: NOT READY|RDY$)")
# URCs whose header line is followed by a PDU line.
URC_WITH_PDU = ("+CDS:", "+CMT:", "+CBM:")


@dataclass
class Event:
    """Something the modem said on its own.

    kind: "sms_stored" (mem, index), "report_stored" (mem, index), "sms" (pdu),
    "status_report" (pdu), "ring", "caller_id" (number), "call_end",
    "storage_full" (mem), "other" (line)."""
    kind: str
    mem: str | None = None
    index: int | None = None
    pdu: str | None = None
    number: str | None = None
    line: str = ""
    at: float = field(default_factory=time.monotonic)


@dataclass
class StoredMessage:
    index: int
    stat: int          # 0 unread, 1 read, 2 unsent, 3 sent
    pdu: str
    mem: str = "SM"


def _unquote(s: str) -> str:
    s = s.strip()
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def parse_urc(line: str, pdu: str | None = None) -> Event:
    head, _, rest = line.partition(":")
    fields = [_unquote(x) for x in rest.split(",")] if rest else []
    if head in ("+CMTI", "+CDSI") and len(fields) >= 2 and fields[1].strip().isdigit():
        kind = "sms_stored" if head == "+CMTI" else "report_stored"
        return Event(kind, mem=fields[0] or "SM", index=int(fields[1]), line=line)
    if head == "+CMT":
        return Event("sms", pdu=pdu, line=line)
    if head == "+CDS":
        return Event("status_report", pdu=pdu, line=line)
    if line == "RING" or head == "+CRING":
        return Event("ring", line=line)
    if head == "+CLIP":
        return Event("caller_id", number=fields[0] if fields else None, line=line)
    if line in ("NO CARRIER",) or head == "^CEND":
        return Event("call_end", line=line)
    if head == "^SMMEMFULL":
        return Event("storage_full", mem=fields[0] if fields else "SM", line=line)
    return Event("other", line=line)


class Modem:
    """One open modem port. Not reentrant: one command at a time (a lock)."""

    def __init__(self, port: str, baudrate: int = 115200, *, command_timeout: float = 5.0,
                 prompt_timeout: float = 10.0, send_timeout: float = 60.0,
                 reset_timeout: float = 10.0, on_event=None) -> None:
        self.port = port
        self.baudrate = baudrate
        self.command_timeout = command_timeout
        self.prompt_timeout = prompt_timeout
        self.send_timeout = send_timeout
        self.reset_timeout = reset_timeout
        self.on_event = on_event
        self.events: queue.Queue[Event] = queue.Queue()
        self.serial: serial.Serial | None = None
        self.alive = False
        self.fatal: Exception | None = None
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._pending: str | None = None       # command text in flight (for echo/ownership)
        self._echo_skip: set[str] = set()
        self._lines: list[str] = []
        self._final: str | None = None
        self._done_re: re.Pattern | None = None
        self._expect_prompt = False
        self._prompt = False
        self._urc_waiting_pdu: str | None = None
        self._thread: threading.Thread | None = None
        self.last_rx = 0.0
        self.last_ok = 0.0  # last command that got its final result: URC chatter proves nothing
        self.storage_mem = "SM"

    # --- port -----------------------------------------------------------------

    def open(self) -> None:
        if not os.path.exists(self.port) and not self.port.startswith(("socket://", "loop://")):
            raise ModemGone(f"порт {self.port} не найден — модем отключён от USB?")
        try:
            self.serial = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=0.05,
                                                write_timeout=5, do_not_open=True)
            if hasattr(self.serial, "exclusive"):
                self.serial.exclusive = True
            self.serial.open()
            self.serial.reset_input_buffer()
        except (serial.SerialException, OSError, ValueError) as exc:
            raise ModemGone(f"не удалось открыть порт {self.port}", detail=str(exc)) from exc
        self.alive = True
        self.fatal = None
        self._thread = threading.Thread(target=self._read_loop, name=f"modem-rx {self.port}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.alive = False
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        if self.serial is not None:
            try:
                self.serial.close()
            except (serial.SerialException, OSError):
                pass
        with self._cond:
            self._cond.notify_all()

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()

    # --- reader ---------------------------------------------------------------

    def _read_loop(self) -> None:
        buf = b""
        try:
            while self.alive:
                data = self.serial.read(self.serial.in_waiting or 1)
                if not data:
                    continue
                self.last_rx = time.monotonic()
                buf += data
                while b"\n" in buf:
                    raw, buf = buf.split(b"\n", 1)
                    line = raw.decode("latin-1").strip("\r\x1a ").strip()
                    if line:
                        self._handle_line(line)
                if self._expect_prompt and buf.lstrip(b"\r\n").startswith(b">"):
                    buf = b""
                    with self._cond:
                        self._prompt = True
                        self._cond.notify_all()
        except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
            if self.alive:
                log.warning("modem port %s failed: %s", self.port, exc)
                self.fatal = exc
        finally:
            self.alive = False
            with self._cond:
                self._cond.notify_all()

    def _owned(self, line: str) -> bool:
        """Does the command in flight own this line's prefix (AT+CREG? owns +CREG:)?"""
        if self._pending is None:
            return False
        head = line.split(":", 1)[0].upper()
        return head.startswith(("+", "^")) and head in self._pending.upper()

    def _handle_line(self, line: str) -> None:
        log.debug("modem rx %r", line)
        if self._urc_waiting_pdu is not None:
            head, self._urc_waiting_pdu = self._urc_waiting_pdu, None
            self._emit(parse_urc(head, pdu=line))
            return
        with self._cond:
            pending = self._pending
            if pending is not None and line.upper() in self._echo_skip:
                return
            if self._expect_prompt and line == ">":  # firmware that ends the prompt with CR LF
                self._prompt = True
                self._cond.notify_all()
                return
            if URC_RE.match(line) and not self._owned(line) and not (
                    line == "NO CARRIER" and pending is not None and pending.upper().startswith("ATD")):
                if line.startswith(URC_WITH_PDU):
                    self._urc_waiting_pdu = line
                    return
                event = parse_urc(line)
            elif pending is None:
                if line.upper().startswith("AT"):
                    return  # echo of a command we gave up on
                event = Event("other", line=line)
            else:
                self._lines.append(line)
                if FINAL_RE.match(line) or (self._done_re is not None and self._done_re.match(line)):
                    self._final = line
                    self._cond.notify_all()
                return
        self._emit(event)

    def _emit(self, event: Event) -> None:
        log.log(logging.DEBUG if event.kind == "other" else logging.INFO, "modem event %s %s", event.kind, event.line)
        self.events.put(event)
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:  # a bad callback must not kill the reader
                log.exception("modem event callback failed")

    # --- commands ---------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        if not self.alive:
            raise ModemGone("связь с модемом потеряна", detail=str(self.fatal or ""))
        try:
            self.serial.write(data)
            self.serial.flush()
        except (serial.SerialException, OSError) as exc:
            raise ModemGone("связь с модемом потеряна", detail=str(exc)) from exc

    def _wait(self, predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                if not self.alive:
                    raise ModemGone("связь с модемом потеряна", detail=str(self.fatal or ""))
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.2))
        return True

    def _begin(self, cmd: str, echo: tuple[str, ...] = (), done: str | None = None) -> None:
        with self._cond:
            self._pending = cmd
            self._echo_skip = {cmd.upper(), *(e.upper() for e in echo)}
            self._lines = []
            self._final = None
            self._done_re = re.compile(done) if done else None
            self._prompt = False

    def _end(self) -> list[str]:
        with self._cond:
            lines = self._lines
            self._pending = None
            self._expect_prompt = False
            self._done_re = None
            self._lines = []
        return lines

    def command(self, cmd: str, timeout: float | None = None, done: str | None = None) -> list[str]:
        """Send `cmd`, return the reply lines without the final OK.

        `done` is a regex of a line that also ends the reply (Wavecom answers
        AT+CPIN? with "+CPIN: READY" and no OK)."""
        timeout = self.command_timeout if timeout is None else timeout
        with self._lock:
            self._begin(cmd, done=done)
            try:
                self._write(cmd.encode("ascii") + b"\r")
                if not self._wait(lambda: self._final is not None, timeout):
                    raise ModemTimeout(cmd, list(self._lines), timeout)
                final = self._final
                if done and not FINAL_RE.match(final):
                    # Modems that do send OK after it: swallow it now, not as the next reply.
                    self._wait(lambda: bool(self._lines) and FINAL_RE.match(self._lines[-1]), 0.3)
                    if FINAL_RE.match(self._lines[-1]):
                        final = self._lines[-1]
            finally:
                lines = self._end()
        self.last_ok = time.monotonic()
        if ERROR_RE.match(final):
            raise error_from_line(cmd, final)
        return lines[:-1] if FINAL_RE.match(final) else lines

    def send_pdu(self, pdu: SubmitPdu) -> int:
        """AT+CMGS in PDU mode; returns the message reference (TP-MR) the
        network will quote in the status report.

        Before the PDU is written a failure is safe to retry (ModemTimeout /
        CommandError); after, silence raises SendUncertain."""
        cmd = f"AT+CMGS={pdu.tpdu_length}"
        with self._lock:
            self._begin(cmd, echo=(pdu.hex,))
            try:
                with self._cond:
                    self._expect_prompt = True
                self._write(cmd.encode("ascii") + b"\r")
                got = self._wait(lambda: self._prompt or self._final is not None, self.prompt_timeout)
                if not got:
                    self._write(b"\x1b")  # ESC cancels the pending submit
                    raise ModemTimeout(cmd, list(self._lines), self.prompt_timeout)
                if self._final is not None:
                    raise error_from_line(cmd, self._final)
                with self._cond:
                    self._expect_prompt = False
                self._write(pdu.hex.encode("ascii") + b"\x1a")
                try:
                    got = self._wait(lambda: self._final is not None, self.send_timeout)
                except ModemGone as exc:
                    raise SendUncertain("связь с модемом пропала во время отправки",
                                        detail=str(exc)) from exc
                if not got:
                    raise SendUncertain("модем не подтвердил отправку",
                                        detail=f"нет ответа за {self.send_timeout:g} с")
                final, lines = self._final, list(self._lines)
            finally:
                self._end()
        self.last_ok = time.monotonic()
        if ERROR_RE.match(final):
            raise error_from_line(cmd, final)
        for line in lines:
            if line.startswith("+CMGS:"):
                return int(line.split(":", 1)[1].strip().split(",")[0])
        raise SendUncertain("модем ответил OK без номера сообщения", detail=" / ".join(lines))

    # --- higher-level queries ------------------------------------------------------

    def init(self) -> None:
        """Reset and configure: echo off, numeric errors, PDU mode, new-message
        and status-report indications, caller ID."""
        self.command("ATZ", timeout=self.reset_timeout)
        self.command("ATE0")
        self.command("AT+CMEE=1")
        self.command("AT+CMGF=0")
        for cnmi in ("AT+CNMI=2,1,0,1,0", "AT+CNMI=2,1,0,2,0", "AT+CNMI=2,1"):
            try:
                self.command(cnmi)
                break
            except CommandError:
                continue
        try:
            self.command("AT+CLIP=1")
        except CommandError:
            log.info("modem %s does not report caller ID", self.port)
        try:
            self.command('AT+CPMS="SM","SM","SM"')
        except CommandError:
            pass
        self.storage_mem = "SM"
        try:
            self.command("AT+COPS=3,0")
        except CommandError:
            pass

    def ping(self, timeout: float = 2.0) -> None:
        self.command("AT", timeout=timeout)

    def _value(self, cmd: str, prefix: str | None = None) -> str:
        lines = self.command(cmd)
        for line in lines:
            if prefix is None or line.startswith(prefix):
                return line.split(":", 1)[1].strip() if prefix else line.strip()
        return ""

    def identity(self) -> dict:
        return {"manufacturer": self._value("AT+CGMI"), "model": self._value("AT+CGMM"),
                "revision": self._safe(lambda: self._value("AT+CGMR")),
                "imei": self._value("AT+CGSN")}

    @staticmethod
    def _safe(fn, default=""):
        try:
            return fn()
        except CommandError:
            return default

    def sim_status(self) -> str:
        """READY, SIM PIN, SIM PUK..., or NOT INSERTED."""
        try:
            lines = self.command("AT+CPIN?", done=r"^\+CPIN: ")
            for line in lines:
                if line.startswith("+CPIN:"):
                    return line.split(":", 1)[1].strip()
            return "UNKNOWN"
        except CommandError as exc:
            if getattr(exc, "code", None) in (10, 310):
                return "NOT INSERTED"
            raise

    def signal(self) -> tuple[int | None, int | None]:
        """(+CSQ rssi 0..31 or None, dBm or None)."""
        raw = self._value("AT+CSQ", "+CSQ:")
        try:
            rssi = int(raw.split(",")[0])
        except ValueError:
            return None, None
        if rssi == 99:
            return None, None
        return rssi, -113 + 2 * rssi

    def registration(self) -> int | None:
        """+CREG stat: 0 not registered, 1 home, 2 searching, 3 denied, 5 roaming."""
        raw = self._value("AT+CREG?", "+CREG:")
        parts = raw.split(",")
        try:
            return int(parts[1] if len(parts) > 1 else parts[0])
        except (ValueError, IndexError):
            return None

    def operator(self) -> str:
        raw = self._value("AT+COPS?", "+COPS:")
        parts = raw.split(",")
        return _unquote(parts[2]) if len(parts) >= 3 else ""

    def storage(self) -> tuple[int, int] | None:
        raw = self._value("AT+CPMS?", "+CPMS:")
        parts = [_unquote(p) for p in raw.split(",")]
        try:
            return int(parts[1]), int(parts[2])
        except (ValueError, IndexError):
            return None

    def use_storage(self, mem: str | None) -> None:
        """Point read/delete at SM (SIM) or ME (modem memory); +CMTI names the one it used."""
        mem = (mem or "SM").upper()
        if mem != self.storage_mem:
            self.command(f'AT+CPMS="{mem}"')
            self.storage_mem = mem

    def list_messages(self, stat: int = 4, mem: str | None = None) -> list[StoredMessage]:
        """All stored messages (AT+CMGL=4), in PDU mode."""
        self.use_storage(mem)
        lines = self.command(f"AT+CMGL={stat}", timeout=max(self.command_timeout, 15))
        out = []
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("+CMGL:") and i + 1 < len(lines):
                fields = line.split(":", 1)[1].split(",")
                out.append(StoredMessage(int(fields[0]), int(fields[1]), lines[i + 1].strip(), self.storage_mem))
                i += 2
            else:
                i += 1
        return out

    def read_message(self, index: int, mem: str | None = None) -> StoredMessage | None:
        self.use_storage(mem)
        lines = self.command(f"AT+CMGR={index}")
        for n, line in enumerate(lines):
            if line.startswith("+CMGR:") and n + 1 < len(lines):
                stat = line.split(":", 1)[1].split(",")[0].strip()
                return StoredMessage(index, int(stat) if stat.isdigit() else 0, lines[n + 1].strip(),
                                     self.storage_mem)
        return None

    def delete_message(self, index: int, mem: str | None = None) -> None:
        self.use_storage(mem)
        self.command(f"AT+CMGD={index}")

    def hang_up(self) -> None:
        try:
            self.command("ATH")
        except CommandError:
            self.command("AT+CHUP")

    def check(self) -> dict:
        """Everything `prilavok modem check` prints."""
        info = self.identity()
        info["sim"] = self.sim_status()
        rssi, dbm = self.signal()
        info.update(rssi=rssi, dbm=dbm, registration=self.registration(),
                    operator=self._safe(self.operator), storage=self._safe(self.storage, None))
        return info


# --- watchdog ---------------------------------------------------------------------

REG_TEXT_RU = {0: "нет регистрации в сети", 1: "домашняя сеть", 2: "поиск сети",
               3: "регистрация отклонена", 4: "неизвестно", 5: "роуминг"}


class ModemWatchdog:
    """Keeps a modem usable: opens and initialises it, pings it when idle, and
    when it stops answering or its port node vanishes (USB sticks hang after
    hours; gammu-smsd users know), closes it, waits for the node to come back,
    reopens and re-initialises. `on_change(up: bool, reason_ru: str)` reports
    every transition; nothing queued is touched here."""

    def __init__(self, port: str, *, baudrate: int = 115200, ping_interval: float = 30.0,
                 ping_timeout: float = 3.0, ping_failures: int = 2, reopen_interval: float = 5.0,
                 modem_kwargs: dict | None = None, on_change=None, on_event=None,
                 clock=time.monotonic) -> None:
        self.port = port
        self.baudrate = baudrate
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.ping_failures = ping_failures
        self.reopen_interval = reopen_interval
        self.modem_kwargs = modem_kwargs or {}
        self.on_change = on_change
        self.on_event = on_event
        self.clock = clock
        self.modem: Modem | None = None
        self.up = False
        self.last_error = ""
        self._failures = 0
        self._last_try = -1e9
        self._last_ok = 0.0
        self.reopens = 0

    def _report(self, up: bool, reason: str) -> None:
        changed = up != self.up
        self.up = up
        if not up:
            self.last_error = reason
        if changed and self.on_change is not None:
            self.on_change(up, reason)

    def _drop(self, reason: str) -> None:
        log.warning("modem %s down: %s", self.port, reason)
        if self.modem is not None:
            self.modem.close()
        self.modem = None
        self._report(False, reason)

    def mark_failed(self, exc: ModemError) -> None:
        """The caller saw the port die mid-command."""
        self._drop(exc.reason_ru)

    def tick(self) -> Modem | None:
        now = self.clock()
        if self.modem is not None and not self.modem.alive:
            self._drop("связь с модемом потеряна (порт исчез)")
        if self.modem is None:
            if now - self._last_try < self.reopen_interval:
                return None
            self._last_try = now
            modem = Modem(self.port, self.baudrate, on_event=self.on_event, **self.modem_kwargs)
            try:
                modem.open()
                modem.init()
            except ModemError as exc:
                modem.close()
                self._report(False, exc.reason_ru)
                return None
            self.modem = modem
            self.reopens += 1
            self._failures = 0
            self._last_ok = now
            self._report(True, "модем на связи")
            return modem
        if now - max(self._last_ok, self.modem.last_ok) >= self.ping_interval:
            try:
                self.modem.ping(self.ping_timeout)
                self._failures = 0
                self._last_ok = now
            except ModemGone as exc:
                self._drop(exc.reason_ru)
                return None
            except ModemError:
                self._failures += 1
                if self._failures >= self.ping_failures:
                    self._drop("модем перестал отвечать")
                    return None
        return self.modem

    def close(self) -> None:
        if self.modem is not None:
            self.modem.close()
        self.modem = None
