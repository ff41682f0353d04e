"""Per-supplier link status: is the supplier reachable, and since when is it not.

The status bar says "нет связи с 02:13" instead of showing errors. The tracker also acts
as a circuit breaker: once a supplier is down, calls to it fail fast (``LinkDown``)
except for one probe every ``probe_interval`` seconds, so a dead supplier costs the
nightly run one timeout per interval, not one per position.

State lives in memory per process; transitions are handed to ``persist`` (set up by
the registry to write ``SupplierLink`` rows) so other processes and the UI see them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from appliance.clock import utcnow

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


class LinkTracker:
    def __init__(self, probe_interval: float = 60.0, monotonic: Callable[[], float] = time.monotonic):
        self.probe_interval = probe_interval
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._states: dict[str, LinkState] = {}
        self._last_try: dict[str, float] = {}
        self.persist: Callable[[LinkState], None] | None = None

    def state(self, code: str) -> LinkState:
        with self._lock:
            return self._states.get(code) or LinkState(code)

    def all(self) -> list[LinkState]:
        with self._lock:
            return list(self._states.values())

    def load(self, state: LinkState) -> None:
        """Seed from storage at start-up (a link that was down stays "down since")."""
        with self._lock:
            self._states[state.code] = state

    def allow(self, code: str) -> bool:
        """False while the supplier is known down and no probe is due."""
        with self._lock:
            st = self._states.get(code)
            if st is None or st.up:
                return True
            now = self._monotonic()
            if now >= self._last_try.get(code, 0.0) + self.probe_interval:
                self._last_try[code] = now
                return True
            return False

    def mark_ok(self, code: str) -> None:
        with self._lock:
            old = self._states.get(code)
            new = LinkState(code, True, None, utcnow(), "")
            self._states[code] = new
            self._last_try.pop(code, None)
            changed = old is None or not old.up
        if changed and old is not None:
            log.info("supplier %s: link restored (down since %s)", code, old.down_since)
        if changed:
            self._persist(new)

    def mark_down(self, code: str, error: str) -> None:
        with self._lock:
            old = self._states.get(code) or LinkState(code)
            if old.up:
                new = replace(old, up=False, down_since=utcnow(), last_error=error)
            else:
                new = replace(old, last_error=error)
            self._states[code] = new
            self._last_try[code] = self._monotonic()  # last try; the next probe is an interval later
            changed = old.up
        if changed:
            log.warning("supplier %s: link down: %s", code, error)
            self._persist(new)

    def reset(self) -> None:
        with self._lock:
            self._states.clear()
            self._last_try.clear()

    def _persist(self, state: LinkState) -> None:
        if self.persist is None:
            return
        try:
            self.persist(state)
        except Exception:  # the link status must never break a supplier call
            log.exception("supplier %s: could not store link status", state.code)


tracker = LinkTracker()


def _store(state: LinkState) -> None:
    from db.models.suppliers import SupplierLink

    values = dict(up=state.up, down_since=state.down_since, last_ok=state.last_ok,
                  last_error=state.last_error[:500], updated_at=utcnow())
    (SupplierLink.insert(code=state.code, **values)
     .on_conflict(conflict_target=[SupplierLink.code], update=values).execute())


def enable_storage() -> None:
    """Write transitions to ``SupplierLink`` so the UI in another process sees them."""
    if tracker.persist is None:
        tracker.persist = _store
        try:
            from appliance import settings

            tracker.probe_interval = settings.get().getfloat("suppliers", "link_probe_seconds")
        except Exception:
            pass
        try:
            for state in stored_states().values():
                if not state.up and state.code not in tracker._states:
                    tracker.load(state)  # "нет связи с 02:13" survives a restart
        except Exception as e:
            log.debug("link states not loaded: %s", e)


def stored_states() -> dict[str, LinkState]:
    """Link states as last written by any process (for the status bar and pages)."""
    from db.models.suppliers import SupplierLink

    return {r.code: LinkState(r.code, r.up, r.down_since, r.last_ok, r.last_error)
            for r in SupplierLink.select()}


def status_probe():
    """Status bar item: suppliers that cannot be reached, or None when all are fine."""
    from appliance.clock import to_local
    from appliance.status import StatusItem

    try:
        down = [s for s in stored_states().values() if not s.up]
    except Exception:
        return None
    if not down:
        return None
    first = min(down, key=lambda s: s.down_since or utcnow())
    text = label_ru(first, to_local)
    if len(down) > 1:
        text += f" (поставщиков без связи: {len(down)})"
    return StatusItem("Поставщики", text, "warn", "/stock/suppliers")
