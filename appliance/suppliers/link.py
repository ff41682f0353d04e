"""Per-supplier link status: is the supplier reachable, and since when is it not.

The status bar says "нет связи с 02:13" instead of showing errors. The tracker also acts
as a circuit breaker: once a supplier is down, calls to it fail fast (``LinkDown``)
except for one probe every ``probe_interval`` seconds, so a dead supplier costs the
nightly run one timeout per interval, not one per position.

Up/down lives in the database (``SupplierLink``, once the registry has called
``enable_storage``): what the worker's catch-up learns, a web process's price check uses at
once, and the other way round. Only the probe timing stays in each process.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from appliance import settings
from appliance.clock import to_local, utcnow
from appliance.status import StatusItem
from db import database, write_transaction
from db.models.suppliers import SupplierLink

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkState:
    code: str
    up: bool = True
    down_since: datetime | None = None  # naive UTC
    last_ok: datetime | None = None
    last_error: str = ""


def label_ru(state: LinkState | None, to_local: Callable[[datetime], datetime] | None = None) -> str:
    """"на связи" or "нет связи с 02:13" (shop time when ``to_local`` is given)."""
    if state is None or state.up:
        return "на связи"
    if state.down_since is None:
        return "нет связи"
    when = to_local(state.down_since) if to_local else state.down_since
    return f"нет связи с {when:%H:%M}"


class MemoryLinks:
    """Link states in this process only: a bare tracker (tests of one adapter, no database)."""

    def __init__(self):
        self._states: dict[str, LinkState] = {}
        self._lock = threading.Lock()

    def read(self, code: str) -> LinkState | None:
        with self._lock:
            return self._states.get(code)

    def all(self) -> list[LinkState]:
        with self._lock:
            return list(self._states.values())

    def write(self, state: LinkState) -> None:
        with self._lock:
            self._states[state.code] = state

    def clear(self) -> None:
        with self._lock:
            self._states.clear()


class DatabaseLinks:
    """Link states in ``SupplierLink``: the one truth every process (web, worker) reads and writes.

    Adapters call from their pool threads, which hold no connection of their own: a read or a
    write there opens one for the moment (``database.connection_context``)."""

    def read(self, code: str) -> LinkState | None:
        with _connected():
            row = SupplierLink.get_or_none(SupplierLink.code == code)
        return None if row is None else _state_of(row)

    def all(self) -> list[LinkState]:
        return list(stored_states().values())

    def write(self, state: LinkState) -> None:
        values = dict(up=state.up, down_since=state.down_since, last_ok=state.last_ok,
                      last_error=state.last_error[:500], updated_at=utcnow())
        with _connected(), write_transaction():
            (SupplierLink.insert(code=state.code, **values)
             .on_conflict(conflict_target=[SupplierLink.code], update=values).execute())

    def clear(self) -> None:
        """Stored states are history of the box, not of a process: nothing to forget."""


def _connected():
    return database.connection_context() if database.is_closed() else contextlib.nullcontext()


def _state_of(row: SupplierLink) -> LinkState:
    return LinkState(row.code, row.up, row.down_since, row.last_ok, row.last_error)


class LinkTracker:
    """Up/down per supplier in ``store``; only the probe timing is this process's own."""

    def __init__(self, probe_interval: float = 60.0, monotonic: Callable[[], float] = time.monotonic,
                 store: MemoryLinks | DatabaseLinks | None = None):
        self.probe_interval = probe_interval
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._last_try: dict[str, float] = {}
        self.store = store or MemoryLinks()

    def state(self, code: str) -> LinkState:
        return self.store.read(code) or LinkState(code)

    def all(self) -> list[LinkState]:
        return self.store.all()

    def allow(self, code: str) -> bool:
        """False while the supplier is known down (by any process) and no probe is due here."""
        st = self.store.read(code)
        if st is None or st.up:
            return True
        with self._lock:
            now = self._monotonic()
            if now >= self._last_try.get(code, float("-inf")) + self.probe_interval:
                self._last_try[code] = now
                return True
            return False

    def mark_ok(self, code: str) -> None:
        with self._lock:
            self._last_try.pop(code, None)
        old = self.store.read(code)
        if old is not None and old.up:
            return  # the usual case: nothing to write
        self.store.write(LinkState(code, True, None, utcnow(), ""))
        if old is not None:
            log.info("supplier %s: link restored (down since %s)", code, old.down_since)

    def mark_down(self, code: str, error: str) -> None:
        with self._lock:
            self._last_try[code] = self._monotonic()  # last try; the next probe is an interval later
        old = self.store.read(code) or LinkState(code)
        if old.up:
            self.store.write(replace(old, up=False, down_since=utcnow(), last_error=error))
            log.warning("supplier %s: link down: %s", code, error)
        elif old.last_error != error:
            self.store.write(replace(old, last_error=error))

    def reset(self) -> None:
        with self._lock:
            self._last_try.clear()
        self.store.clear()


tracker = LinkTracker()


def enable_storage() -> None:
    """Keep link states in ``SupplierLink`` so every process sees and uses the same ones."""
    if not isinstance(tracker.store, DatabaseLinks):
        tracker.store = DatabaseLinks()
        tracker.probe_interval = settings.get().getfloat("suppliers", "link_probe_seconds")


def stored_states() -> dict[str, LinkState]:
    """Link states as last written by any process (for the status bar and pages)."""
    with _connected():
        return {r.code: _state_of(r) for r in SupplierLink.select()}


def status_probe() -> StatusItem | None:
    """Status bar item: suppliers that cannot be reached, or None when all are fine."""
    down = [s for s in stored_states().values() if not s.up]
    if not down:
        return None
    first = min(down, key=lambda s: s.down_since or utcnow())
    text = label_ru(first, to_local)
    if len(down) > 1:
        text += f" (поставщиков без связи: {len(down)})"
    return StatusItem("Поставщики", text, "warn", "/stock/suppliers")
