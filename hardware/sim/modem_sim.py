"""A fake GSM modem on a real pty (os.openpty), speaking the AT subset the
driver uses, with real-modem habits and faults a test (or `make run`) can turn on.

The driver opens `sim.port` - a symlink that plays /dev/serial/by-id/...: it
vanishes on unplug() and points at a fresh pty on replug(), the way a USB
modem's node disappears and comes back.

Habits (see hardware/modem.py for the models they come from): echo on after
power-up and ATZ; verbose result codes framed by CR LF; `> ` prompt without a
line end, optionally late; +CMTI pushed into the middle of the next command's
reply; Huawei-style ^RSSI noise and "COMMAND NOT SUPPORT"; Wavecom +CPIN
without OK; storage that fills up (the network then holds new messages until
space is freed); "no credit" (+CMS ERROR: 21 on every send); an occasional
+CMS ERROR: 500; delivery reports (+CDS or +CDSI as configured by AT+CNMI);
incoming calls as RING + +CLIP.

Everything the simulator "transmitted" is decoded and kept in `transmitted`
(whole messages, parts joined) so tests assert the exact text a phone gets.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import select
import threading
import time
import tty
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from hardware.modem import pdu as pdulib

log = logging.getLogger(__name__)

MSK = timezone(timedelta(hours=3))

PROFILES = {
    "simcom": {"manufacturer": "SIMCOM_Ltd", "model": "SIMCOM_SIM800L",
               "revision": "Revision:1418B04SIM800L24", "unsupported": "ERROR",
               "call_end": "NO CARRIER", "cpin_ok": True, "noise": None},
    "huawei": {"manufacturer": "huawei", "model": "E173", "revision": "11.126.85.00.209",
               "unsupported": "COMMAND NOT SUPPORT", "call_end": "^CEND:1,0,104,16",
               "cpin_ok": True, "noise": "^RSSI: {rssi}"},
    "wavecom": {"manufacturer": "WAVECOM MODEM", "model": "MULTIBAND  900E  1800",
                "revision": "ERROR", "unsupported": "ERROR", "call_end": None,
                "cpin_ok": False, "noise": None},
}


AUTO_REPLIES = ["10", "9", "Спасибо, заберу завтра", "Хорошо, буду после шести", "А до скольки вы работаете?",
                "8", "Спасибо!", "СТОП"]


@dataclass
class Transmitted:
    number: str
    text: str
    parts: int
    references: list[int]
    status_report: bool
    at: float = field(default_factory=time.time)


class ModemSim:
    def __init__(self, link: str | None = None, profile: str = "simcom", *,
                 own_number: str = "+79990001122", operator: str = "MegaFon",
                 smsc: str = "+79262909090", rssi: int = 20, storage_size: int = 20,
                 seed: int = 0, send_error_rate: float = 0.0, report_delay: float = 0.3,
                 imei: str = "867530012345678", auto_reply_rate: float = 0.0,
                 auto_reply_delay: float = 20.0) -> None:
        self.link = link
        self.profile_name = profile
        self.profile = PROFILES[profile]
        self.own_number = own_number
        self.operator = operator
        self.smsc = smsc
        self.rssi = rssi
        self.imei = imei
        self.storage_size = storage_size
        self.rng = random.Random(seed)
        self.send_error_rate = send_error_rate
        self.report_delay = report_delay
        self.auto_reply_rate = auto_reply_rate      # demo: some "customers" answer
        self.auto_reply_delay = auto_reply_delay
        # What the outside world sees
        self.transmitted: list[Transmitted] = []
        self.sent_parts: list[pdulib.Sms] = []
        self.commands: list[str] = []
        self.storage: dict[int, tuple[int, str]] = {}      # "SM": the SIM card
        self.me_storage: dict[int, tuple[int, str]] = {}   # "ME": the modem's own memory
        self.mem = "SM"
        self.network_queue: list[str] = []     # incoming held by the network while storage is full
        # Faults
        self.mute = False
        self.prompt_delay = 0.0
        self.send_delay = 0.0
        self.hold_send: threading.Event | None = None
        self.fail_sends: list[int] = []
        self.no_credit = False
        self.sim_inserted = True
        self.pin_required = False
        self.registered = True
        self.delivery_reports = True
        self.report_status = 0x00
        self.urc_in_next_reply: list[str] = []
        # State that a reset clears
        self._reset_state()
        self._mr = self.rng.randrange(256)
        self._partial: dict[tuple[str, int], dict[int, pdulib.Sms]] = {}
        self._write_lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.slave_name: str | None = None
        self.plugged = False

    def _store(self) -> dict[int, tuple[int, str]]:
        return self.me_storage if self.mem == "ME" else self.storage

    def _reset_state(self) -> None:
        self.echo = True
        self.cmee = 0
        self.cmgf = 0
        self.cnmi_mt = 0
        self.cnmi_ds = 0
        self.clip = False
        self._replies = 0

    # --- pty lifecycle -----------------------------------------------------------

    @property
    def port(self) -> str:
        return self.link or self.slave_name or ""

    def start(self) -> ModemSim:
        self.replug()
        return self

    def replug(self) -> None:
        if self.plugged:
            return
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.slave_name = os.ttyname(self._slave)
        if self.link:
            tmp = f"{self.link}.tmp{os.getpid()}"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(self.slave_name, tmp)
            os.replace(tmp, self.link)
        self._reset_state()
        self._stop = threading.Event()
        self.plugged = True
        self._thread = threading.Thread(target=self._loop, args=(self._master, self._stop),
                                        name="modem-sim", daemon=True)
        self._thread.start()
        log.info("modem simulator plugged in at %s (%s)", self.port, self.slave_name)

    def unplug(self) -> None:
        """The USB stick is pulled: the node disappears, the open port dies."""
        if not self.plugged:
            return
        self.plugged = False
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        if self.link:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.link)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._master = self._slave = None

    stop = unplug

    # --- I/O -----------------------------------------------------------------------

    def _send(self, data: bytes) -> None:
        with self._write_lock:
            if self._master is None:
                return
            try:
                os.write(self._master, data)
            except OSError:
                pass

    def _lines(self, *lines: str) -> None:
        self._send(b"".join(b"\r\n" + line.encode("latin-1") + b"\r\n" for line in lines))

    def push_urc(self, *lines: str) -> None:
        if not self.mute:
            self._lines(*lines)

    def _loop(self, master: int, stop: threading.Event) -> None:
        buf = b""
        in_pdu: tuple[int, str] | None = None
        while not stop.is_set():
            try:
                ready, _, _ = select.select([master], [], [], 0.05)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:
                time.sleep(0.05)   # nobody has the port open: keep the pty alive
                continue
            if self.mute:
                continue
            buf += data
            while buf:
                if in_pdu is not None:
                    end = min((i for i in (buf.find(b"\x1a"), buf.find(b"\x1b")) if i >= 0), default=-1)
                    if end < 0:
                        break
                    body, term, buf = buf[:end], buf[end:end + 1], buf[end + 1:]
                    length, cmd = in_pdu
                    in_pdu = None
                    if self.echo:
                        self._send(body + term)
                    if term == b"\x1b":
                        self._lines("OK")
                    else:
                        self._handle_pdu(length, body.decode("latin-1").strip())
                    continue
                idx = buf.find(b"\r")
                if idx < 0:
                    break
                line, buf = buf[:idx], buf[idx + 1:]
                if buf.startswith(b"\n"):
                    buf = buf[1:]
                text = line.decode("latin-1").strip()
                if not text:
                    continue
                if self.echo:
                    self._send(line + b"\r")
                self.commands.append(text)
                result = self._handle(text)
                if isinstance(result, tuple) and result[0] == "pdu":
                    in_pdu = (result[1], text)
                    if self.prompt_delay:
                        time.sleep(self.prompt_delay)
                    self._send(b"\r\n> ")

    # --- replies ---------------------------------------------------------------------

    def _reply(self, *lines: str, final: str = "OK") -> None:
        out = list(lines)
        noise = self.profile["noise"]
        self._replies += 1
        if noise and self._replies % 5 == 0:
            out.insert(0, noise.format(rssi=self.rssi))
        if self.urc_in_next_reply:
            at = 1 if out else 0
            out[at:at] = self.urc_in_next_reply
            self.urc_in_next_reply = []
        if final:
            out.append(final)
        self._lines(*out)

    def _error(self, code: int, cms: bool = False) -> None:
        if self.cmee == 0:
            self._reply(final="ERROR")
        else:
            self._reply(final=f"+{'CMS' if cms else 'CME'} ERROR: {code}")

    def _sim_ready(self, cms: bool = False) -> bool:
        if not self.sim_inserted:
            self._error(310 if cms else 10, cms)
            return False
        if self.pin_required:
            self._error(311 if cms else 11, cms)
            return False
        return True

    def _handle(self, cmd: str):
        up = cmd.upper()
        if not up.startswith("AT"):
            self._reply(final="ERROR")
            return None
        body = up[2:]
        prof = self.profile
        if body in ("", "I"):
            return self._reply(prof["manufacturer"]) if body else self._reply()
        if body in ("Z", "&F"):
            self._reset_state()
            return self._reply()
        if body in ("E0", "E1"):
            self.echo = body == "E1"
            return self._reply()
        if body in ("H", "+CHUP"):
            return self._reply()
        if body.startswith("+CMEE="):
            self.cmee = int(body[6:] or 0)
            return self._reply()
        if body == "+CGMI":
            return self._reply(prof["manufacturer"])
        if body == "+CGMM":
            return self._reply(prof["model"])
        if body == "+CGMR":
            if prof["revision"] == "ERROR":
                return self._reply(final="ERROR")
            return self._reply(prof["revision"])
        if body == "+CGSN":
            return self._reply(self.imei)
        if body == "+CPIN?":
            if not self.sim_inserted:
                return self._error(10)
            state = "SIM PIN" if self.pin_required else "READY"
            return self._reply(f"+CPIN: {state}", final="OK" if prof["cpin_ok"] else "")
        if body.startswith("+CPIN="):
            self.pin_required = False
            return self._reply()
        if body == "+CSQ":
            return self._reply(f"+CSQ: {self.rssi if self.registered else 99},99")
        if body == "+CREG?":
            return self._reply(f"+CREG: 0,{1 if self.registered else 2}")
        if body.startswith("+CMGF="):
            self.cmgf = int(body[6:] or 0)
            return self._reply()
        if body.startswith("+CNMI="):
            vals = (body[6:].split(",") + ["0"] * 5)[:5]
            self.cnmi_mt = int(vals[1] or 0)
            self.cnmi_ds = int(vals[3] or 0)
            return self._reply()
        if body.startswith("+CLIP="):
            self.clip = body.endswith("1")
            return self._reply()
        if body == "+CLIP?":
            return self._reply(f"+CLIP: {int(self.clip)},1")
        if body.startswith("+COPS="):
            return self._reply()
        # Everything below needs a SIM
        if body.startswith(("+CPMS", "+COPS?", "+CIMI", "+CSCA", "+CMG")):
            if not self._sim_ready(cms=body.startswith(("+CMG", "+CPMS", "+CSCA"))):
                return None
        if body.startswith("+CPMS="):
            mem = body[6:].split(",")[0].strip('"')
            if mem not in ("SM", "ME") or (mem == "ME" and self.profile_name == "wavecom"):
                return self._error(302, cms=True)
            self.mem = mem
        if body.startswith("+CPMS=") or body == "+CPMS?":
            used, total = len(self._store()), self.storage_size
            if body == "+CPMS?":
                return self._reply(f'+CPMS: "{self.mem}",{used},{total},"SM",{used},{total},"SM",{used},{total}')
            return self._reply(f"+CPMS: {used},{total},{used},{total},{used},{total}")
        if body == "+COPS?":
            if not self.registered:
                return self._reply("+COPS: 0")
            return self._reply(f'+COPS: 0,0,"{self.operator}",2')
        if body == "+CIMI":
            return self._reply("250020123456789")
        if body == "+CSCA?":
            return self._reply(f'+CSCA: "{self.smsc}",145')
        if body.startswith("+CMGS="):
            if self.cmgf != 0:
                return self._error(302, cms=True)
            if not self.registered:
                return self._error(331, cms=True)
            try:
                return ("pdu", int(body[6:]))
            except ValueError:
                return self._error(304, cms=True)
        if body.startswith("+CMGL="):
            lines = []
            for idx in sorted(self._store()):
                stat, hexpdu = self._store()[idx]
                lines += [f"+CMGL: {idx},{stat},,{len(hexpdu) // 2 - 1}", hexpdu]
            self._reply(*lines)
            for idx, (stat, hexpdu) in list(self._store().items()):
                if stat == 0:
                    self._store()[idx] = (1, hexpdu)
            return None
        if body.startswith("+CMGR="):
            idx = int(body[6:])
            if idx not in self._store():
                return self._error(321, cms=True)
            stat, hexpdu = self._store()[idx]
            self._store()[idx] = (1 if stat == 0 else stat, hexpdu)
            return self._reply(f"+CMGR: {stat},,{len(hexpdu) // 2 - 1}", hexpdu)
        if body.startswith("+CMGD="):
            args = body[6:].split(",")
            idx = int(args[0])
            flag = int(args[1]) if len(args) > 1 and args[1] else 0
            if flag == 4:
                self._store().clear()
            elif idx in self._store():
                del self._store()[idx]
            elif flag == 0:
                return self._error(321, cms=True)
            self._reply()
            self._network_retry()
            return None
        if body == "A":
            return self._reply()
        return self._reply(final=prof["unsupported"])

    # --- sending ------------------------------------------------------------------------

    def _handle_pdu(self, length: int, hexpdu: str) -> None:
        try:
            data = bytes.fromhex(hexpdu)
            smsc_len = data[0] + 1
            if len(data) - smsc_len != length:
                raise pdulib.PduError(f"length {length} != {len(data) - smsc_len}")
            sms = pdulib.decode(data)
            if sms.kind != "submit":
                raise pdulib.PduError("not an SMS-SUBMIT")
        except (ValueError, IndexError) as exc:
            log.warning("simulator got a bad PDU: %s", exc)
            return self._error(304, cms=True)
        if self.fail_sends:
            return self._error(self.fail_sends.pop(0), cms=True)
        if self.no_credit:
            return self._error(21, cms=True)
        if self.send_error_rate and self.rng.random() < self.send_error_rate:
            return self._error(500, cms=True)
        self._mr = (self._mr + 1) % 256
        mr = self._mr
        self._record(sms, mr)
        if self.hold_send is not None:
            stop = self._stop
            while not self.hold_send.wait(0.05):
                if stop.is_set():
                    return None
        if self.send_delay:
            time.sleep(self.send_delay)
        self._reply(f"+CMGS: {mr}")
        if self.delivery_reports and sms.status_report_requested and self.cnmi_ds in (1, 2):
            submitted = datetime.now(MSK).replace(microsecond=0)
            report = pdulib.encode_status_report(sms.number, mr, submitted, submitted, self.report_status)
            t = threading.Timer(self.report_delay, self._deliver_report, args=(report,))
            t.daemon = True
            t.start()
        return None

    def _record(self, sms: pdulib.Sms, mr: int) -> None:
        self.sent_parts.append(sms)
        if sms.concat is None or sms.concat.total == 1:
            self.transmitted.append(Transmitted(sms.number, sms.text, 1, [mr], sms.status_report_requested))
            self._maybe_reply(sms.number)
            return
        key = (sms.number, sms.concat.reference)
        parts = self._partial.setdefault(key, {})
        parts[sms.concat.seq] = (sms, mr)
        if len(parts) == sms.concat.total:
            del self._partial[key]
            ordered = [parts[i] for i in sorted(parts)]
            self.transmitted.append(Transmitted(sms.number, "".join(s.text for s, _ in ordered),
                                                len(ordered), [m for _, m in ordered],
                                                sms.status_report_requested))
            self._maybe_reply(sms.number)

    def _maybe_reply(self, number: str) -> None:
        if self.auto_reply_rate and self.rng.random() < self.auto_reply_rate:
            text = self.rng.choice(AUTO_REPLIES)
            t = threading.Timer(self.auto_reply_delay * (0.5 + self.rng.random()),
                                lambda: self.plugged and self.inject_sms(number, text))
            t.daemon = True
            t.start()

    def _deliver_report(self, report_hex: str) -> None:
        if not self.plugged:
            return
        if self.cnmi_ds == 1:
            self.push_urc(f"+CDS: {len(report_hex) // 2 - 1}")
            self._send(report_hex.encode() + b"\r\n")
        else:
            idx = self._save(report_hex, stat=0)
            if idx is not None:
                self.push_urc(f'+CDSI: "SM",{idx}')

    # --- incoming ----------------------------------------------------------------------

    def _save(self, hexpdu: str, stat: int = 0, mem: str = "SM") -> int | None:
        target = self.me_storage if mem == "ME" else self.storage
        if len(target) >= self.storage_size:
            return None
        idx = next(i for i in range(1, self.storage_size + 2) if i not in target)
        target[idx] = (stat, hexpdu)
        return idx

    def inject_pdu(self, hexpdu: str, during_next_command: bool = False, mem: str = "SM") -> int | None:
        """The network delivers one SMS-DELIVER PDU (as the modem would list it);
        `mem="ME"` stores it in the modem's memory, as Huawei sticks do when told to."""
        if self.cnmi_mt == 2:
            lines = [f"+CMT: ,{len(hexpdu) // 2 - 1}", hexpdu]
            if during_next_command:
                self.urc_in_next_reply += lines
            else:
                self.push_urc(f"+CMT: ,{len(hexpdu) // 2 - 1}")
                self._send(hexpdu.encode() + b"\r\n")
            return None
        idx = self._save(hexpdu, mem=mem)
        if idx is None:
            self.network_queue.append(hexpdu)
            if self.profile_name == "huawei":
                self.push_urc('^SMMEMFULL: "SM"')
            return None
        urc = f'+CMTI: "{mem}",{idx}'
        if during_next_command:
            self.urc_in_next_reply.append(urc)
        elif self.cnmi_mt:
            self.push_urc(urc)
        return idx

    def inject_sms(self, sender: str, text: str, *, order: list[int] | None = None,
                   concat_ref: int | None = None, when: datetime | None = None,
                   during_next_command: bool = False) -> list[int | None]:
        """An SMS from `sender`; `order` delivers parts out of order (1-based)."""
        when = when or datetime.now(MSK).replace(microsecond=0)
        ref = concat_ref if concat_ref is not None else self.rng.randrange(256)
        pdus = pdulib.encode_deliver(sender, text, when, smsc=self.smsc, concat_ref=ref)
        order = order or list(range(1, len(pdus) + 1))
        return [self.inject_pdu(pdus[i - 1], during_next_command) for i in order]

    def _network_retry(self) -> None:
        while self.network_queue and len(self.storage) < self.storage_size:
            self.inject_pdu(self.network_queue.pop(0))

    def ring(self, number: str, times: int = 2, interval: float = 0.2, hangup: bool = True) -> None:
        """An incoming call nobody answers: RING (+CLIP) `times`, then the caller hangs up."""
        def run():
            for _ in range(times):
                lines = ["RING"]
                if self.clip:
                    lines.append(f'+CLIP: "{number}",145,"",0,"",0')
                self.push_urc(*lines)
                time.sleep(interval)
            if hangup and self.profile["call_end"]:
                self.push_urc(self.profile["call_end"])
        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t

    def texts(self) -> list[str]:
        return [t.text for t in self.transmitted]


def main() -> None:  # pragma: no cover - manual poking: python -m hardware.sim.modem_sim
    import argparse
    ap = argparse.ArgumentParser(description="fake GSM modem on a pty")
    ap.add_argument("--link", default="/tmp/prilavok-modem")
    ap.add_argument("--profile", default="simcom", choices=sorted(PROFILES))
    args = ap.parse_args()
    sim = ModemSim(args.link, args.profile).start()
    print(f"modem simulator at {sim.port} -> {sim.slave_name}; Ctrl-C to stop")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        sim.unplug()


if __name__ == "__main__":  # pragma: no cover
    main()
