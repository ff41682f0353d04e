"""The PBX side of the devices process: one AMI link, events to rows as they come.

The AMI reader thread only puts packets on a queue; a writer thread takes whatever has
piled up (up to 500), commits it in one transaction and assembles the touched calls, so
an event storm costs one transaction per batch instead of one per event and the screen
pop is as fresh as the last batch (milliseconds behind the PBX). After every (re)connect
the calls left open while we were away are closed with what is known.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from appliance import calls, settings
from appliance.calls import dialer
from appliance.clock import utcnow
from hardware.pbx import AmiClient, AmiError, parse_url

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class Reconnected:
    """Queued when a session starts: calls begun before `at` are closed with what is known."""

    at: datetime


def start_simulator(cfg):
    from hardware.sim.pbx_sim import PbxSim  # only with url = sim: tests and make run

    return PbxSim(port=cfg.getint("pbx", "sim_port"), demo=cfg.getbool("pbx", "sim_demo"),
                  demo_interval=cfg.getfloat("pbx", "sim_demo_interval_seconds")).start()


class PbxService:
    def __init__(self, url: str, cfg=None):
        self.cfg = cfg or settings.get()
        self.sim = None
        if url == "sim":
            self.sim = start_simulator(self.cfg)
            url = self.sim.url
        self.url = parse_url(url)
        self.events: queue.Queue = queue.Queue()
        self.heard = 0
        self.stored = 0
        self._stop = threading.Event()
        g = self.cfg.getfloat
        self.client = AmiClient(self.url, on_event=self._heard, on_state=self._on_state,
                                ping_interval=g("pbx", "ping_interval_seconds"),
                                ping_timeout=g("pbx", "ping_timeout_seconds"),
                                connect_timeout=g("pbx", "connect_timeout_seconds"))
        self._writer = threading.Thread(target=self._write_loop, name="pbx-writer", daemon=True)

    def start(self) -> PbxService:
        self._writer.start()
        self.client.start()
        return self

    def _on_state(self, up: bool, reason: str) -> None:
        log.log(logging.INFO if up else logging.WARNING, "PBX %s %s: %s", self.url, "up" if up else "down", reason)
        calls.record_link_state(up, reason, str(self.url))
        if up:
            self.events.put(Reconnected(utcnow()))

    def _heard(self, msg) -> None:
        self.heard += 1
        self.events.put(msg)

    def _write_loop(self) -> None:
        while not self._stop.is_set():
            try:
                first = self.events.get(timeout=0.2)
            except queue.Empty:
                self.drain_once()  # click-to-call waits at most this long, not a devices tick
                continue
            if isinstance(first, Reconnected):
                closed = calls.close_open_calls(before=first.at)
                if closed:
                    log.info("PBX: %d calls left open while we were away closed with what is known", closed)
                continue
            batch = [first]
            while len(batch) < BATCH:
                try:
                    item = self.events.get_nowait()
                except queue.Empty:
                    break
                if isinstance(item, Reconnected):
                    self.events.put(item)  # after this batch; order against later events is by time
                    break
                batch.append(item)
            calls.ingest(batch)
            self.stored += len(batch)

    def drain_once(self) -> int:
        """Click-to-call rows (called from the devices tick)."""
        if not self.client.up:
            return 0
        try:
            return dialer.drain_once(self.client)
        except AmiError as exc:
            log.warning("click-to-call: %s", exc)
            return 0

    def idle(self, timeout: float = 5.0) -> bool:
        """Tests: wait until every event heard so far is committed."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.stored >= self.heard and self.events.empty():
                return True
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        self.client.stop()
        self._stop.set()
        self._writer.join(5)
        if self.sim is not None:
            self.sim.stop()
