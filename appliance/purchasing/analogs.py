"""Analogs (cross-references): groups of interchangeable parts.

A part belongs to at most one group; adding a pair whose parts are in two groups merges
them. Groups come from people (the UI), from CSV cross lists, and from suppliers that
answer a price check with replacements (source "supplier").
"""

from __future__ import annotations

import csv
import io
import logging

from appliance import audit, forms
from appliance.clock import utcnow
from appliance.errors import InputError
from appliance.parts import article_key, brand_key
from db import write_transaction
from db.models.suppliers import AnalogGroup, AnalogMember

log = logging.getLogger(__name__)


def key(article: str, brand: str) -> tuple[str, str]:
    return article_key(article), brand_key(brand)


def members_of(article: str, brand: str) -> list[AnalogMember]:
    """The other members of this part's group (empty when it has no analogs)."""
    akey, bkey = key(article, brand)
    me = AnalogMember.get_or_none((AnalogMember.article_key == akey) & (AnalogMember.brand_key == bkey))
    if me is None:
        return []
    return list(AnalogMember.select().where((AnalogMember.group == me.group_id) & (AnalogMember.id != me.id))
                .order_by(AnalogMember.article))


def analog_keys(akey: str, bkey: str) -> list[tuple[str, str]]:
    me = AnalogMember.get_or_none((AnalogMember.article_key == akey) & (AnalogMember.brand_key == bkey))
    if me is None:
        return []
    return [(m.article_key, m.brand_key) for m in
            AnalogMember.select().where((AnalogMember.group == me.group_id) & (AnalogMember.id != me.id))]


def mandatory_groups(items: list) -> list[list]:
    """Mandatory items clustered by analog group (in the items' order): one reorder position each."""
    groups = group_ids([(i.article_key, i.brand_key) for i in items])
    out: list[list] = []
    index: dict[int, list] = {}
    for it in items:
        gid = groups.get((it.article_key, it.brand_key))
        if gid is None:
            out.append([it])
        elif gid in index:
            index[gid].append(it)
        else:
            index[gid] = [it]
            out.append(index[gid])
    return out


def with_group_mates(items: list, candidates: list) -> list:
    """``items`` plus the ``candidates`` that share an analog group with one of them (catching up
    a group's waiting line re-decides the whole group)."""
    groups = group_ids([(i.article_key, i.brand_key) for i in [*items, *candidates]])
    wanted = {groups[(i.article_key, i.brand_key)] for i in items if (i.article_key, i.brand_key) in groups}
    ids = {i.id for i in items}
    return [c for c in candidates if c.id in ids or groups.get((c.article_key, c.brand_key)) in wanted]


def group_ids(keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The analog group of each of these parts that has one."""
    wanted = set(keys)
    if not wanted:
        return {}
    return {(m.article_key, m.brand_key): m.group_id
            for m in AnalogMember.select().where(AnalogMember.article_key.in_({k[0] for k in wanted}))
            if (m.article_key, m.brand_key) in wanted}


def link(parts: list[tuple[str, str]], *, name: str = "", source: str = "manual", actor=None) -> AnalogGroup:
    """Make these parts one group (merging any groups they already belong to)."""
    clean = []
    seen = set()
    name = forms.text(name, "name", "Название группы", forms.NAME_LEN)
    for article, brand in parts:
        article = forms.text(article, "parts", "Артикул", forms.ARTICLE_LEN)
        brand = forms.text(brand, "parts", "Бренд", forms.ARTICLE_LEN)
        if not article:
            continue
        k = key(article, brand)
        if k not in seen:
            seen.add(k)
            clean.append((article, brand, *k))
    if len(clean) < 2:
        raise InputError("В группе аналогов должно быть хотя бы два артикула", field="parts")
    with write_transaction():
        existing = list(AnalogMember.select().where(
            AnalogMember.article_key.in_([c[2] for c in clean])))
        existing = [m for m in existing if (m.article_key, m.brand_key) in seen]
        group_ids = sorted({m.group_id for m in existing})
        if group_ids:
            group = AnalogGroup.get_by_id(group_ids[0])
            if len(group_ids) > 1:
                AnalogMember.update(group=group).where(AnalogMember.group.in_(group_ids[1:])).execute()
                AnalogGroup.delete().where(AnalogGroup.id.in_(group_ids[1:])).execute()
        else:
            group = AnalogGroup.create(name=name or clean[0][0], source=source, created_at=utcnow())
        have = {(m.article_key, m.brand_key) for m in AnalogMember.select().where(AnalogMember.group == group)}
        added = []
        for article, brand, akey, bkey in clean:
            if (akey, bkey) not in have:
                AnalogMember.create(group=group, article=article, brand=brand, article_key=akey, brand_key=bkey)
                added.append(f"{article} {brand}".strip())
        if added and source != "supplier":
            audit.record(actor, "analogs.link", group, {"members": (None, ", ".join(added))})
    return group


def unlink(member_id: int, actor=None) -> None:
    with write_transaction():
        m = AnalogMember.get_or_none(AnalogMember.id == member_id)
        if m is None:
            return
        group = m.group
        audit.record(actor, "analogs.unlink", group, {"members": (f"{m.article} {m.brand}".strip(), None)})
        m.delete_instance()
        if group.members.count() < 2:
            group.delete_instance(recursive=True)


def learn(requested: tuple[str, str], offered: tuple[str, str]) -> None:
    """A supplier offered ``offered`` as a replacement for ``requested``: remember it."""
    try:
        link([requested, offered], source="supplier")
    except InputError:
        pass
    except Exception:  # learning is a bonus; never break a price check for it
        log.exception("analogs: could not learn %s -> %s", requested, offered)


def groups(search: str = "", limit: int = 200) -> list[AnalogGroup]:
    q = AnalogGroup.select().order_by(AnalogGroup.id.desc())
    if search:
        akey = article_key(search)
        q = q.where(AnalogGroup.id.in_(AnalogMember.select(AnalogMember.group)
                                       .where(AnalogMember.article_key.contains(akey))))
    return list(q.limit(limit))


def members_by_group(group_list: list[AnalogGroup]) -> dict[int, list[AnalogMember]]:
    """The members of these groups, by group id, in the order they were added."""
    out: dict[int, list[AnalogMember]] = {}
    for m in (AnalogMember.select().where(AnalogMember.group.in_([g.id for g in group_list]))
              .order_by(AnalogMember.id)):
        out.setdefault(m.group_id, []).append(m)
    return out


def group_count() -> int:
    return AnalogGroup.select().count()


def import_csv(text: str, actor=None) -> int:
    """One group per line: ``article;brand;article;brand[;...]`` (a header line is skipped).

    All lines are checked before anything is saved; returns the number of groups.
    """
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=";,\t")
        delim = dialect.delimiter
    except csv.Error:
        delim = ";"
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    parsed: list[list[tuple[str, str]]] = []
    for n, cells in enumerate(rows, start=1):
        cells = [c.strip() for c in cells]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if n == 1 and cells[0].lower() in ("артикул", "article", "артикул 1", "article1"):
            continue
        if len(cells) < 4 or len(cells) % 2:
            raise InputError(f"Строка {n}: нужны пары «артикул;бренд», хотя бы две пары", field="file")
        parsed.append([(cells[i], cells[i + 1]) for i in range(0, len(cells), 2)])
    with write_transaction():
        for parts in parsed:
            link(parts, source="csv", actor=actor)
    return len(parsed)


def export_csv() -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    for g in AnalogGroup.select().order_by(AnalogGroup.id):
        row = []
        for m in g.members.order_by(AnalogMember.id):
            row += [m.article, m.brand]
        if row:
            w.writerow(row)
    return out.getvalue()


def others_map(keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[AnalogMember]]:
    """For many parts at once (a list page): each part's analogs, in two queries."""
    wanted = set(keys)
    if not wanted:
        return {}
    mine = [m for m in AnalogMember.select().where(AnalogMember.article_key.in_({k[0] for k in wanted}))
            if (m.article_key, m.brand_key) in wanted]
    group_ids = {m.group_id for m in mine}
    by_group: dict[int, list[AnalogMember]] = {}
    for m in AnalogMember.select().where(AnalogMember.group.in_(group_ids)).order_by(AnalogMember.id):
        by_group.setdefault(m.group_id, []).append(m)
    return {(m.article_key, m.brand_key): [o for o in by_group.get(m.group_id, []) if o.id != m.id]
            for m in mine}
