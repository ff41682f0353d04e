"""Stock balances from 1C: what is on hand, and the evening "send the stock" reminder.

Snapshots are replaced per warehouse by the importer; here they are read. The shop's
own stock watch and product pages call ``on_hand``/``levels``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from peewee import fn

from appliance import clock, notifications, settings
from db.models.exchange import ImportLog, StockLevel, StockSnapshot

REMINDER_KEY = "stock-evening"


def on_hand(article_key: str, brand_key: str) -> Decimal:
    """Quantity on hand over all warehouses.

    A line whose brand 1C did not export (empty brand) counts for any brand of that
    article; a line of another brand does not.
    """
    total = (StockLevel.select(fn.COALESCE(fn.SUM(StockLevel.qty), 0))
             .where((StockLevel.article_key == article_key)
                    & ((StockLevel.brand_key == brand_key) | (StockLevel.brand_key == "")))
             .scalar())
    return Decimal(str(total or 0)).quantize(Decimal("0.001")).normalize()


@dataclass
class Level:
    warehouse: str
    qty: Decimal
    taken_at: dt.datetime  # UTC
    price_kop: int | None


def levels(article_key: str, brand_key: str) -> list[Level]:
    """Per-warehouse stock with the time of each snapshot (for product pages)."""
    rows = (StockLevel.select(StockLevel, StockSnapshot).join(StockSnapshot)
            .where((StockLevel.article_key == article_key)
                   & ((StockLevel.brand_key == brand_key) | (StockLevel.brand_key == "")))
            .order_by(StockSnapshot.warehouse))
    return [Level(r.snapshot.warehouse, Decimal(str(r.qty)).normalize(), r.snapshot.taken_at, r.price_kop)
            for r in rows]


def snapshots() -> list[StockSnapshot]:
    return list(StockSnapshot.select().order_by(StockSnapshot.warehouse))


def _time_setting(key: str) -> dt.time:
    text = settings.get().get("exchange", key) or settings.DEFAULTS["exchange"][key]
    hours, minutes = (int(x) for x in text.split(":")[:2])
    return dt.time(hours, minutes)


def deadline_today(now_local: dt.datetime | None = None) -> dt.datetime:
    """Today's "stock must be newer than this" moment, as naive UTC."""
    now_local = now_local or clock.local_now()
    moment = dt.datetime.combine(now_local.date(), _time_setting("stock_after"))
    return clock.local_to_utc(moment)


def fresh_since(moment_utc: dt.datetime) -> bool:
    return StockSnapshot.select().where(StockSnapshot.received_at >= moment_utc).exists()


def evening_check(now_local: dt.datetime | None = None) -> str:
    """Raise the reminder when no stock snapshot newer than today 17:00 arrived by 17:30.

    Safe to run any number of times: the notification de-duplicates by day. Returns
    "fresh", "early" or "reminded".
    """
    now_local = now_local or clock.local_now()
    if now_local.time() < _time_setting("reminder_at"):
        return "early"
    since = deadline_today(now_local)
    if fresh_since(since):
        return "fresh"
    failed = (ImportLog.select().where((ImportLog.status == "failed") & (ImportLog.started_at >= since)
                                       & ImportLog.kind.in_(["stock", "offers", ""]))
              .order_by(ImportLog.started_at.desc()).first())
    if failed is not None:
        title = "Остатки из 1С сегодня не загрузились"
        body = (f"Автоматическая выгрузка пришла, но была отклонена в {clock.to_local(failed.started_at):%H:%M}: "
                f"{failed.error[:600]}")
    else:
        last = StockSnapshot.select(fn.MAX(StockSnapshot.received_at)).scalar()
        when = f"последние остатки — {clock.to_local(last):%d.%m.%Y %H:%M}" if last else "остатков ещё не было ни разу"
        after = _time_setting("stock_after")
        title = "Выгрузите остатки из 1С"
        body = (f"После {after:%H:%M} остатки из 1С не приходили ({when}). Запустите выгрузку остатков в 1С "
                f"или положите файл в папку обмена.")
    notifications.raise_notification("exchange", f"{REMINDER_KEY}-{now_local:%Y-%m-%d}", title, body,
                                     url="/exchange")
    return "reminded"


def stock_arrived() -> None:
    """Fresh stock: close today's reminder if it was raised."""
    now_local = clock.local_now()
    notifications.resolve("exchange", f"{REMINDER_KEY}-{now_local:%Y-%m-%d}", comment="остатки получены")
