"""1C «Возврат товара» documents: matched to their sale, applied to the card once.

A return names its sale in «Документ-основание» (the sale's 1C Ид, or «ЧК-000201 от
21.11.2026»). Its lines are matched to the sale's lines by article and brand (by name when
there is no article). What cannot be applied is kept with the reason and shown to a person:
no such sale in the box (``no_sale``), more returned than was sold (``refused``). The same
return (by its 1C Ид, or number + day) is applied once however many times it arrives.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from appliance import clock, notifications, parts
from appliance.exchange.commerceml_records import base_keys
from appliance.loyalty import ledger
from db.bulk import insert_returning_ids, select_in, table
from db.models.loyalty import LoyaltySale, SaleReturn, SaleReturnLine
from db.models.sales import Sale, SaleLine


@dataclasses.dataclass
class ReturnDoc:
    external_id: str
    number: str
    date: dt.datetime  # UTC
    base: str
    card: str = ""
    total_kop: int = 0
    content_hash: str = ""
    lines: list[tuple[str, str, str, Decimal, int]] = dataclasses.field(default_factory=list)  # art, brand, name, qty, sum


@dataclasses.dataclass
class Outcome:
    created: int = 0
    skipped: int = 0
    applied: int = 0
    flagged: int = 0


def _find_sales(docs: list[ReturnDoc]) -> dict[str, Sale | None]:
    keys = {d.external_id: base_keys(d.base) for d in docs}
    ids = {whole for whole, _, _ in keys.values() if whole}
    numbers = {number for _, number, _ in keys.values() if number}
    by_ext = {ext: sid for sid, ext in select_in(f"SELECT id, external_id FROM {table(Sale)} WHERE external_id IN", ids)}
    by_number: dict[str, list[tuple[int, dt.datetime]]] = {}
    for sid, number, date in select_in(f"SELECT id, number, date FROM {table(Sale)} WHERE number IN", numbers):
        by_number.setdefault(number, []).append((sid, date if isinstance(date, dt.datetime) else
                                                 dt.datetime.fromisoformat(str(date))))
    out: dict[str, int | None] = {}
    for d in docs:
        whole, number, day = keys[d.external_id]
        found = by_ext.get(whole)
        if found is None and number in by_number:
            same = [(sid, when) for sid, when in by_number[number]
                    if (day is None or clock.shop_date(when) == day) and when <= d.date]
            found = max(same, key=lambda t: t[1])[0] if same else None
        out[d.external_id] = found
    sales = {s.id: s for s in Sale.select().where(Sale.id.in_([i for i in out.values() if i]))}
    return {ext: sales.get(sid) if sid else None for ext, sid in out.items()}


def _same_goods(line: SaleLine, article: str, brand: str, name: str) -> bool:
    """The same goods: article and brand (a missing brand matches any), or the name without an article."""
    ak = parts.article_key(article)
    if not ak:
        return " ".join(line.name.lower().split()) == " ".join(name.lower().split())
    bk = parts.brand_key(brand)
    return parts.article_key(line.article) == ak and (not bk or not line.brand or parts.brand_key(line.brand) == bk)


def _match_lines(doc: ReturnDoc, sale: Sale) -> tuple[list[tuple[int | None, tuple]], str]:
    """Each return line given a sale line (split over several equal lines if it must); or the
    Russian reason the whole return is refused."""
    lines = list(SaleLine.select().where(SaleLine.sale == sale.id).order_by(SaleLine.id))
    back = ledger.returned_qty([ln.id for ln in lines])
    left = {ln.id: Decimal(ln.qty) - Decimal(back.get(ln.id, 0)) for ln in lines}
    out = []
    for art, brand, name, qty, sum_kop in doc.lines:
        same = [ln for ln in lines if _same_goods(ln, art, brand, name)]
        what = f"«{art or name}»"
        if not same:
            return [], f"в продаже {sale.number} нет товара {what}"
        if qty <= 0:
            return [], f"{what}: количество возврата должно быть больше нуля"
        have = sum((left[ln.id] for ln in same), Decimal(0))
        if qty > have:
            sold = sum((Decimal(ln.qty) for ln in same), Decimal(0))
            return [], (f"возврат больше продажи: {what} возвращают {qty.normalize():f} шт., продано "
                        f"{sold.normalize():f}, уже возвращено {(sold - have).normalize():f}")
        need, rest_sum = qty, sum_kop
        for ln in same:
            take = min(need, left[ln.id])
            if take <= 0:
                continue
            left[ln.id] -= take
            share = rest_sum if take == need else int(sum_kop * take / qty)
            rest_sum -= share
            out.append((ln.id, (art, brand, name, take, share)))
            need -= take
            if not need:
                break
    return out, ""


def import_returns(docs: list[ReturnDoc], import_log_id: int | None = None) -> Outcome:
    """One batch of return documents, inside the importer's transaction."""
    result = Outcome()
    seen = {ext for (ext,) in select_in(f"SELECT external_id FROM {table(SaleReturn)} WHERE external_id IN",
                                        [d.external_id for d in docs])}
    fresh = []
    for d in docs:
        if d.external_id in seen:
            result.skipped += 1
            continue
        seen.add(d.external_id)
        fresh.append(d)
    if not fresh:
        return result
    sales = _find_sales(fresh)
    now = clock.utcnow()
    for d in fresh:
        ret = SaleReturn.create(external_id=d.external_id, number=d.number[:100], date=d.date, base=d.base[:200],
                                card=d.card[:64], total_kop=d.total_kop, content_hash=d.content_hash,
                                import_log=import_log_id, created_at=now)
        result.created += 1
        if _settle(ret, d, sales[d.external_id], now):
            result.applied += 1
        else:
            result.flagged += 1
    return result


def _settle(ret: SaleReturn, d: ReturnDoc, sale: Sale | None, now: dt.datetime) -> bool:
    """Match a return to its sale and apply it to the card; else keep it with the reason."""
    matched, reason = [], ""
    if sale is None:
        reason = f"не найдена продажа «{d.base or 'не указана'}», по которой оформлен возврат"
    else:
        matched, reason = _match_lines(d, sale)
    ret.sale = sale
    ret.status = ("refused" if reason else "applied") if sale is not None else "no_sale"
    ret.reason = reason
    ret.save()
    SaleReturnLine.delete().where(SaleReturnLine.sale_return == ret.id).execute()
    rows = [dict(sale_return=ret.id, sale_line=line_id, article=a[:100], brand=b[:100], name=n[:250], qty=q,
                 sum_kop=s) for line_id, (a, b, n, q, s) in matched] if matched else \
        [dict(sale_return=ret.id, sale_line=None, article=a[:100], brand=b[:100], name=n[:250], qty=q, sum_kop=s)
         for a, b, n, q, s in d.lines]
    if rows:
        insert_returning_ids(SaleReturnLine, rows)
    key = f"loyalty-return-{ret.id}"
    if reason:
        notifications.raise_notification(
            "loyalty", key, f"Возврат {ret.number} не проведён по баллам",
            f"{reason[:1].upper()}{reason[1:]}. Возврат сохранён; разберите его на странице «Бонусные карты».",
            url="/loyalty#returns", roles=("owner", "manager"))
        return False
    notifications.resolve("loyalty", key, comment="продажа пришла, возврат проведён")
    ls = LoyaltySale.get_or_none(LoyaltySale.sale == sale.id)
    if ls is not None:
        returned: dict[int, Decimal] = {}
        for line_id, (_a, _b, _n, q, _s) in matched:
            returned[line_id] = returned.get(line_id, Decimal(0)) + q
        ledger.apply_return(ls, ret, returned, now)
    return True


def retry_waiting(limit: int = 500) -> int:
    """Returns kept as «нет продажи» whose sale has arrived since (1C sent the files out of
    order): applied now. Called by the importer after each batch of sales; one query when
    nothing waits. The number applied."""
    waiting = list(SaleReturn.select().where(SaleReturn.status == "no_sale").order_by(SaleReturn.id).limit(limit))
    if not waiting:
        return 0
    docs = {r.id: ReturnDoc(r.external_id, r.number, r.date, r.base, r.card, r.total_kop, r.content_hash,
                            [(ln.article, ln.brand, ln.name, Decimal(ln.qty), ln.sum_kop)
                             for ln in r.lines.order_by(SaleReturnLine.id)]) for r in waiting}
    sales = _find_sales(list(docs.values()))
    now = clock.utcnow()
    applied = 0
    for r in waiting:
        sale = sales[r.external_id]
        if sale is not None and _settle(r, docs[r.id], sale, now):
            applied += 1
    return applied


def problems(limit: int = 100) -> list[SaleReturn]:
    return list(SaleReturn.select().where(SaleReturn.status != "applied").order_by(SaleReturn.id.desc()).limit(limit))


def recent(limit: int = 30) -> list[SaleReturn]:
    return list(SaleReturn.select().order_by(SaleReturn.id.desc()).limit(limit))
