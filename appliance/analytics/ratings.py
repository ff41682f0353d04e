"""Figure 9: ratings, from the ratings area's own report (appliance.ratings.report.build):
average and NPS overall, per department and per person."""
from __future__ import annotations

from appliance.analytics.base import Table
from appliance.analytics.period import Period
from appliance.ratings import report
from db.models.ratings import ROLES
from db.models.staff import Staff


def _person_label(manager_id: int) -> str | None:
    person = Staff.get_or_none(Staff.id == manager_id)
    return f"{person.full_name} ({ROLES.get('manager', 'manager')})" if person else None


def summary(p: Period, manager_id: int | None = None) -> dict:
    rep = report.build(p.first, p.last)
    fig = rep.overall
    if manager_id is not None:
        label = _person_label(manager_id)
        fig = next((f for f in rep.people if f.label == label), report.figures(label or "", []))
    return {"average": float(fig.average) if fig.average is not None else None, "nps": fig.nps,
            "answers": fig.answers, "report": rep}


def table(p: Period, manager_id: int | None = None) -> Table:
    rep = report.build(p.first, p.last)
    label = _person_label(manager_id) if manager_id is not None else None
    rows = [["Все", "", f.answers, f.average, f.nps] for f in [rep.overall] if manager_id is None]
    rows += [["отдел", f.label, f.answers, f.average, f.nps] for f in rep.departments if manager_id is None]
    rows += [["сотрудник", f.label, f.answers, f.average, f.nps] for f in rep.people if label in (None, f.label)]
    return Table("Оценки: средняя и NPS", ["Кто", "", "Ответов", "Средняя", "NPS"],
                 ["text", "text", "int", "num", "int"], rows)
