"""Figure 7: parts orders, read from the orders area's own report (appliance.orders.reports), so
buyout, duration and on-time mean here what they mean on the orders page."""
from __future__ import annotations

from appliance.analytics.base import Table
from appliance.analytics.period import Period
from appliance.orders import reports


def summary(p: Period, manager_id: int | None = None) -> dict:
    rep = reports.build(p.first, p.last)
    if manager_id is None:
        return {"buyout_pct": rep.buyout_pct, "buyout_prepaid_pct": rep.buyout_prepaid_pct,
                "buyout_no_prepay_pct": rep.buyout_no_prepay_pct, "avg_days": rep.avg_days,
                "on_time_pct": rep.on_time_pct, "arrived": rep.arrived, "shelf_orders": rep.shelf_orders,
                "shelf_kop": rep.shelf_kop}
    row = next((r for r in rep.managers if r.manager_id == manager_id), None)
    if row is None:
        return {"buyout_pct": None, "on_time_pct": None, "arrived": 0, "shelf_orders": 0, "shelf_kop": 0}
    return {"buyout_pct": row.buyout_pct, "on_time_pct": row.on_time_pct, "arrived": row.arrived,
            "shelf_orders": row.shelf_orders, "shelf_kop": row.shelf_kop}


def managers_table(p: Period, manager_id: int | None = None) -> Table:
    rep = reports.build(p.first, p.last)
    rows = [r for r in rep.managers if manager_id is None or r.manager_id == manager_id]
    return Table("Заказы по менеджерам", ["Менеджер", "Пришло позиций", "Выкуплено", "Выкуп, %", "В срок, %",
                                          "Ждут на полке, заказов", "На полке, сумма"],
                 ["text", "int", "int", "pct", "pct", "int", "money"],
                 [[r.name, r.arrived, r.issued, r.buyout_pct, r.on_time_pct, r.shelf_orders, r.shelf_kop] for r in rows],
                 [], "«Ждут на полке» — на сегодня, не за период.")
