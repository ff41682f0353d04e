import threading
import time

import pytest

from appliance.suppliers.base import LinkDown
from appliance.suppliers.http import RateLimiter, parse_retry_after
from appliance.suppliers.link import LinkTracker, label_ru
from hardware.sim.supplier_api import RunningSim, SimSupplier
from tests.suppliers.simfix import adapter


class FakeClock:
    def __init__(self):
        self.t = 100.0
        self.slept = []

    def monotonic(self):
        return self.t

    def sleep(self, s):
        self.slept.append(s)
        self.t += s


def test_rate_limiter_spaces_requests_after_the_burst():
    c = FakeClock()
    rl = RateLimiter(2.0, burst=1, monotonic=c.monotonic, sleep=c.sleep)
    for _ in range(5):
        rl.acquire()
    # first goes at once, the next four wait 0.5 s each
    assert c.t == pytest.approx(102.0)


def test_rate_limiter_pause_blocks_everyone():
    c = FakeClock()
    rl = RateLimiter(0, monotonic=c.monotonic, sleep=c.sleep)
    rl.pause(3)
    assert rl.acquire() == pytest.approx(3)


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("7") == 7
    assert parse_retry_after(None, default=1.5) == 1.5
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 20))
    assert 15 <= parse_retry_after(future) <= 21


def test_429_retry_after_is_honored():
    with RunningSim([SimSupplier("s1", rate_limit=4, retry_after=0.3)], port=0) as srv:
        a = adapter(srv, "s1", rate_limit=0)  # our side unlimited: the supplier pushes back
        started = time.monotonic()
        results = [a.search("473H-1012010", "CHERY") for _ in range(8)]
        elapsed = time.monotonic() - started
        state = srv.state()["s1"]
    assert all(results), "every search got its answer despite 429s"
    assert state["counters"]["429"] >= 1
    assert elapsed >= 0.3  # we waited Retry-After at least once


def test_5xx_is_retried_then_succeeds():
    with RunningSim([SimSupplier("s1", fail_next=2)], port=0) as srv:
        a = adapter(srv, "s1")
        offers = a.search("473H-1012010", "CHERY")
    assert offers and offers[0].article == "473H-1012010"


def test_dead_supplier_fails_fast_and_is_marked_down():
    tracker = LinkTracker(probe_interval=60)
    with RunningSim([SimSupplier("s1", down=True)], port=0) as srv:
        a = adapter(srv, "s1", tracker=tracker)
        with pytest.raises(LinkDown):
            a.search("473H-1012010", "CHERY")
        sent = srv.state()["s1"]["counters"]["requests"]
        t0 = time.monotonic()
        for _ in range(20):
            with pytest.raises(LinkDown):
                a.search("473H-1012010", "CHERY")
        fast = time.monotonic() - t0
        assert srv.state()["s1"]["counters"]["requests"] == sent  # circuit open: nothing sent
    assert sent == 3  # the first call: one try and two bounded retries
    assert fast < 0.5
    st = tracker.state("s1")
    assert not st.up and st.down_since is not None
    assert label_ru(st).startswith("нет связи с ")


def test_timeout_counts_as_down():
    tracker = LinkTracker()
    with RunningSim([SimSupplier("s1", timeout_rate=1.0, hang_s=1.5)], port=0) as srv:
        a = adapter(srv, "s1", tracker=tracker)
        with pytest.raises(LinkDown) as exc:
            a.search("473H-1012010", "CHERY")
    assert exc.value.detail.startswith("поставщик не отвечает (таймаут")
    assert not tracker.state("s1").up


def test_link_comes_back_after_probe():
    now = [0.0]
    tracker = LinkTracker(probe_interval=10, monotonic=lambda: now[0])
    with RunningSim([SimSupplier("s1", down=True)], port=0) as srv:
        a = adapter(srv, "s1", tracker=tracker)
        with pytest.raises(LinkDown):
            a.search("473H-1012010", "CHERY")
        srv.control("s1", {"down": False})
        with pytest.raises(LinkDown):  # breaker still open, no probe due
            a.search("473H-1012010", "CHERY")
        now[0] = 11
        assert a.search("473H-1012010", "CHERY")
    assert tracker.state("s1").up


def test_concurrency_is_bounded_per_supplier():
    with RunningSim([SimSupplier("s1", latency_ms=100)], port=0) as srv:
        a = adapter(srv, "s1", concurrency=2, rate_limit=0)
        active, peak, lock = [0], [0], threading.Lock()
        real = a.http._session

        def counting():
            s = real()
            orig = s.request

            def req(*args, **kw):
                with lock:
                    active[0] += 1
                    peak[0] = max(peak[0], active[0])
                try:
                    return orig(*args, **kw)
                finally:
                    with lock:
                        active[0] -= 1

            s.request = req
            return s

        a.http._session = counting
        threads = [threading.Thread(target=a.search, args=("473H-1012010", "CHERY")) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert peak[0] == 2
