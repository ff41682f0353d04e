"""A fake label printer: a raw TCP port (like 9100) and optionally a pty (like a serial printer).

It answers status queries the way real printers do (ZPL ``~HS``, TSPL ``<ESC>!?``,
ESC/POS ``DLE EOT n``) when they come before a job's data, stores every job it receives
(``job-000001.zpl`` ...), and renders what it would have printed to ``job-000001.png``,
with one JSON line per job in ``jobs.jsonl``.

Faults, set by :meth:`PrinterSimulator.set_fault` or by writing the word into the file
``<dir>/fault`` (so a running ``make run`` can be switched from a shell):
``off`` — the port refuses connections and the pty swallows bytes unanswered;
``paper_out`` / ``head_open`` — status answers say so, and jobs are held (printed when
the fault is cleared, as a real printer does when labels are loaded);
``silent`` — prints, but never answers a status query.

Run alone: ``python -m hardware.sim.printer_sim --port 9101 --dir var/printer-sim [--pty]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import select
import signal
import socket
import threading
import time
import tty
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from hardware.printer.raster import png_bytes, scan_code128
from hardware.sim.label_interpreter import detect_language, interpret

log = logging.getLogger(__name__)

FAULTS = ("off", "paper_out", "head_open", "silent")
EXTENSIONS = {"zpl": "zpl", "tspl": "tspl", "escpos": "bin"}
QUERIES = (b"~HS", b"\x1b!?", b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x03", b"\x10\x04\x04")


def status_reply(query: bytes, fault: str | None) -> bytes:
    paper_out = fault == "paper_out"
    head_open = fault == "head_open"
    if query == b"~HS":
        s1 = f"\x02030,{int(paper_out)},0,0320,000,0,0,0,000,0,0,0\x03\r\n"
        s2 = f"\x02001,0,{int(head_open)},0,0,2,6,0,00000000,1,000\x03\r\n"
        s3 = "\x021234,0\x03\r\n"
        return (s1 + s2 + s3).encode("ascii")
    if query == b"\x1b!?":
        return bytes([(0x04 if paper_out else 0) | (0x01 if head_open else 0)])
    n = query[2]
    b = 0x12
    if n == 2:
        b |= (0x20 if paper_out else 0) | (0x04 if head_open else 0)
    elif n == 4:
        b |= 0x60 if paper_out else 0
    elif n == 1 and (paper_out or head_open):
        b |= 0x08  # offline
    return bytes([b])


@dataclass
class ReceivedJob:
    id: int
    language: str
    received_at: str
    bytes: int
    labels: int
    data_file: str
    preview_file: str
    via: str
    texts: list[str]
    barcodes: list[str]
    qrcodes: list[str]


class _Stream:
    """Per-connection state: status queries are answered until job data starts."""

    def __init__(self, sim: PrinterSimulator, via: str):
        self.sim, self.via = sim, via
        self.buf = bytearray()
        self.job = bytearray()

    def feed(self, data: bytes) -> bytes:
        """Take received bytes; return what to answer."""
        self.buf += data
        answer = b""
        while self.buf and not self.job:
            q = next((q for q in QUERIES if self.buf.startswith(q)), None)
            if q is not None:
                del self.buf[:len(q)]
                if self.sim.fault != "silent":
                    answer += status_reply(q, self.sim.fault)
                continue
            if any(q.startswith(bytes(self.buf)) for q in QUERIES):
                break  # a query split across reads: wait for the rest
            # A leading newline between a query and the job is noise, not a job.
            while self.buf[:1] in (b"\r", b"\n", b" "):
                del self.buf[:1]
            self.job += self.buf
            self.buf.clear()
        if self.job and self.buf:
            self.job += self.buf
            self.buf.clear()
        return answer

    def finish(self) -> ReceivedJob | None:
        data, self.job = bytes(self.job), bytearray()
        if not data.strip():
            return None
        return self.sim.receive(data, self.via)


class PrinterSimulator:
    def __init__(self, directory: str | Path, host: str = "127.0.0.1", port: int = 9101,
                 use_pty: bool = False, idle_s: float = 0.4):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.host, self.port = host, port
        self.use_pty = use_pty
        self.idle_s = idle_s
        self.fault: str | None = None
        self.jobs: list[ReceivedJob] = []
        self.held: list[tuple[bytes, str]] = []
        self.pty_path: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._next_id = self._last_id() + 1
        self._fault_mtime = None

    # --- lifecycle ---------------------------------------------------------------
    def start(self) -> PrinterSimulator:
        self._read_fault_file(force=True)
        if self.fault != "off":
            self._open_listener()
        self._spawn(self._accept_loop, "printer-sim-tcp")
        self._spawn(self._control_loop, "printer-sim-control")
        if self.use_pty:
            master, slave = os.openpty()
            tty.setraw(slave)
            self._pty_master, self._pty_slave = master, slave
            self.pty_path = os.ttyname(slave)
            self._spawn(self._pty_loop, "printer-sim-pty")
        log.info("printer simulator on %s:%s%s, jobs in %s", self.host, self.port,
                 f" and {self.pty_path}" if self.pty_path else "", self.dir)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._close_listener()
        for t in self._threads:
            t.join(timeout=2)
        if self.use_pty:
            for fd in (self._pty_master, self._pty_slave):
                try:
                    os.close(fd)
                except OSError:
                    pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _spawn(self, target, name):
        t = threading.Thread(target=target, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    # --- faults ------------------------------------------------------------------
    def set_fault(self, fault: str | None) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {FAULTS}")
        path = self.dir / "fault"
        if fault:
            path.write_text(fault + "\n")
        elif path.exists():
            path.unlink()
        self._apply_fault(fault)

    def _apply_fault(self, fault: str | None) -> None:
        with self._lock:
            old, self.fault = self.fault, fault
        if old == fault:
            return
        log.info("printer simulator fault: %s -> %s", old or "none", fault or "none")
        if fault == "off":
            self._close_listener()
        elif old == "off":
            self._open_listener()
        if fault not in ("paper_out", "head_open") and self.held:
            held, self.held = self.held, []
            for data, via in held:
                self.receive(data, via)

    def _read_fault_file(self, force: bool = False) -> None:
        path = self.dir / "fault"
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            mtime = None
        if not force and mtime == self._fault_mtime:
            return
        self._fault_mtime = mtime
        word = path.read_text().strip() if mtime is not None else ""
        self._apply_fault(word if word in FAULTS else None)

    def _control_loop(self) -> None:
        while not self._stop.wait(0.3):
            try:
                self._read_fault_file()
            except OSError:
                log.exception("reading the fault file")

    # --- TCP -----------------------------------------------------------------------
    def _open_listener(self) -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self.port))
        s.listen(8)
        s.settimeout(0.2)
        self.port = s.getsockname()[1]
        self._listener = s

    def _close_listener(self) -> None:
        s, self._listener = self._listener, None
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)  # on Linux this stops listening at once, even mid-accept
            except OSError:
                pass
            s.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            s = self._listener
            if s is None:
                time.sleep(0.1)
                continue
            try:
                conn, addr = s.accept()
            except (TimeoutError, OSError):
                continue
            self._spawn(lambda c=conn, a=addr: self._serve(c, a), "printer-sim-conn")

    def _serve(self, conn: socket.socket, addr) -> None:
        stream = _Stream(self, f"tcp {addr[0]}:{addr[1]}")
        conn.settimeout(30)
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except (TimeoutError, OSError):
                    break
                if not data:
                    break
                answer = stream.feed(data)
                if answer:
                    conn.sendall(answer)
        stream.finish()

    # --- pty -----------------------------------------------------------------------
    def _pty_loop(self) -> None:
        stream = _Stream(self, f"pty {self.pty_path}")
        last = time.monotonic()
        while not self._stop.is_set():
            r, _, _ = select.select([self._pty_master], [], [], 0.1)
            if not r:
                if (stream.job or stream.buf) and time.monotonic() - last > self.idle_s:
                    stream.buf.clear()
                    stream.finish()
                continue
            try:
                data = os.read(self._pty_master, 65536)
            except OSError:
                time.sleep(0.1)
                continue
            last = time.monotonic()
            if self.fault == "off":
                continue
            answer = stream.feed(data)
            if answer:
                os.write(self._pty_master, answer)

    # --- jobs ----------------------------------------------------------------------
    def _last_id(self) -> int:
        ids = [int(p.stem.split("-")[1]) for p in self.dir.glob("job-*.png") if p.stem.split("-")[1].isdigit()]
        return max(ids, default=0)

    def receive(self, data: bytes, via: str) -> ReceivedJob | None:
        if self.fault in ("paper_out", "head_open"):
            log.info("job of %d bytes held: printer has %s", len(data), self.fault)
            self.held.append((data, via))
            return None
        language = detect_language(data)
        try:
            rendered = interpret(data, language)
        except Exception:  # a preview must never take the printer down
            log.exception("could not interpret a %s job of %d bytes", language, len(data))
            rendered = None
        if rendered is not None and not rendered.barcodes:
            rendered.barcodes = scan_code128(rendered.image)  # a raster job: read it like a scanner
        with self._lock:
            job_id = self._next_id
            self._next_id += 1
        stem = f"job-{job_id:06d}"
        data_file = self.dir / f"{stem}.{EXTENSIONS[language]}"
        preview = self.dir / f"{stem}.png"
        data_file.write_bytes(data)
        if rendered is not None:
            tmp = preview.with_suffix(".png.part")
            tmp.write_bytes(png_bytes(rendered.image))
            tmp.replace(preview)
        job = ReceivedJob(
            id=job_id, language=language, received_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            bytes=len(data), labels=rendered.labels if rendered else 0, data_file=data_file.name,
            preview_file=preview.name if rendered else "", via=via,
            texts=rendered.texts if rendered else [], barcodes=rendered.barcodes if rendered else [],
            qrcodes=rendered.qrcodes if rendered else [])
        with self._lock:
            self.jobs.append(job)
            with (self.dir / "jobs.jsonl").open("a", encoding="utf-8") as f:
                f.write(json.dumps(asdict(job), ensure_ascii=False) + "\n")
        log.info("printed job %d: %s, %d bytes, %d label(s), via %s", job_id, language, len(data), job.labels, via)
        return job

    def wait_for_jobs(self, count: int, timeout_s: float = 5.0) -> list[ReceivedJob]:
        deadline = time.monotonic() + timeout_s
        while len(self.jobs) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.jobs)


def recent_jobs(directory: str | Path, limit: int = 12) -> list[dict]:
    """The last jobs a simulator stored in ``directory`` (newest first), for the UI."""
    path = Path(directory) / "jobs.jsonl"
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    out = []
    for line in reversed(lines):
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Simulated label printer (ZPL/TSPL/ESC-POS)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9101)
    parser.add_argument("--dir", default="var/printer-sim")
    parser.add_argument("--pty", action="store_true", help="also listen on a pty (printed at start)")
    parser.add_argument("--fault", choices=FAULTS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    sim = PrinterSimulator(args.dir, args.host, args.port, use_pty=args.pty)
    try:
        sim.start()
    except OSError as exc:
        log.error("printer simulator: cannot listen on %s:%s: %s", args.host, args.port, exc)
        return 2
    if args.fault:
        sim.set_fault(args.fault)
    if sim.pty_path:
        print(f"pty: {sim.pty_path}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    stop.wait()
    sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
