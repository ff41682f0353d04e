"""HTTP for supplier APIs: timeouts, bounded retries, 429, concurrency and rate limits.

One ``SupplierHTTP`` per supplier. It keeps one supplier from stalling the others:
calls wait for that supplier's own semaphore and token bucket only; a supplier that
stays down is cut off by the link tracker (fail fast, one probe per interval).

Retry rules (bounded, exponential backoff with a little jitter):
- connection refused / connect timeout: retried (the request never reached the server);
- read timeout, a dropped connection and 5xx: retried only for idempotent calls
  (searches, status) -- an order POST is retried only when it carries our client
  reference so the supplier can de-duplicate it;
- 429: waits ``Retry-After`` (seconds or an HTTP date, capped), all threads of this
  supplier pause, not counted as a failure.

What a failure leaves behind (``LinkDown.detail``, the stored link state, an order's
``last_error``) is a Russian reason; the raw ``requests`` error, whose text carries the
URL and so ABCP's ``userpsw`` (the md5 it accepts as the password), goes only to the log,
with credentials masked (also in urllib3's own debug lines).
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from appliance.settings import setting

from .base import LinkDown, SupplierError
from .link import LinkTracker
from .link import tracker as default_tracker

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({500, 502, 503, 504})

# Query parameters and URL user-info that carry a credential, in any URL inside a text.
_SECRET_PARAM = re.compile(r"(?i)\b(userpsw|password|passwd|psw|pass|token|access_token|api_?key|apikey|secret|"
                           r"sign|signature)=[^&\s'\")]+")
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+):[^/\s@]+@")


def mask_secrets(text: str) -> str:
    """``userpsw=<md5>`` -> ``userpsw=***`` (and password, token, key...); ``//user:pass@`` -> ``//user:***@``."""
    return _URL_USERINFO.sub(r"\1:***@", _SECRET_PARAM.sub(r"\1=***", text))


class MaskSecrets(logging.Filter):
    """For loggers that print request URLs we do not format (urllib3's "GET /path?query")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


logging.getLogger("urllib3.connectionpool").addFilter(MaskSecrets())


def reason_ru(exc: requests.RequestException, read_timeout: float | None = None) -> str:
    """What a manager may read about a failed request: never the URL or the exception text."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "поставщик не отвечает (таймаут соединения)"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "поставщик не отвечает (таймаут" + (f" {read_timeout:g} с)" if read_timeout else ")")
    if isinstance(exc, requests.exceptions.SSLError):
        return "не удалось установить защищённое соединение с поставщиком (сертификат)"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "нет соединения с поставщиком"
    if isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
        return status_reason_ru(exc.response.status_code)
    return "запрос к поставщику не выполнен"


def status_reason_ru(status: int) -> str:
    return f"поставщик ответил ошибкой {status}"


class RateLimiter:
    """Token bucket shared by all threads talking to one supplier."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.rate = float(rate or 0)
        self.capacity = float(burst if burst is not None else max(1.0, self.rate))
        self._tokens = self.capacity
        self._monotonic = monotonic
        self._sleep = sleep
        self._last = monotonic()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def pause(self, seconds: float) -> None:
        """Nobody sends for ``seconds`` (the supplier said 429 Retry-After)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._monotonic() + seconds)
            self._tokens = 0.0

    def acquire(self) -> float:
        """Block until a request may go; returns seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._monotonic()
                if now < self._paused_until:
                    wait = self._paused_until - now
                elif self.rate <= 0:
                    return waited
                else:
                    self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
                    self._last = now
                    if self._tokens >= 1.0:
                        self._tokens -= 1.0
                        return waited
                    wait = (1.0 - self._tokens) / self.rate
            self._sleep(wait)
            waited += wait


def parse_retry_after(value: str | None, default: float = 1.0) -> float:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return default
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


@dataclass
class HTTPPolicy:
    connect_timeout: float = setting("suppliers", "connect_timeout", float)
    read_timeout: float = setting("suppliers", "read_timeout", float)
    retries: int = setting("suppliers", "retries", int)  # extra attempts after the first
    backoff: float = setting("suppliers", "backoff", float)  # first pause, doubled each retry
    backoff_max: float = 8.0
    max_retry_after: float = setting("suppliers", "max_retry_after", float)  # a longer 429 pause: "link down"
    max_429: int = 3


@dataclass
class Response:
    status: int
    data: Any
    text: str
    headers: dict


class SupplierHTTP:
    def __init__(
        self,
        code: str,
        base_url: str,
        *,
        policy: HTTPPolicy | None = None,
        concurrency: int = 4,
        rate_limit: float = 5.0,
        tracker: LinkTracker | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.code = code
        self.base_url = base_url.rstrip("/")
        self.policy = policy or HTTPPolicy()
        self.semaphore = threading.BoundedSemaphore(max(1, int(concurrency or 1)))
        self.limiter = RateLimiter(rate_limit, sleep=sleep)
        self.tracker = tracker or default_tracker
        self._sleep = sleep
        self._local = threading.local()
        self._shared_session = session
        self.calls = 0  # requests actually sent (for tests and the benchmark)

    def _session(self) -> requests.Session:
        if self._shared_session is not None:
            return self._shared_session
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.headers["User-Agent"] = "Prilavok/1 (+supplier client)"
            s.headers["Accept"] = "application/json"
            self._local.session = s
        return s

    def get(self, path: str, params: dict | list | None = None) -> Response:
        return self.request("GET", path, params=params, idempotent=True)

    def post(self, path: str, data: dict | list | None = None, *, idempotent: bool = False) -> Response:
        return self.request("POST", path, data=data, idempotent=idempotent)

    def request(self, method: str, path: str, *, params=None, data=None, idempotent: bool = True) -> Response:
        if not self.tracker.allow(self.code):
            st = self.tracker.state(self.code)
            raise LinkDown("нет связи с поставщиком", supplier=self.code, detail=st.last_error)
        url = f"{self.base_url}/{path.lstrip('/')}"
        p = self.policy
        attempt = 0
        throttled = 0
        last_error = ""
        while True:
            self.limiter.acquire()
            try:
                with self.semaphore:
                    self.calls += 1
                    r = self._session().request(
                        method, url, params=params, data=data,
                        timeout=(p.connect_timeout, p.read_timeout),
                    )
            except requests.exceptions.RequestException as e:
                last_error = reason_ru(e, p.read_timeout)
                log.info("supplier %s: %s %s: %s", self.code, method, path, _short(mask_secrets(f"{type(e).__name__}: {e}")))
                if isinstance(e, requests.exceptions.ConnectTimeout):
                    retry = True  # the request never reached the server
                elif isinstance(e, requests.exceptions.ReadTimeout):
                    retry = idempotent
                elif isinstance(e, requests.exceptions.ConnectionError):
                    refused = "refused" in str(e).lower() or "NewConnectionError" in str(e)
                    retry = idempotent or refused
                else:
                    retry = False
            else:
                if r.status_code == 429:
                    wait = parse_retry_after(r.headers.get("Retry-After"), p.backoff)
                    throttled += 1
                    if wait > p.max_retry_after or throttled > p.max_429:
                        reason = f"поставщик ограничил запросы (429, пауза {wait:g} с)"
                        self.tracker.mark_down(self.code, reason)
                        raise LinkDown("поставщик ограничил запросы", supplier=self.code, detail=reason)
                    log.info("supplier %s: 429, waiting %.1f s", self.code, wait)
                    self.limiter.pause(wait)
                    continue
                if r.status_code in RETRY_STATUSES:
                    last_error = status_reason_ru(r.status_code)
                    retry = idempotent or r.status_code == 503
                else:
                    self.tracker.mark_ok(self.code)
                    return _response(r)
            if not retry or attempt >= p.retries:
                break
            pause = min(p.backoff_max, p.backoff * (2**attempt)) * (1 + random.random() * 0.1)
            attempt += 1
            log.info("supplier %s: %s %s failed (%s), retry %d in %.1f s",
                     self.code, method, path, last_error, attempt, pause)
            self._sleep(pause)
        self.tracker.mark_down(self.code, last_error)
        raise LinkDown("нет связи с поставщиком", supplier=self.code, detail=last_error)


def _short(e: Exception) -> str:
    text = str(e)
    return text if len(text) < 160 else text[:157] + "..."


def _response(r: requests.Response) -> Response:
    try:
        data = r.json()
    except ValueError:
        data = None
    return Response(r.status_code, data, r.text if data is None else "", dict(r.headers))


__all__ = ["SupplierHTTP", "HTTPPolicy", "RateLimiter", "Response", "parse_retry_after",
           "SupplierError", "LinkDown", "mask_secrets", "reason_ru"]
