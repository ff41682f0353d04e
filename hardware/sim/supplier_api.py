"""Supplier simulator: an HTTP server on 127.0.0.1 speaking the ABCP-like API.

One server hosts several simulated suppliers, each under its own path prefix
(``http://127.0.0.1:8765/sim1/search/articles/``), so the demo and the benchmark can
point many supplier settings at one process.

Deterministic: whether a supplier carries a part, its price, stock and delivery time
are functions of (supplier seed, article, brand, date). Prices drift day by day (a slow
wave per part plus rare spikes), so price history and the high-price flag have
something to show.

Faults, per supplier, set at start or at run time by ``POST /_control/<name>`` (JSON):
``latency_ms``, ``jitter_ms``, ``rate_limit`` (requests/s, above it 429 + Retry-After),
``retry_after``, ``error_rate`` (share of 5xx), ``fail_next`` (next N requests 500),
``timeout_rate`` + ``hang_s`` (answer too late), ``down`` (drop every connection),
``refuse_rate`` / ``refuse_articles`` (order lines refused), ``price_factor``,
``date`` (YYYY-MM-DD, the simulated day). ``GET /_state`` shows counters and orders.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import random
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from hardware.sim.parts_catalog import BRANDS, CROSSES, NAMES, PARTS

log = logging.getLogger(__name__)

DEFAULT_PORT = 8765


_NOT_IN_KEY = re.compile(r"[^0-9A-Za-zА-Яа-яЁё]")


def part_key(text: str | None) -> str:
    """The simulator's own article key: letters and digits only, upper case. Written apart
    from the appliance's, so a normalisation bug on one side shows up in the tests."""
    return _NOT_IN_KEY.sub("", text or "").upper()


def expected_userpsw(password: str) -> str:
    """What ABCP expects in ``userpsw``: the md5 hex digest of the password."""
    return hashlib.md5(password.encode("utf-8")).hexdigest()


def _h(*parts) -> float:
    """Stable pseudo-random number in [0, 1) from the given values."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


_KNOWN = {(part_key(a), part_key(b)): (a, b, n, p, pack) for a, b, n, p, pack in PARTS}
_BY_ARTICLE: dict[str, list[tuple]] = {}
for _row in _KNOWN.values():
    _BY_ARTICLE.setdefault(part_key(_row[0]), []).append(_row)
_CROSS: dict[tuple[str, str], list[tuple[str, str]]] = {}
for _group in CROSSES:
    for _a, _b in _group:
        _CROSS[(part_key(_a), part_key(_b))] = [(a, b) for a, b in _group if (a, b) != (_a, _b)]


def part_info(article: str, brand: str) -> tuple[str, str, str, float, int]:
    """(article, brand, name, base price in roubles, pack) for any article."""
    known = _KNOWN.get((part_key(article), part_key(brand)))
    if known:
        return known
    u = _h("base", part_key(article), part_key(brand))
    price = round(math.exp(math.log(150) + u * (math.log(15000) - math.log(150))))
    name = NAMES[int(_h("name", part_key(article)) * len(NAMES))]
    pack = 4 if _h("pack", part_key(article)) < 0.08 else 1
    return article, brand, name, price, pack


def brands_for(article: str) -> list[str]:
    known = [row[1] for row in _BY_ARTICLE.get(part_key(article), [])]
    if known:
        return known
    u = _h("brand", part_key(article))
    first = BRANDS[int(u * len(BRANDS))]
    second = BRANDS[int(_h("brand2", part_key(article)) * len(BRANDS))]
    return [first] if u < 0.7 or second == first else [first, second]


def drift(article_key: str, brand_key: str, day: dt.date) -> float:
    """Slow price wave (+-15 %, ~40-day period) plus a rare spike of x2 for a week."""
    phase = _h("phase", article_key, brand_key)
    n = day.toordinal()
    factor = 1 + 0.15 * math.sin(2 * math.pi * (n / 40.0 + phase))
    week = n // 7
    if _h("spike", article_key, brand_key, week) < 0.04:
        factor *= 2.0
    return factor


@dataclass
class SimSupplier:
    name: str
    seed: int = 1
    login: str = "demo"
    password: str = "demo"
    coverage: float = 0.85
    price_factor: float = 1.0
    days: int = 1  # base delivery, working days
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_limit: float = 0.0
    retry_after: float = 1.0
    error_rate: float = 0.0
    fail_next: int = 0
    timeout_rate: float = 0.0
    hang_s: float = 30.0
    down: bool = False
    refuse_rate: float = 0.0
    refuse_articles: list[str] = field(default_factory=list)
    date: str = ""  # simulated day, empty = today
    # runtime
    counters: dict = field(default_factory=lambda: {"requests": 0, "429": 0, "5xx": 0, "dropped": 0})
    orders: dict = field(default_factory=dict)
    basket: list = field(default_factory=list)
    client_refs: dict = field(default_factory=dict)
    _tokens: float = 0.0
    _last: float = 0.0

    def today(self) -> dt.date:
        return dt.date.fromisoformat(self.date) if self.date else dt.date.today()

    def offer(self, article: str, brand: str, requested: tuple[str, str]) -> dict | None:
        akey, bkey = part_key(article), part_key(brand)
        if (akey, bkey) not in _KNOWN and _h("has", self.seed, akey, bkey) >= self.coverage:
            return None
        if (akey, bkey) in _KNOWN and _h("has", self.seed, akey, bkey) >= max(self.coverage, 0.9):
            return None
        art, br, name, base, pack = part_info(article, brand)
        own = 0.9 + 0.25 * _h("own", self.seed, akey, bkey)
        price = base * self.price_factor * own * drift(akey, bkey, self.today())
        qty_u = _h("qty", self.seed, akey, self.today().isoformat())
        qty = int(qty_u * 40) if qty_u > 0.1 else -10
        days = self.days + int(_h("days", self.seed, akey) * 3)
        return {
            "brand": br, "number": art, "numberFix": akey, "description": name,
            "availability": qty, "packing": pack, "price": round(price, 2),
            "deliveryPeriod": days * 24, "deliveryPeriodMax": (days + 1) * 24,
            "itemKey": hashlib.md5(f"{self.seed}:{akey}:{bkey}".encode()).hexdigest(),
            "supplierCode": str(1000 + self.seed), "distributorId": self.seed,
            "isOriginal": (akey, bkey) == requested,
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SimServer

    def log_message(self, fmt, *args):  # quiet by default; the server logs what matters
        log.debug("sim %s - " + fmt, self.address_string(), *args)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _send(self, status: int, body, headers: dict | None = None):
        raw = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(raw)

    def _dispatch(self, method: str):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = [p for p in url.path.split("/") if p]
        if parts[:1] == ["_control"] and len(parts) == 2 and method == "POST":
            return self._send(200, self.server.control(parts[1], json.loads(body or b"{}")))
        if parts == ["_state"]:
            return self._send(200, self.server.state())
        if not parts or parts[0] not in self.server.suppliers:
            return self._send(404, {"errorCode": 404, "errorMessage": "unknown supplier"})
        sup = self.server.suppliers[parts[0]]
        action = "/".join(parts[1:])
        params = parse_qsl(url.query, keep_blank_values=True)
        if method == "POST":
            params += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        fault = self.server.fault(sup)
        if fault == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return None
        if fault == "429":
            return self._send(429, {"errorCode": 429, "errorMessage": "Too many requests"},
                              {"Retry-After": f"{sup.retry_after:g}"})
        if fault == "500":
            return self._send(500, {"errorCode": 500, "errorMessage": "Internal error"})
        args: dict[str, str] = {}
        lists: dict[str, list[str]] = {}
        for k, v in params:
            args[k] = v
            lists.setdefault(k, []).append(v)
        if args.get("userlogin") != sup.login or args.get("userpsw") != expected_userpsw(sup.password):
            return self._send(403, {"errorCode": 102, "errorMessage": "Неверный логин или пароль"})
        with self.server.lock:
            status, result = self.server.handle(sup, action, args, lists)
        return self._send(status, result)


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, suppliers: list[SimSupplier], host: str = "127.0.0.1", port: int = DEFAULT_PORT):
        self.suppliers = {s.name: s for s in suppliers}
        self.lock = threading.Lock()
        self._rng = random.Random(7)
        self._order_no = 100000
        super().__init__((host, port), _Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    # -- faults ------------------------------------------------------------------
    def fault(self, sup: SimSupplier) -> str | None:
        with self.lock:
            sup.counters["requests"] += 1
            if sup.down:
                sup.counters["dropped"] += 1
                return "drop"
            if sup.rate_limit > 0:
                now = time.monotonic()
                if not sup._last:
                    sup._last, sup._tokens = now, max(1.0, sup.rate_limit)
                sup._tokens = min(max(1.0, sup.rate_limit), sup._tokens + (now - sup._last) * sup.rate_limit)
                sup._last = now
                if sup._tokens < 1.0:
                    sup.counters["429"] += 1
                    return "429"
                sup._tokens -= 1.0
            if sup.fail_next > 0:
                sup.fail_next -= 1
                sup.counters["5xx"] += 1
                return "500"
            roll = self._rng.random()
            hang = self._rng.random() < sup.timeout_rate
            delay = (sup.latency_ms + self._rng.random() * sup.jitter_ms) / 1000.0
        if hang:
            time.sleep(sup.hang_s)
        elif delay:
            time.sleep(delay)
        if roll < sup.error_rate:
            with self.lock:
                sup.counters["5xx"] += 1
            return "500"
        return None

    def control(self, name: str, changes: dict) -> dict:
        with self.lock:
            sup = self.suppliers.get(name)
            if sup is None:
                sup = self.suppliers[name] = SimSupplier(name=name, seed=len(self.suppliers) + 1)
            for key, value in changes.items():
                if key in SimSupplier.__dataclass_fields__ and not key.startswith("_"):
                    setattr(sup, key, value)
            return _public(sup)

    def state(self) -> dict:
        with self.lock:
            return {name: _public(s) for name, s in self.suppliers.items()}

    # -- the API -----------------------------------------------------------------
    def handle(self, sup: SimSupplier, action: str, args: dict, lists: dict) -> tuple[int, object]:
        action = action.strip("/")
        if action == "search/brands":
            number = args.get("number", "")
            brands = [b for b in brands_for(number) if sup.offer(number, b, (part_key(number), part_key(b)))]
            if not brands:
                return 404, {"errorCode": 301, "errorMessage": "No results"}
            name = part_info(number, brands[0])[2]
            return 200, {str(i): {"brand": b, "number": number, "numberFix": part_key(number),
                                  "description": name} for i, b in enumerate(brands)}
        if action == "search/articles":
            number, brand = args.get("number", ""), args.get("brand", "")
            req = (part_key(number), part_key(brand))
            rows = []
            first = sup.offer(number, brand, req)
            if first:
                rows.append(first)
            if args.get("withOutAnalogs", "0") != "1":
                for a, b in _CROSS.get(req, []):
                    row = sup.offer(a, b, req)
                    if row:
                        rows.append(row)
            if not rows:
                return 404, {"errorCode": 301, "errorMessage": "No results"}
            return 200, rows
        if action == "basket/add":
            positions = _positions(args)
            result = []
            for p in positions:
                ok = int(p.get("quantity") or 0) > 0 and p.get("number")
                if ok:
                    sup.basket.append(p)
                result.append({**p, "status": 1 if ok else 0,
                               "errorMessage": "" if ok else "Неверное количество"})
            return 200, {"status": 1, "positions": result}
        if action == "basket/clear":
            sup.basket.clear()
            return 200, {"status": 1}
        if action == "basket/content":
            return 200, list(sup.basket)
        if action == "basket/order":
            positions, sup.basket = list(sup.basket), []
            return self._order(sup, positions, args)
        if action == "orders/instant":
            return self._order(sup, _positions(args), args)
        if action == "orders/list":
            numbers = lists.get("orders[]", []) or lists.get("orders", [])
            out = {}
            for n in numbers:
                order = sup.orders.get(n)
                if order is None:
                    continue
                order["polls"] += 1
                for p in order["positions"]:
                    if p["status"] == "Отказ":
                        continue
                    p["status"] = ["Ожидает обработки", "В работе", "Отгружено"][min(order["polls"], 2)]
                out[n] = {k: v for k, v in order.items() if k != "polls"}
            return 200, out
        return 404, {"errorCode": 404, "errorMessage": f"unknown method {action}"}

    def _order(self, sup: SimSupplier, positions: list[dict], args: dict) -> tuple[int, object]:
        ref = args.get("clientOrderNumber", "")
        if ref and ref in sup.client_refs:
            number = sup.client_refs[ref]
            return 200, {"status": 1, "orders": {number: _strip(sup.orders[number])}}
        if not positions:
            return 400, {"errorCode": 400, "errorMessage": "Корзина пуста"}
        self._order_no += 1
        number = str(self._order_no)
        lines = []
        for i, p in enumerate(positions):
            akey = part_key(p.get("number"))
            refused = (p.get("number") in sup.refuse_articles or akey in sup.refuse_articles
                       or _h("refuse", sup.seed, akey, number) < sup.refuse_rate)
            lines.append({
                "id": f"{number}-{i + 1}", "brand": p.get("brand", ""), "number": p.get("number", ""),
                "quantity": int(p.get("quantity") or 0), "comment": p.get("comment", ""),
                "status": "Отказ" if refused else "Ожидает обработки",
                "commentAnswer": "нет на складе поставщика" if refused else "",
            })
        sup.orders[number] = {"number": number, "status": "Новый", "clientOrderNumber": ref,
                              "date": sup.today().isoformat(), "positions": lines, "polls": 0}
        if ref:
            sup.client_refs[ref] = number
        return 200, {"status": 1, "orders": {number: _strip(sup.orders[number])}}


def _strip(order: dict) -> dict:
    return {k: v for k, v in order.items() if k != "polls"}


def _public(sup: SimSupplier) -> dict:
    data = {k: v for k, v in asdict(sup).items() if not k.startswith("_") and k != "basket"}
    data["orders"] = {n: _strip(o) for n, o in sup.orders.items()}
    return data


def _positions(args: dict) -> list[dict]:
    """``positions[0][number]=...`` form fields -> list of dicts."""
    rows: dict[int, dict] = {}
    for key, value in args.items():
        if key.startswith("positions[") and "][" in key:
            idx, _, fld = key[len("positions["):].rstrip("]").partition("][")
            rows.setdefault(int(idx), {})[fld] = value
    return [rows[i] for i in sorted(rows)]


def default_suppliers(count: int = 2) -> list[SimSupplier]:
    """The demo's suppliers: cheaper-but-slower and dearer-but-faster, and more."""
    presets = [
        dict(name="sim1", seed=1, price_factor=0.95, days=2, latency_ms=80, jitter_ms=120),
        dict(name="sim2", seed=2, price_factor=1.05, days=0, latency_ms=150, jitter_ms=200),
    ]
    out = [SimSupplier(**p) for p in presets[:count]]
    for i in range(len(out), count):
        out.append(SimSupplier(name=f"sim{i + 1}", seed=i + 1, price_factor=0.9 + 0.05 * (i % 5), days=i % 3))
    return out


class RunningSim:
    """A simulator in a background thread (tests, the benchmark, the demo builder)."""

    def __init__(self, suppliers: list[SimSupplier] | None = None, port: int = 0):
        self.server = SimServer(suppliers or default_suppliers(), port=port)
        self.thread = threading.Thread(target=self.server.serve_forever, name="supplier-sim", daemon=True)

    def __enter__(self) -> SimServer:
        self.thread.start()
        return self.server

    def __exit__(self, *exc):
        self.stop()

    def start(self) -> SimServer:
        return self.__enter__()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(port: int = DEFAULT_PORT, count: int = 2, **faults) -> None:
    """``prilavok supplier-sim``: run until interrupted."""
    sups = default_suppliers(count)
    for s in sups:
        for k, v in faults.items():
            if v is not None:
                setattr(s, k, v)
    server = SimServer(sups, port=port)
    names = ", ".join(server.url(s.name) for s in sups)
    print(f"supplier simulator: {names} (login demo / password demo)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
