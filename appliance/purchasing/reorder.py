"""What the reorder page reads besides its lines: the last stock-watch run, the recent
supplier orders, one line with its item (the row an htmx edit swaps back)."""
from __future__ import annotations

from db.models.suppliers import MandatoryItem, ReorderLine, StockWatchRun, SupplierOrder

RECENT_ORDERS = 15


def last_run() -> StockWatchRun | None:
    return StockWatchRun.select().order_by(StockWatchRun.id.desc()).first()


def recent_orders(limit: int = RECENT_ORDERS) -> list[SupplierOrder]:
    """The supplier orders under the list, newest first."""
    return list(SupplierOrder.select().order_by(SupplierOrder.id.desc()).limit(limit))


def line(line_id: int) -> ReorderLine:
    """One reorder line with its mandatory item in the same query."""
    return (ReorderLine.select(ReorderLine, MandatoryItem).join(MandatoryItem)
            .where(ReorderLine.id == line_id).get())
