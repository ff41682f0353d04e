"""Figure 8 (calls), from the calls area's own metrics (appliance.calls.metrics.report), and
figure 11 (campaigns), whose area is not built yet: that tile says so."""
from __future__ import annotations

from appliance.analytics.base import Table
from appliance.analytics.period import Period
from appliance.analytics.tile import Tile
from appliance.calls import metrics


def _figures(rep: metrics.Report, manager_id: int | None) -> metrics.Figures:
    if manager_id is None:
        return rep.total
    return next((f for person, f in rep.managers if person.id == manager_id), metrics.Figures())


def summary(p: Period, manager_id: int | None = None) -> dict:
    fig = _figures(metrics.report(p.first, p.last), manager_id)
    return {"received": fig.received, "answered": fig.answered, "missed": fig.missed,
            "never_called_back": fig.never_called_back, "avg_wait_s": fig.avg_wait, "avg_talk_s": fig.avg_talk,
            "conversion_pct": fig.rate(fig.converted)}


def table(p: Period, manager_id: int | None = None) -> Table:
    rep = metrics.report(p.first, p.last)
    rows = []
    if manager_id is None:
        rows.append(["Все", *_row(rep.total)])
        rows += [[metrics.DEPARTMENTS[k], *_row(f)] for k, f in rep.departments.items()]
    rows += [[person.full_name, *_row(f)] for person, f in rep.managers if manager_id in (None, person.id)]
    return Table("Звонки: по отделам и сотрудникам",
                 ["Кто", "Принято звонков", "Ответили", "Пропущено", "Не перезвонили", "Ожидание, с",
                  "Разговор, с", "Конверсия"],
                 ["text", "int", "int", "int", "int", "int", "int", "pct"], rows)


def _row(f: metrics.Figures) -> list:
    return [f.received, f.answered, f.missed, f.never_called_back, f.avg_wait, f.avg_talk, f.rate(f.converted)]


def campaigns_tile(period: Period, manager_id: int | None = None) -> Tile:
    return Tile("campaigns", "Рассылки", placeholder="Рассылок ещё нет: раздел SMS-кампаний не построен.")
