"""Asterisk Manager Interface (AMI) over TCP: our own small threaded client.

Why not a library: panoramisk (the maintained one) is asyncio-only, and the devices
process is a plain threaded loop that also owns the modem; running an event loop beside
it for one socket buys nothing. asterisk-ami / pyst2 are threaded but unmaintained for
years, compare keys case-sensitively and have no ping-with-timeout or capped reconnect.
The protocol is small (``Key: value`` lines, a blank line ends a packet), so ~250 lines
here are cheaper to own than either.

- `AmiConnection`: one TCP session: banner, ``Action: Login``, a reader thread that
  splits packets, answers matched to pending actions by ``ActionID``, everything else
  (events, including ``OriginateResponse`` which carries the ActionID of an async
  Originate) handed to ``on_event``.
- `AmiClient`: keeps a connection up: Ping every ``ping_interval`` with a reply timeout
  (a half-open TCP link shows up as a missed Pong), reconnect with exponential backoff
  capped at 60 s, ``on_state(up, reason)`` on every change.
- Keys are compared case-insensitively (`Message`): Asterisk versions differ in case
  (``ActionID`` / ``ActionId``, ``Uniqueid`` / ``UniqueID``).

Nothing here knows the shop; the secret is never put into a log line or a reason.
"""
from __future__ import annotations

import itertools
import logging
import queue
import socket
import threading
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

DEFAULT_PORT = 5038
BACKOFF_MAX_S = 60.0


class AmiError(Exception):
    """The PBX is unreachable or answered an action with an error."""


class LoginRefused(AmiError):
    """``Response: Error`` to Login: wrong user or secret, or the host is not permitted."""


class AmiTimeout(AmiError):
    """No reply to an action in time (a half-open link looks like this)."""


class Message(dict):
    """One AMI packet; keys stored lower-case so ``msg["actionid"]`` matches ``ActionId``."""

    def __init__(self, pairs=()):
        super().__init__()
        for k, v in (pairs.items() if isinstance(pairs, dict) else pairs):
            self[k] = v

    def __setitem__(self, key, value):
        key = key.lower()
        if key in self:  # repeated keys (ChanVariable...) keep every value
            value = f"{dict.__getitem__(self, key)}\n{value}"
        super().__setitem__(key, value)

    def __getitem__(self, key):
        return super().__getitem__(key.lower())

    def get(self, key, default=None):
        return super().get(key.lower(), default)

    def __contains__(self, key):
        return super().__contains__(key.lower())

    @property
    def event(self) -> str:
        return self.get("event", "")

    @property
    def is_response(self) -> bool:
        return "response" in self and "event" not in self


def parse_packet(text: str) -> Message:
    msg = Message()
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if sep:
            msg[key.strip()] = value.strip()
        else:  # Asterisk 11 "Command" output lines: keep them whole
            msg["output"] = line
    return msg


def encode_action(action: str, action_id: str, fields: dict) -> bytes:
    lines = [f"Action: {action}", f"ActionID: {action_id}"]
    for key, value in fields.items():
        for item in (value if isinstance(value, list | tuple) else [value]):
            text = str(item)
            if "\r" in text or "\n" in text:
                raise ValueError(f"AMI field {key} holds a line break")
            lines.append(f"{key}: {text}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


@dataclass(frozen=True)
class AmiUrl:
    host: str
    port: int
    username: str
    secret: str

    def __str__(self) -> str:  # what logs and the devices page show: never the secret
        return f"ami://{self.username}@{self.host}:{self.port}"


def parse_url(url: str) -> AmiUrl:
    """``ami://user:secret@host:5038`` (port optional)."""
    parts = urlsplit(url.strip())
    if parts.scheme != "ami" or not parts.hostname or not parts.username:
        raise AmiError("адрес АТС должен быть вида ami://пользователь:пароль@адрес:5038")
    return AmiUrl(parts.hostname, parts.port or DEFAULT_PORT, unquote(parts.username),
                  unquote(parts.password or ""))


def backoff_delays(first: float = 1.0, cap: float = BACKOFF_MAX_S):
    """1, 2, 4 ... seconds, never more than `cap` (60 s: a restarted PBX is back within a minute)."""
    delay = first
    while True:
        yield min(delay, cap)
        delay = min(delay * 2, cap)


class AmiConnection:
    """One logged-in TCP session with a reader thread."""

    def __init__(self, url: AmiUrl, on_event=None, on_close=None, connect_timeout: float = 5.0,
                 action_timeout: float = 5.0):
        self.url = url
        self.on_event = on_event or (lambda msg: None)
        self.on_close = on_close or (lambda reason: None)
        self.connect_timeout = connect_timeout
        self.action_timeout = action_timeout
        self.banner = ""
        self.sock: socket.socket | None = None
        self._ids = itertools.count(1)
        self._prefix = f"prl-{id(self):x}-"
        self._pending: dict[str, queue.Queue] = {}
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._closed = threading.Event()
        self._reader: threading.Thread | None = None

    def connect(self) -> None:
        try:
            self.sock = socket.create_connection((self.url.host, self.url.port), timeout=self.connect_timeout)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            self._file = self.sock.makefile("rb")
            self.banner = self._file.readline().decode("utf-8", "replace").strip()
        except OSError as exc:
            self._shut()
            raise AmiError(f"нет связи с АТС {self.url.host}:{self.url.port}: {exc.strerror or exc}") from exc
        if not self.banner.startswith("Asterisk Call Manager"):
            self._shut()
            raise AmiError(f"{self.url.host}:{self.url.port} не отвечает как Asterisk AMI ({self.banner[:40]!r})")
        self.sock.settimeout(None)  # the reader blocks; liveness comes from Ping
        self._reader = threading.Thread(target=self._read_loop, name="ami-reader", daemon=True)
        self._reader.start()
        reply = self.action("Login", Username=self.url.username, Secret=self.url.secret, Events="on")
        if reply.get("response", "").lower() != "success":
            self.close("login refused")
            raise LoginRefused(f"АТС не приняла вход пользователя {self.url.username}: "
                               f"{reply.get('message', 'ошибка входа')}")

    @property
    def alive(self) -> bool:
        return self.sock is not None and not self._closed.is_set()

    def send(self, action: str, **fields) -> str:
        """Send an action without waiting; returns its ActionID."""
        action_id = fields.pop("ActionID", None) or f"{self._prefix}{next(self._ids)}"
        data = encode_action(action, action_id, fields)
        with self._lock:
            self._pending[action_id.lower()] = queue.Queue(maxsize=1)
        try:
            with self._send_lock:
                if self.sock is None:
                    raise AmiError("соединение с АТС закрыто")
                self.sock.sendall(data)
        except OSError as exc:
            self.close(f"send failed: {exc}")
            raise AmiError(f"соединение с АТС оборвалось: {exc}") from exc
        return action_id

    def wait(self, action_id: str, timeout: float | None = None) -> Message:
        with self._lock:
            slot = self._pending.get(action_id.lower())
        if slot is None:
            raise AmiError(f"no pending action {action_id}")
        try:
            reply = slot.get(timeout=self.action_timeout if timeout is None else timeout)
        except queue.Empty:
            raise AmiTimeout("АТС не ответила вовремя") from None
        finally:
            with self._lock:
                self._pending.pop(action_id.lower(), None)
        if reply is None:
            raise AmiError("соединение с АТС оборвалось")
        return reply

    def action(self, action: str, timeout: float | None = None, **fields) -> Message:
        return self.wait(self.send(action, **fields), timeout)

    def ping(self, timeout: float) -> None:
        reply = self.action("Ping", timeout=timeout)
        if reply.get("response", "").lower() != "success":
            raise AmiError(f"Ping: {reply.get('message', '')}")

    def _read_loop(self) -> None:
        buf: list[str] = []
        reason = "connection closed by the PBX"
        try:
            for raw in self._file:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if line:
                    buf.append(line)
                    continue
                if buf:
                    self._dispatch(parse_packet("\n".join(buf)))
                    buf = []
        except (OSError, ValueError) as exc:
            reason = f"read failed: {exc}"
        self.close(reason)

    def _dispatch(self, msg: Message) -> None:
        action_id = (msg.get("actionid") or "").lower()
        if msg.is_response and action_id:
            with self._lock:
                slot = self._pending.get(action_id)
            if slot is not None:
                slot.put(msg)
                return
        if msg.event:
            self.on_event(msg)

    def close(self, reason: str = "closed") -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self._shut()
        with self._lock:
            slots, self._pending = list(self._pending.values()), {}
        for slot in slots:
            if slot.empty():
                slot.put(None)
        self.on_close(reason)

    def _shut(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already gone: that is what we wanted
            sock.close()


class AmiClient:
    """Keeps one AMI session up; events go to `on_event(msg)` from the reader thread."""

    def __init__(self, url: AmiUrl | str, on_event=None, on_state=None, ping_interval: float = 20.0,
                 ping_timeout: float = 5.0, backoff_first: float = 1.0, backoff_cap: float = BACKOFF_MAX_S,
                 connect_timeout: float = 5.0, action_timeout: float = 5.0):
        self.url = parse_url(url) if isinstance(url, str) else url
        self.on_event = on_event or (lambda msg: None)
        self.on_state = on_state or (lambda up, reason: None)
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.backoff_first = backoff_first
        self.backoff_cap = backoff_cap
        self.connect_timeout = connect_timeout
        self.action_timeout = action_timeout
        self.conn: AmiConnection | None = None
        self.connects = 0
        self.last_error = ""
        self._stop = threading.Event()
        self._dropped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def up(self) -> bool:
        return self.conn is not None and self.conn.alive

    def start(self) -> AmiClient:
        self._thread = threading.Thread(target=self._run, name="ami-client", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._dropped.set()
        if self.conn is not None:
            self.conn.close("stopped")
        if self._thread is not None:
            self._thread.join(5)

    def action(self, action: str, timeout: float | None = None, **fields) -> Message:
        conn = self.conn
        if conn is None or not conn.alive:
            raise AmiError(f"нет связи с АТС: {self.last_error or 'подключаемся'}")
        return conn.action(action, timeout=timeout, **fields)

    def send(self, action: str, **fields) -> str:
        conn = self.conn
        if conn is None or not conn.alive:
            raise AmiError(f"нет связи с АТС: {self.last_error or 'подключаемся'}")
        return conn.send(action, **fields)

    def _run(self) -> None:
        delays = backoff_delays(self.backoff_first, self.backoff_cap)
        while not self._stop.is_set():
            self._dropped.clear()
            conn = AmiConnection(self.url, self.on_event, self._closed, self.connect_timeout, self.action_timeout)
            try:
                conn.connect()
            except AmiError as exc:
                self.last_error = str(exc)
                self.on_state(False, self.last_error)
                self._stop.wait(next(delays))
                continue
            self.conn = conn
            self.connects += 1
            self.last_error = ""
            delays = backoff_delays(self.backoff_first, self.backoff_cap)
            self.on_state(True, conn.banner)
            self._keep_alive(conn)
            if not self._stop.is_set():
                self.on_state(False, self.last_error)
                self._stop.wait(next(delays))

    def _keep_alive(self, conn: AmiConnection) -> None:
        while not self._stop.is_set() and conn.alive:
            if self._dropped.wait(self.ping_interval):
                break
            if not conn.alive:
                break
            try:
                conn.ping(self.ping_timeout)
            except AmiError as exc:
                self.last_error = f"АТС не ответила на Ping: {exc}"
                conn.close("ping timeout")
                break
        if not self.last_error:
            self.last_error = "соединение с АТС оборвалось"

    def _closed(self, reason: str) -> None:
        if not self._stop.is_set():
            log.warning("AMI %s: %s", self.url, reason)
            self.last_error = self.last_error or f"соединение с АТС оборвалось ({reason})"
        self._dropped.set()
