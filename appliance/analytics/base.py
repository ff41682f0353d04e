"""What every group of figures shares: the lists behind a figure (a table a page and a CSV show),
the manager names, and the rule "what is a live customer"."""
from __future__ import annotations

import csv
import dataclasses
import io

from peewee import Case

from db.models.customers import Customer
from db.models.staff import Staff

NO_MANAGER = "без менеджера"
NO_CAR = "автомобиль не указан"


@dataclasses.dataclass
class Table:
    """The customers or documents behind a figure: a list page and a CSV export show the same rows.

    ``links`` holds, per row, the customer id the row is about (None: no card to open).
    ``kinds`` says per column how to show a cell: "text", "int", "money", "pct", "date", "num".
    """

    title: str
    columns: list[str]
    kinds: list[str]
    rows: list[list]
    links: list[int | None] = dataclasses.field(default_factory=list)
    note: str = ""

    def csv(self) -> bytes:
        """`;`-separated, UTF-8 with a BOM so Excel opens the Cyrillic right; money in roubles."""
        out = io.StringIO()
        w = csv.writer(out, delimiter=";", lineterminator="\r\n")
        w.writerow(self.columns)
        for row in self.rows:
            w.writerow([csv_cell(v, k) for v, k in zip(row, self.kinds, strict=True)])
        return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "money":
        return f"{int(value) / 100:.2f}".replace(".", ",")
    if kind in ("pct", "num"):
        return f"{float(value):.1f}".replace(".", ",")
    if kind == "date":
        return f"{value:%d.%m.%Y}"
    return str(value)


def live_customer():
    """A customer that is neither deleted nor merged into another (the base the owner counts)."""
    return Customer.deleted_at.is_null() & Customer.merged_into.is_null()


def manager_names() -> dict[int | None, str]:
    names: dict[int | None, str] = {s.id: s.short_name for s in Staff.select(Staff.id, Staff.full_name)}
    names[None] = NO_MANAGER
    return names


def ratio(a, b) -> float | None:
    """a / b, None when b is zero: an empty period shows «—», never 0 or a division error."""
    return float(a) / float(b) if b else None


def pct(a, b) -> float | None:
    return 100.0 * a / b if b else None


def bucket(column, boundaries: list):
    """A portable SQL CASE giving the index of the [boundaries[i], boundaries[i+1]) slot a value
    falls in (weeks, months): standard SQL instead of a database's own date functions."""
    return Case(None, [(column < b, i - 1) for i, b in enumerate(boundaries) if i > 0], -1)
