"""Figure 8 (calls) and 11 (campaigns): their areas are not in this tree yet. Each tile is one
function the lead wires when the area lands; until then the tile says so, honestly."""
from __future__ import annotations

from appliance.analytics.period import Period
from appliance.analytics.tile import Tile


def calls_tile(period: Period, manager_id: int | None = None) -> Tile:
    """Received, missed, missed and not called back, conversion, duration — from appliance.calls."""
    return Tile("calls", "Звонки", placeholder="Звонки: раздел ещё не подключён.")


def campaigns_tile(period: Period, manager_id: int | None = None) -> Tile:
    return Tile("campaigns", "Рассылки", placeholder="Рассылок ещё нет: раздел SMS-кампаний не построен.")
