"""Adapter for the ABCP-style JSON API that many Russian parts distributors expose.

Methods used (GET unless noted), every call authenticated by ``userlogin`` and
``userpsw`` = md5 of the password (a 32-hex password in the settings is taken as the
hash already):

- ``search/brands`` ``number`` -> brands that have this number;
- ``search/articles`` ``number``, ``brand``, ``useOnlineStocks``, ``withOutAnalogs``
  -> offers (``price`` in roubles, ``availability`` with negative codes for "1+/10+/99+",
  ``packing``, ``deliveryPeriod``/``deliveryPeriodMax`` in hours, ``itemKey``,
  ``supplierCode``); rows whose number/brand differ from the request are replacements;
- ``orders/instant`` (POST ``positions[i][...]``, ``clientOrderNumber``) -> the created
  orders with their positions; or, with option ``order_via = basket``, ``basket/add``
  then ``basket/order`` (POST);
- ``orders/list`` ``orders[]`` -> orders with positions and their status text.

A 404 with an error body on a search means "no results", not a failure.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from decimal import ROUND_HALF_UP, Decimal

from appliance.parts import article_key, brand_key

from .base import (
    CONFIRMED,
    ORDERED,
    REFUSED,
    SHIPPED,
    AuthFailed,
    LineStatus,
    Offer,
    OrderLine,
    OrderRef,
    OrderRejected,
    SupplierAdapter,
    SupplierConfig,
    SupplierError,
)
from .http import HTTPPolicy, SupplierHTTP

log = logging.getLogger(__name__)

_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")

# availability codes: "1+", "10+", "99+", "under order"
_AVAILABILITY = {-1: None, -2: 10, -3: 100, -10: 0}

_STATUS_WORDS = (
    (REFUSED, ("отказ", "снят", "нет в наличии", "аннулир", "отмен")),
    (SHIPPED, ("отгруж", "выдан", "в пути", "пришло", "поступил", "готов", "доставлен")),
    (CONFIRMED, ("в работе", "подтвержд", "заказано у поставщика", "принят", "собира")),
)


def password_hash(password: str) -> str:
    if _MD5.match(password or ""):
        return password.lower()
    return hashlib.md5((password or "").encode("utf-8")).hexdigest()


def map_status(text: str, code: int | str | None = None) -> str:
    """ABCP statuses are names each distributor sets up; read them by their words."""
    low = (text or "").lower()
    for status, words in _STATUS_WORDS:
        if any(w in low for w in words):
            return status
    return ORDERED


def rub_to_kop(value) -> int:
    return int((Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def positions_form(lines: list[OrderLine]) -> dict:
    """``positions[i][field]`` form fields, as the API wants them."""
    form: dict[str, str] = {}
    for i, line in enumerate(lines):
        supplier_code, _, item_key = (line.offer_key or "").partition("|")
        form[f"positions[{i}][brand]"] = line.brand
        form[f"positions[{i}][number]"] = line.article
        form[f"positions[{i}][supplierCode]"] = supplier_code
        form[f"positions[{i}][itemKey]"] = item_key
        form[f"positions[{i}][quantity]"] = str(line.qty)
        form[f"positions[{i}][comment]"] = line.ref or line.comment
    return form


class AbcpAdapter(SupplierAdapter):
    kind = "abcp"

    def __init__(self, config: SupplierConfig, http: SupplierHTTP | None = None,
                 policy: HTTPPolicy | None = None):
        super().__init__(config)
        self.http = http or SupplierHTTP(
            config.code, config.url, policy=policy,
            concurrency=config.concurrency, rate_limit=config.rate_limit,
        )
        self.max_brands = int(config.options.get("max_brands", 5))

    # -- auth and errors -------------------------------------------------------
    def _auth(self) -> dict:
        return {"userlogin": self.config.login, "userpsw": password_hash(self.config.password)}

    def _check(self, resp, what: str, *, empty_on_404: bool = False):
        if resp.status == 200:
            return resp.data
        err = resp.data if isinstance(resp.data, dict) else {}
        message = str(err.get("errorMessage") or resp.text[:200] or f"HTTP {resp.status}")
        if resp.status == 404 and empty_on_404:
            return None
        if resp.status in (401, 403):
            log.warning("supplier %s: %s: auth rejected: %s", self.code, what, message)
            raise AuthFailed(f"поставщик {self.name} не принял логин или пароль",
                             supplier=self.code, detail=message)
        log.warning("supplier %s: %s failed: HTTP %s %s", self.code, what, resp.status, message)
        raise SupplierError(f"поставщик {self.name} ответил ошибкой: {message}",
                            supplier=self.code, detail=f"HTTP {resp.status}")

    # -- price check -------------------------------------------------------------
    def brands(self, article: str) -> list[str]:
        resp = self.http.get("search/brands/", {**self._auth(), "number": article})
        data = self._check(resp, "search/brands", empty_on_404=True) or {}
        rows = data.values() if isinstance(data, dict) else data
        return [str(r.get("brand")) for r in rows if isinstance(r, dict) and r.get("brand")]

    def search(self, article: str, brand: str | None = None) -> list[Offer]:
        brands = [brand] if brand else self.brands(article)[: self.max_brands]
        offers: list[Offer] = []
        for b in brands:
            offers.extend(self._articles(article, b))
        return offers

    def _articles(self, article: str, brand: str) -> list[Offer]:
        params = {**self._auth(), "number": article, "brand": brand,
                  "useOnlineStocks": 1, "withOutAnalogs": 0}
        resp = self.http.get("search/articles/", params)
        rows = self._check(resp, "search/articles", empty_on_404=True) or []
        if isinstance(rows, dict):
            rows = list(rows.values())
        want_a, want_b = article_key(article), brand_key(brand)
        offers = []
        for row in rows:
            try:
                offers.append(self._offer(row, want_a, want_b))
            except (KeyError, TypeError, ValueError, ArithmeticError) as e:
                log.warning("supplier %s: skipped a bad search row %r: %s", self.code, row, e)
        return offers

    def _offer(self, row: dict, want_a: str, want_b: str) -> Offer:
        price = rub_to_kop(row["price"])
        avail = int(row.get("availability") or 0)
        qty = _AVAILABILITY.get(avail, None) if avail < 0 else avail
        packing = max(1, int(row.get("packing") or 1))
        h_min = float(row.get("deliveryPeriod") or 0)
        h_max = float(row.get("deliveryPeriodMax") or h_min)
        d_min = self._days(math.ceil(h_min / 24))
        d_max = max(d_min, self._days(math.ceil(h_max / 24)))
        number, brand = str(row["number"]), str(row["brand"])
        return Offer(
            supplier=self.code,
            supplier_name=self.name,
            article=number,
            brand=brand,
            name=str(row.get("description") or ""),
            price_kop=price,
            retail_kop=self._retail(price),
            qty=qty,
            days_min=d_min,
            days_max=d_max,
            pack=packing,
            min_qty=packing,
            offer_key=f"{row.get('supplierCode', '')}|{row.get('itemKey', '')}",
            is_analog=(article_key(number), brand_key(brand)) != (want_a, want_b),
        )

    # -- orders ------------------------------------------------------------------
    def place_order(self, lines: list[OrderLine], client_ref: str = "") -> OrderRef:
        if not lines:
            raise OrderRejected("нечего заказывать", supplier=self.code)
        common = {**self._auth(), "clientOrderNumber": client_ref,
                  "comment": f"Prilavok {client_ref}".strip()}
        for key in ("paymentMethod", "shipmentMethod", "shipmentAddress", "shipmentOffice"):
            value = self.config.options.get(key) or self.config.options.get(key.lower())
            if value:
                common[key] = value
        safe = bool(client_ref)  # the supplier de-duplicates on clientOrderNumber
        if str(self.config.options.get("order_via", "")).lower() == "basket":
            resp = self.http.post("basket/add", {**self._auth(), **positions_form(lines)}, idempotent=False)
            added = self._check(resp, "basket/add") or {}
            bad = [p for p in added.get("positions", []) if str(p.get("status")) != "1"]
            if bad:
                reasons = "; ".join(str(p.get("errorMessage") or p.get("number")) for p in bad)
                raise OrderRejected(f"поставщик {self.name} не принял позиции: {reasons}",
                                    supplier=self.code)
            resp = self.http.post("basket/order", common, idempotent=safe)
        else:
            resp = self.http.post("orders/instant", {**common, **positions_form(lines)}, idempotent=safe)
        data = self._check(resp, "order") or {}
        orders = data.get("orders") or {}
        if isinstance(orders, list):
            orders = {str(o.get("number")): o for o in orders}
        if str(data.get("status")) != "1" or not orders:
            raise OrderRejected(
                f"поставщик {self.name} не принял заказ: {data.get('errorMessage') or 'без объяснения'}",
                supplier=self.code)
        numbers = sorted(orders)
        statuses = tuple(s for n in numbers for s in self._positions(n, orders[n]))
        return OrderRef(self.code, ",".join(numbers), statuses)

    def line_status(self, order_ref: str) -> list[LineStatus]:
        numbers = [n for n in order_ref.split(",") if n]
        params = [*self._auth().items(), *(("orders[]", n) for n in numbers)]
        resp = self.http.get("orders/list/", params)
        data = self._check(resp, "orders/list") or {}
        if isinstance(data, list):
            data = {str(o.get("number")): o for o in data}
        out: list[LineStatus] = []
        for n in numbers:
            if n in data:
                out.extend(self._positions(n, data[n]))
        return out

    def _positions(self, number: str, order: dict) -> list[LineStatus]:
        result = []
        for p in order.get("positions", []):
            text = str(p.get("status") or "")
            status = map_status(text, p.get("statusCode"))
            reason = str(p.get("commentAnswer") or "") if status == REFUSED else ""
            result.append(LineStatus(
                order_ref=str(number), article=str(p.get("number", "")), brand=str(p.get("brand", "")),
                qty=int(p.get("quantity") or 0), status=status,
                reason=reason or (text if status == REFUSED else ""),
                line_ref=str(p.get("id", "")), ref=str(p.get("comment") or ""),
            ))
        return result

    def ping(self) -> bool:
        try:
            resp = self.http.get("search/brands/", {**self._auth(), "number": "0"})
        except SupplierError:
            return False
        return resp.status in (200, 404)
