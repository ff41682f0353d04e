"""The owner's figures for a period: average, NPS, answers, response rate, reasons, weekly trend.

A period is shop days of the visit (RatingRequest.visit_date), so the response rate and the
scores count the same requests. NPS on the 1-10 scale: promoters 9-10, detractors 1-6,
NPS = % promoters − % detractors. A request that rates the parts counter and the workshop
counts once overall and once in each department; it counts for every person it rates.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from appliance import settings
from appliance.clock import local_today
from db.models.customers import Customer
from db.models.ratings import (
    DEPARTMENTS,
    ROLES,
    RatedStaff,
    RatingCallback,
    RatingItem,
    RatingReply,
    RatingRequest,
)
from db.models.staff import Staff


@dataclasses.dataclass
class Figures:
    label: str
    answers: int = 0
    average: Decimal | None = None
    nps: int | None = None
    promoters: int = 0
    detractors: int = 0
    few: bool = True

    def as_json(self) -> dict:
        return {"label": self.label, "answers": self.answers,
                "average": float(self.average) if self.average is not None else None,
                "nps": self.nps, "promoters": self.promoters, "detractors": self.detractors, "few_answers": self.few}


def figures(label: str, scores: list[Decimal]) -> Figures:
    few = len(scores) < settings.get().getint("ratings", "few_answers")
    if not scores:
        return Figures(label, few=few)
    prom = sum(1 for s in scores if s >= 9)
    det = sum(1 for s in scores if s <= 6)
    avg = (sum(scores) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    nps = int((Decimal(100 * (prom - det)) / len(scores)).quantize(Decimal("1"), ROUND_HALF_UP))
    return Figures(label, len(scores), avg, nps, prom, det, few)


@dataclasses.dataclass
class Week:
    start: dt.date
    figures: Figures


@dataclasses.dataclass
class Report:
    first: dt.date
    last: dt.date
    overall: Figures
    departments: list[Figures]
    people: list[Figures]
    asked: int
    answered: int
    skipped: int
    reasons: list[tuple[str, int]]
    low_not_called: int
    weeks: list[Week]
    rows: list[RatingRequest]

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.answered / self.asked) if self.asked else None

    def as_json(self) -> dict:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "overall": self.overall.as_json(),
                "departments": [f.as_json() for f in self.departments], "managers": [f.as_json() for f in self.people],
                "asked": self.asked, "answered": self.answered, "response_rate": self.response_rate,
                "skipped": self.skipped, "low_reasons": [{"reason": r, "count": n} for r, n in self.reasons],
                "low_not_called_back": self.low_not_called,
                "weeks": [{"week": w.start.isoformat(), **w.figures.as_json()} for w in self.weeks],
                "replies": self.replies_json()}

    def replies_json(self) -> list[dict]:
        """Every answered request with its replies: what the parser read and what a person decided."""
        by_request = replies_of([r.id for r in self.rows])
        out = []
        for r in self.rows:
            reps = by_request.get(r.id, [])
            if not reps:
                continue
            out.append({"visit_date": r.visit_date.isoformat(), "customer": r.customer.name,
                        "score": _num(r.score), "status": r.status,
                        "replies": [{"text": x.text, "parsed_score": _num(x.parsed_score), "needs_person": x.needs_person,
                                     "opt_out": x.opt_out, "reason": x.reason, "state": x.state,
                                     "decision": x.decision or None, "decided_score": _num(x.decided_score),
                                     "decided_by": x.decided_by.full_name if x.decided_by_id else None}
                                    for x in reps]})
        return out


def _num(value) -> float | None:
    return None if value is None else float(value)


def default_period() -> tuple[dt.date, dt.date]:
    today = local_today()
    return today - dt.timedelta(days=89), today


def build(first: dt.date | None = None, last: dt.date | None = None) -> Report:
    if first is None or last is None:
        d_first, d_last = default_period()
        first, last = first or d_first, last or d_last
    reqs = list(RatingRequest.select().where((RatingRequest.visit_date >= first) & (RatingRequest.visit_date <= last))
                .order_by(RatingRequest.visit_date.desc(), RatingRequest.id.desc()))
    ids = [r.id for r in reqs]
    scored = {r.id: Decimal(r.score) for r in reqs if r.score is not None and not r.flagged}
    depts: dict[int, set[str]] = {}
    for item in RatingItem.select().where(RatingItem.request.in_(ids)):
        depts.setdefault(item.request_id, set()).add(item.department)
    people: dict[tuple[int, str], list[Decimal]] = {}
    for rs in RatedStaff.select().where(RatedStaff.request.in_(ids)):
        if rs.request_id in scored:
            people.setdefault((rs.staff_id, rs.role), []).append(scored[rs.request_id])
    names = {s.id: s.full_name for s in Staff.select()}
    dept_figs = [figures(label, [s for rid, s in scored.items() if code in depts.get(rid, ())])
                 for code, label in DEPARTMENTS.items()]
    people_figs = sorted((figures(f"{names.get(sid, '?')} ({ROLES.get(role, role)})", scores)
                          for (sid, role), scores in people.items()), key=lambda f: (-f.answers, f.label))
    asked = [r for r in reqs if r.status != "skipped"]
    answered = [r for r in asked if r.score is not None or r.status in ("review", "not_score", "answered")]
    cbs = list(RatingCallback.select().where(RatingCallback.request.in_(ids)))
    reasons = Counter(c.reason for c in cbs if c.status == "done")
    weeks: dict[dt.date, list[Decimal]] = {}
    for r in reqs:
        if r.id in scored:
            monday = r.visit_date - dt.timedelta(days=r.visit_date.weekday())
            weeks.setdefault(monday, []).append(scored[r.id])
    return Report(first, last, figures("Все", list(scored.values())), dept_figs, people_figs, len(asked),
                  len(answered), len(reqs) - len(asked), reasons.most_common(),
                  sum(1 for c in cbs if c.status == "open"),
                  [Week(w, figures(w.strftime("%d.%m"), s)) for w, s in sorted(weeks.items())], asked)


def replies_of(req_ids: list[int]) -> dict[int, list[RatingReply]]:
    out: dict[int, list[RatingReply]] = {}
    for rep in RatingReply.select().where(RatingReply.request.in_(req_ids)).order_by(RatingReply.received_at):
        out.setdefault(rep.request_id, []).append(rep)
    return out


def trend_svg(weeks: list[Week], width: int = 720, height: int = 220) -> str:
    """The weekly average (line, 1-10 axis) and answers (bars), as inline SVG."""
    pad_l, pad_r, pad_t, pad_b = 34, 10, 12, 26
    w, h = width - pad_l - pad_r, height - pad_t - pad_b
    parts = [f'<svg viewBox="0 0 {width} {height}" class="chart" id="ratings-trend" '
             f'role="img" aria-label="Средняя оценка по неделям">']
    for v in (1, 4, 7, 9, 10):
        y = pad_t + h - (v - 1) / 9 * h
        parts.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - pad_r}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{pad_l - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#666">{v}</text>')
    if not weeks:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="#888">Оценок за период нет</text>')
        return "".join(parts) + "</svg>"
    n = len(weeks)
    step = w / max(n, 1)
    most = max(wk.figures.answers for wk in weeks) or 1
    points = []
    for i, wk in enumerate(weeks):
        x = pad_l + step * (i + 0.5)
        bar = wk.figures.answers / most * h * 0.35
        parts.append(f'<rect x="{x - step * 0.3:.1f}" y="{pad_t + h - bar:.1f}" width="{step * 0.6:.1f}" height="{bar:.1f}" '
                     f'fill="#cfe3f7"><title>{wk.start:%d.%m.%Y}: ответов {wk.figures.answers}</title></rect>')
        if wk.figures.average is not None:
            y = pad_t + h - (float(wk.figures.average) - 1) / 9 * h
            points.append((x, y, wk))
        if n <= 14 or i % max(1, n // 10) == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 8}" font-size="10" text-anchor="middle" fill="#666">'
                         f'{wk.start:%d.%m}</text>')
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f6fb2" stroke-width="2"/>')
        for x, y, wk in points:
            avg = str(wk.figures.average).replace(".", ",")
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1f6fb2"><title>неделя с {wk.start:%d.%m.%Y}: '
                         f'средняя {avg}, NPS {wk.figures.nps}, ответов {wk.figures.answers}</title></circle>')
    return "".join(parts) + "</svg>"


def customer(customer_id: int) -> Customer | None:
    return Customer.get_or_none((Customer.id == customer_id) & Customer.deleted_at.is_null())


def customer_scores(customer) -> list[RatingRequest]:
    return list(RatingRequest.select().where((RatingRequest.customer == customer) & (RatingRequest.status != "skipped"))
                .order_by(RatingRequest.visit_date.desc()).limit(20))

