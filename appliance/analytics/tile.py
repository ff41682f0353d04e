"""A tile of the dashboard: figures, each beside the previous period and a year ago."""
from __future__ import annotations

import dataclasses

from appliance.analytics.base import Table
from appliance.analytics.period import growth


@dataclasses.dataclass
class Figure:
    label: str
    fmt: str  # int | money | pct | days | num | score
    value: object = None
    prev: object = None
    ago: object = None
    detail: str | None = None  # the key of the list behind it (page and CSV)
    compare: bool = True  # False: a figure of today (the orders shelf), not of the period

    @property
    def growth_prev(self) -> float | None:
        return growth(self.value, self.prev) if self.compare else None

    @property
    def growth_ago(self) -> float | None:
        return growth(self.value, self.ago) if self.compare else None

    def as_json(self) -> dict:
        return {"label": self.label, "value": self.value, "previous": self.prev if self.compare else None,
                "year_ago": self.ago if self.compare else None, "growth_previous_pct": _round(self.growth_prev),
                "growth_year_ago_pct": _round(self.growth_ago), "list": self.detail}


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


@dataclasses.dataclass
class Tile:
    key: str
    title: str
    figures: list[Figure] = dataclasses.field(default_factory=list)
    details: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (list key, link text)
    table: Table | None = None  # a short top list shown in the tile
    placeholder: str | None = None  # the area behind the tile is not there yet
    note: str = ""

    def as_json(self) -> dict:
        return {"key": self.key, "title": self.title, "figures": [f.as_json() for f in self.figures],
                "placeholder": self.placeholder, "note": self.note or None}
