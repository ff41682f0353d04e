"""What the parts-orders area has coming from suppliers, as the stock watch counts it."""
from __future__ import annotations

import datetime as dt

from peewee import fn

from db.models.orders import Order, OrderLine

# Ordered from a supplier and not yet on the shelf ("new" is not ordered yet).
ON_ORDER_STATUSES = ("ordered", "confirmed", "shipped")


def stock_on_order(akey: str, bkey: str, since: dt.datetime | None = None) -> int:
    """Pieces of this part on open customer-order lines with a supplier.

    Lines sent through a supplier's API are left out: their ``SupplierOrderLine`` is
    already counted by the stock watch. ``since`` drops lines ordered before it.
    """
    q = (OrderLine.select(fn.COALESCE(fn.SUM(OrderLine.qty), 0)).join(Order)
         .where((OrderLine.article_key == akey) & (OrderLine.brand_key == bkey)
                & OrderLine.status.in_(ON_ORDER_STATUSES) & (OrderLine.supplier != "")
                & OrderLine.supplier_line_id.is_null() & Order.deleted_at.is_null()))
    if since is not None:
        q = q.where(fn.COALESCE(OrderLine.ordered_at, OrderLine.status_at) >= since)
    return int(q.scalar() or 0)
