"""Price check (проценка): ask every supplier in parallel, merge and rank the offers.

Each supplier has its own small thread pool (its ``concurrency``), so a slow or dead
supplier queues only its own requests. Answers are cached for ``[suppliers]
price_cache_seconds`` (a manager re-opening the same part does not re-ask everyone).
The shop's own stock and its analogs' stock come first in the merged list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from appliance import settings
from appliance.clock import utcnow
from appliance.exchange.stock import on_hand
from appliance.parts import article_key, brand_key
from appliance.purchasing import analogs
from appliance.suppliers import registry
from appliance.suppliers.base import AuthFailed, LinkDown, Offer, SupplierAdapter, SupplierError
from db import database, write_transaction
from db.models.catalog import Product
from db.models.suppliers import PriceCheckAnswer, PriceCheckRun

log = logging.getLogger(__name__)

OWN = "own"


@dataclass
class Answer:
    supplier: str
    supplier_name: str
    offers: list[Offer] = field(default_factory=list)
    error: str = ""  # Russian, for a person
    link_down: bool = False
    cached: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class PriceCheck:
    article: str
    brand: str
    own: list[Offer]
    answers: list[Answer]

    @property
    def offers(self) -> list[Offer]:
        return rank(self.own + [o for a in self.answers for o in a.offers])


# -- stock of our own warehouse ------------------------------------------------------

def stock_on_hand(akey: str, bkey: str) -> int:
    """Quantity on hand from the accounting exchange's last stock snapshot."""
    return int(on_hand(akey, bkey) or 0)


def own_offers(article: str, brand: str | None) -> list[Offer]:
    """Our shelf: the part itself, then its analogs, as offers with 0 days."""
    akey = article_key(article)
    if brand:
        brands = [brand_key(brand)]
    else:  # no brand typed: every brand we know this article under
        brands = sorted({p.brand_key for p in Product.select(Product.brand_key)
                         .where(Product.article_key == akey)}) or [""]
    keys = []
    for bkey in brands:
        keys += [(akey, bkey, False)] + [(a, b, True) for a, b in analogs.analog_keys(akey, bkey)]
    out = []
    for a, b, is_analog in keys:
        qty = stock_on_hand(a, b)
        if qty <= 0:
            continue
        prod = Product.get_or_none((Product.article_key == a) & (Product.brand_key == b))
        out.append(Offer(
            supplier=OWN, supplier_name="наш склад", article=prod.article if prod else a,
            brand=prod.brand if prod else b, name=prod.name if prod else "",
            price_kop=0, retail_kop=prod.price_kop if prod else None,
            qty=qty, days_min=0, days_max=0, own_stock=True, is_analog=is_analog,
        ))
    return out


# -- ranking -------------------------------------------------------------------------

def rank(offers: Iterable[Offer], sort: str = "price") -> list[Offer]:
    """Own stock first (the part, then analogs), then by price or by delivery."""

    def k(o: Offer):
        unavailable = o.qty == 0
        if sort == "days":
            tail = (o.days_max, o.days_min, o.price_kop)
        else:
            tail = (o.price_kop, o.days_max)
        return (not o.own_stock, o.own_stock and o.is_analog, unavailable, *tail)

    return sorted(offers, key=k)


# -- asking suppliers ----------------------------------------------------------------

_pools: dict[str, tuple[int, ThreadPoolExecutor]] = {}
_pools_lock = threading.Lock()
_cache: dict[tuple[str, str, str], tuple[float, list[Offer]]] = {}
_cache_lock = threading.Lock()


def _pool(adapter: SupplierAdapter) -> ThreadPoolExecutor:
    size = max(1, int(adapter.config.concurrency or 1))
    with _pools_lock:
        cur = _pools.get(adapter.code)
        if cur is None or cur[0] != size:
            cur = (size, ThreadPoolExecutor(size, thread_name_prefix=f"sup-{adapter.code}"))
            _pools[adapter.code] = cur
        return cur[1]


def cache_seconds() -> float:
    return settings.get().getfloat("suppliers", "price_cache_seconds")


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def ask(adapter: SupplierAdapter, article: str, brand: str | None = None, *, use_cache: bool = True,
        record: bool = True, learn: bool = True) -> Answer:
    """One supplier's answer; never raises (errors become ``Answer.error``)."""
    ck = (adapter.code, article_key(article), brand_key(brand or ""))
    ttl = cache_seconds() if use_cache else 0
    if ttl > 0:
        with _cache_lock:
            hit = _cache.get(ck)
        if hit and hit[0] > time.monotonic():
            return Answer(adapter.code, adapter.name, list(hit[1]), cached=True)
    t0 = time.monotonic()
    answer = Answer(adapter.code, adapter.name)
    try:
        answer.offers = adapter.search(article, brand)
    except LinkDown as e:
        answer.error, answer.link_down = "нет связи", True
        log.info("price check %s %s at %s: link down (%s)", article, brand, adapter.code, e.detail)
    except AuthFailed as e:
        answer.error = e.message_ru
    except SupplierError as e:
        answer.error = e.message_ru
        log.warning("price check %s %s at %s: %s (%s)", article, brand, adapter.code, e, e.detail)
    except Exception as e:  # a broken adapter must not take the page down
        answer.error = "ошибка при запросе"
        log.exception("price check %s %s at %s failed: %s", article, brand, adapter.code, e)
    answer.seconds = time.monotonic() - t0
    if answer.ok:
        if ttl > 0:
            with _cache_lock:
                _cache[ck] = (time.monotonic() + ttl, list(answer.offers))
        if record:
            record_quotes(article, brand, answer.offers)
        if learn and brand:
            learn_analogs(article, brand, answer.offers)
    return answer


def submit(adapter: SupplierAdapter, article: str, brand: str | None = None, **kw) -> Future:
    return _pool(adapter).submit(ask, adapter, article, brand, **kw)


def suppliers(codes: Iterable[str] | None = None) -> list[SupplierAdapter]:
    adapters = registry.all_suppliers()
    if codes is not None:
        wanted = set(codes)
        adapters = [a for a in adapters if a.code in wanted]
    return adapters


def iter_answers(article: str, brand: str | None = None, adapters: list[SupplierAdapter] | None = None,
                 **kw) -> Iterator[Answer]:
    """Answers in the order they arrive."""
    futures = [submit(a, article, brand, **kw) for a in (adapters if adapters is not None else suppliers())]
    for f in as_completed(futures):
        yield f.result()


def ask_all(article: str, brand: str | None = None, adapters: list[SupplierAdapter] | None = None,
            **kw) -> list[Answer]:
    return list(iter_answers(article, brand, adapters, **kw))


def check(article: str, brand: str | None = None, adapters: list[SupplierAdapter] | None = None) -> PriceCheck:
    """Everything at once (CLI, tests): own stock plus every supplier's answer."""
    return PriceCheck(article, brand or "", own_offers(article, brand), ask_all(article, brand, adapters))


# -- side effects of an answer -------------------------------------------------------

def record_quotes(article: str, brand: str | None, offers: list[Offer]) -> int:
    """Keep every quote of the asked part in the price history."""
    from db.models.suppliers import PriceQuote

    akey, bkey = article_key(article), brand_key(brand or "")
    now = utcnow()
    rows = [dict(article_key=akey, brand_key=brand_key(o.brand),
                 supplier=o.supplier, price_kop=o.price_kop, qty=o.qty, days_min=o.days_min,
                 days_max=o.days_max, quoted_at=now)
            for o in offers if not o.is_analog and o.price_kop > 0]
    if brand:
        rows = [r for r in rows if r["brand_key"] == bkey]
    if not rows:
        return 0
    try:
        with write_transaction():
            PriceQuote.insert_many(rows).execute()
    except Exception:
        log.exception("price history: could not store %d quotes for %s", len(rows), article)
        return 0
    return len(rows)


def learn_analogs(article: str, brand: str, offers: list[Offer]) -> None:
    for o in offers:
        if o.is_analog and o.brand:
            analogs.learn((article, brand), (o.article, o.brand))


# -- a price check the counter page polls for ---------------------------------------

@dataclass
class Progress:
    article: str
    brand: str
    answers: list[Answer]
    pending: list[str]  # names of suppliers still answering
    own: list[Offer]

    @property
    def done(self) -> bool:
        return not self.pending


_RUNNING_TTL = dt.timedelta(minutes=10)


def _answer_to_json(answer: Answer) -> str:
    return json.dumps(dataclasses.asdict(answer), ensure_ascii=False)


def _answer_from_json(text: str) -> Answer:
    data = json.loads(text)
    data["offers"] = [Offer(**o) for o in data.get("offers", [])]
    return Answer(**data)


def _store_answer(run_id: int, code: str, future: Future) -> None:
    """Runs in the supplier's pool thread when its answer is in: the poll may come to any web process."""
    try:
        answer = future.result()
    except Exception as exc:  # ask() turns supplier trouble into an Answer; this is a bug guard
        log.exception("price check answer from %s failed", code)
        answer = Answer(code, code, error=f"Ошибка: {exc}")
    with database.connection_context():
        PriceCheckAnswer.insert(run=run_id, supplier=code, payload=_answer_to_json(answer)).execute()


def start(article: str, brand: str | None = None) -> str:
    """Ask every supplier in the background; poll ``progress(token)`` for what has come."""
    import secrets

    adapters = suppliers()
    token = secrets.token_urlsafe(8)
    now = utcnow()
    with write_transaction():
        PriceCheckRun.delete().where(PriceCheckRun.created_at < now - _RUNNING_TTL).execute()
        run = PriceCheckRun.create(token=token, article=article, brand=brand or "", created_at=now,
                                   suppliers=json.dumps([[a.code, a.name] for a in adapters], ensure_ascii=False))
    for adapter in adapters:
        future = submit(adapter, article, brand)
        with _background:
            _running.add(future)
        future.add_done_callback(lambda f, code=adapter.code: _answer_arrived(run.id, code, f))
    return token


_running: set[Future] = set()
_background = threading.Condition()


def _answer_arrived(run_id: int, code: str, future: Future) -> None:
    try:
        _store_answer(run_id, code, future)
    finally:
        with _background:
            _running.discard(future)
            _background.notify_all()


def wait_background(timeout: float = 30.0) -> bool:
    """Wait until the page's background checks have stored their answers (shutdown, tests)."""
    with _background:
        return _background.wait_for(lambda: not _running, timeout)


def progress(token: str) -> Progress | None:
    run = PriceCheckRun.get_or_none(PriceCheckRun.token == token)
    if run is None or run.created_at < utcnow() - _RUNNING_TTL:
        return None
    answers = {a.supplier: _answer_from_json(a.payload) for a in run.answers}
    pending = [name for code, name in json.loads(run.suppliers) if code not in answers]
    own = own_offers(run.article, run.brand or None)
    return Progress(run.article, run.brand, list(answers.values()), pending, own)
