"""`prilavok devices`: the one process that owns the modem's serial port (and the PBX's AMI link).

Each tick: the watchdog keeps the modem open (reopening after a hang or a USB
replug), unsolicited events are committed (incoming SMS, delivery reports, calls),
and every drainer in DRAINERS sends what its outbox holds. With `[modem] port = sim`
the process starts the pty simulator itself and opens its slave side through
pyserial, so the same code path runs as with a real stick. With `[pbx] url` set
(`ami://...` or `sim`) it also keeps the office PBX's AMI link (appliance.calls.service):
events are written as they come, click-to-call rows are sent each tick.
"""
from __future__ import annotations

import logging
import signal
import threading
import time

from appliance import hooks, runtime, settings, status
from appliance.calls.service import PbxService
from appliance.clock import utcnow
from appliance.sms import outbox as sms_outbox
from hardware.modem import ModemWatchdog
from hardware.modem.errors import ModemError

log = logging.getLogger(__name__)

DRAINERS = ["appliance.sms.outbox:drain_once", "appliance.printing:drain_once"]


def load_drainers(paths=None) -> list:
    return hooks.load_all(DRAINERS if paths is None else paths)


def modem_settings(cfg) -> dict:
    g = cfg.getfloat
    return {
        "baudrate": cfg.getint("modem", "baudrate"),
        "ping_interval": g("modem", "ping_interval_seconds"),
        "ping_timeout": g("modem", "ping_timeout_seconds"),
        "ping_failures": cfg.getint("modem", "ping_failures"),
        "reopen_interval": g("modem", "reopen_interval_seconds"),
        "modem_kwargs": {
            "command_timeout": g("modem", "command_timeout_seconds"),
            "prompt_timeout": g("modem", "prompt_timeout_seconds"),
            "send_timeout": g("modem", "send_timeout_seconds"),
            "reset_timeout": g("modem", "reset_timeout_seconds"),
        },
    }


def start_simulator(cfg, name: str = "modem-sim.tty"):
    from hardware.sim.modem_sim import ModemSim

    link = cfg.var_dir / name
    sim = ModemSim(str(link), cfg.get("modem", "sim_profile"),
                   send_error_rate=cfg.getfloat("modem", "sim_send_error_rate"),
                   auto_reply_rate=cfg.getfloat("modem", "sim_auto_reply_rate"))
    return sim.start()


class Devices:
    def __init__(self, cfg=None):
        self.cfg = cfg or settings.get()
        self.sim = None
        port = self.cfg.get("modem", "port")
        if port == "sim":
            self.sim = start_simulator(self.cfg)
            port = self.sim.port
        self.port = port
        self.watchdog = ModemWatchdog(port, on_change=self._on_change, **modem_settings(self.cfg))
        self.calls = sms_outbox.CallTracker(ring_gap=self.cfg.getfloat("modem", "ring_gap_seconds"))
        self.drainers = load_drainers()
        pbx_url = self.cfg.get("pbx", "url")
        self.pbx = PbxService(pbx_url, self.cfg).start() if pbx_url else None
        self._seen_open = 0
        self._last_status = 0.0
        self._last_sweep = 0.0
        self._last_beat = 0.0
        self.stop_event = threading.Event()

    def _on_change(self, up: bool, reason: str) -> None:
        log.log(logging.INFO if up else logging.WARNING, "modem %s: %s", "up" if up else "down", reason)
        sms_outbox.record_modem_state(up, reason, self.port)

    def _refresh(self, modem) -> None:
        try:
            sms_outbox.record_modem_check(modem.check())
        except ModemError as exc:
            log.warning("modem check failed: %s", exc)

    def tick(self) -> None:
        now = time.monotonic()
        modem = self.watchdog.tick()
        sms_outbox.attach(modem, self.watchdog)
        if modem is not None:
            if self.watchdog.reopens != self._seen_open:
                # Freshly (re)opened: what arrived while we were away is on the SIM.
                self._seen_open = self.watchdog.reopens
                self._refresh(modem)
                self._last_status = now
                self._sweep(modem)
            sms_outbox.handle_events(modem, self.calls)
            if now - self._last_sweep >= self.cfg.getfloat("modem", "storage_sweep_seconds"):
                self._sweep(modem)
            if now - self._last_status >= self.cfg.getfloat("modem", "status_interval_seconds"):
                self._last_status = now
                self._refresh(modem)
        self.calls.tick()
        if self.pbx is not None:
            self.pbx.drain_once()
        for drain in self.drainers:
            try:
                drain()
            except ModemError as exc:
                log.warning("%s: %s", getattr(drain, "__module__", drain), exc)
            except Exception:
                log.exception("drainer %s failed", getattr(drain, "__module__", drain))
        if now - self._last_beat >= 10:
            self._last_beat = now
            status.beat("devices", f"modem {'up' if self.watchdog.up else 'down'} at {utcnow():%H:%M:%S}")

    def _sweep(self, modem) -> None:
        self._last_sweep = time.monotonic()
        try:
            sms_outbox.sweep_storage(modem)
            sms_outbox.assemble_stale_parts()
        except ModemError as exc:
            log.warning("SIM storage sweep failed: %s", exc)

    def run(self) -> None:
        sms_outbox.recover_after_crash()
        tick = self.cfg.getfloat("modem", "tick_seconds")
        log.info("devices: modem at %s", self.port)
        try:
            while not self.stop_event.is_set():
                try:
                    self.tick()
                except Exception:
                    log.exception("devices tick failed")
                self.stop_event.wait(tick)
        finally:
            self.close()

    def close(self) -> None:
        if self.pbx is not None:
            self.pbx.stop()
        self.watchdog.close()
        sms_outbox.attach(None, None)
        if self.sim is not None:
            self.sim.unplug()


def main() -> int:
    from db import migrate, open_from_settings

    cfg = settings.get()
    runtime.hold_service_lock("devices")
    open_from_settings(cfg)
    migrate()
    devices = Devices(cfg)

    def stop(*_):
        devices.stop_event.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pbx = f", АТС {devices.pbx.url}" if devices.pbx else ""  # AmiUrl prints without the secret
    print(f"Устройства: модем {devices.port}{pbx}", flush=True)
    devices.run()
    return 0
