"""The mandatory assortment (обязательное наличие): the positions the stock watch looks after,
edited on the page or loaded from CSV."""
from __future__ import annotations

import csv
import io

from appliance import audit, forms
from appliance.clock import utcnow
from appliance.errors import InputError
from appliance.parts import article_key, brand_key
from db import write_transaction
from db.models.suppliers import MandatoryItem, ReorderLine


def item_matches(search: str):
    """An article in any spelling ('21.3456' finds 213456) or a piece of the name."""
    return MandatoryItem.article_key.contains(article_key(search)) | MandatoryItem.name.contains(search)


def mandatory_items(search: str = "", limit: int = 500) -> list[MandatoryItem]:
    q = MandatoryItem.select().where(MandatoryItem.active).order_by(MandatoryItem.article)
    search = (search or "").strip()
    if search:
        q = q.where(item_matches(search))
    return list(q.limit(limit))


def mandatory_count() -> int:
    return MandatoryItem.select().where(MandatoryItem.active).count()


QTY_LABELS = {"min_qty": "Минимум", "target_qty": "Держать", "pack": "Упаковка"}


def save_item(data: dict, actor=None, item: MandatoryItem | None = None) -> MandatoryItem:
    """Add an item, or change `item`: a field the edit form did not send keeps its value."""
    if item is not None:
        data = {k: data.get(k, getattr(item, k)) for k in ("article", "brand", "name", *QTY_LABELS)}
    article = forms.text(data.get("article"), "article", "Артикул", forms.ARTICLE_LEN)
    brand = forms.text(data.get("brand"), "brand", "Бренд", forms.ARTICLE_LEN)
    if not article or not article_key(article):
        raise InputError("Укажите артикул", field="article")

    def num(name, default):
        return forms.whole(data.get(name), name, QTY_LABELS[name], 0, 100_000, default=default)

    values = dict(article=article, brand=brand, article_key=article_key(article), brand_key=brand_key(brand),
                  name=forms.text(data.get("name"), "name", "Наименование", forms.NAME_LEN), min_qty=num("min_qty", 1),
                  target_qty=num("target_qty", None), pack=max(1, num("pack", 1)))
    now = utcnow()
    with write_transaction():
        clash = MandatoryItem.get_or_none((MandatoryItem.article_key == values["article_key"])
                                          & (MandatoryItem.brand_key == values["brand_key"]))
        if clash and (item is None or clash.id != item.id):
            if item is None and not clash.active:
                item = clash
                values["active"] = True
            else:
                raise InputError(f"{article} {brand} уже есть в списке", field="article")
        if item is None:
            item = MandatoryItem.create(created_at=now, **values)
            audit.record(actor, "mandatory.create", item, {k: (None, v) for k, v in values.items()
                                                           if k in ("article", "brand", "min_qty")})
        else:
            changes = audit.diff(item, values)
            if changes:
                item.updated_at = now
                item.save()
                audit.record(actor, "mandatory.update", item, changes)
    return item


def remove_item(item_id: int, actor=None) -> None:
    with write_transaction():
        item = MandatoryItem.get_by_id(item_id)
        item.active = False
        item.updated_at = utcnow()
        item.save()
        ReorderLine.delete().where((ReorderLine.item == item) & (ReorderLine.status == "open")).execute()
        audit.record(actor, "mandatory.remove", item, {"active": (True, False)})


CSV_HEADER = ["Артикул", "Бренд", "Наименование", "Мин. остаток", "Целевой остаток", "Кратность"]


def import_mandatory_csv(text: str, actor=None) -> int:
    """Rows ``article;brand;name;min;target;pack``; all or nothing."""
    try:
        delim = csv.Sniffer().sniff(text[:2048], delimiters=";,\t").delimiter
    except csv.Error:
        delim = ";"
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    if rows and rows[0] and rows[0][0].strip().lower() in ("артикул", "article"):
        rows = rows[1:]
    count = 0
    with write_transaction():
        for n, cells in enumerate(rows, start=2):
            cells = [c.strip() for c in cells] + [""] * 6
            if not any(cells):
                continue
            data = dict(article=cells[0], brand=cells[1], name=cells[2], min_qty=cells[3] or "1",
                        target_qty=cells[4], pack=cells[5] or "1")
            existing = MandatoryItem.get_or_none((MandatoryItem.article_key == article_key(cells[0]))
                                                 & (MandatoryItem.brand_key == brand_key(cells[1])))
            try:
                save_item(data, actor, item=existing)
            except InputError as e:
                raise InputError(f"Строка {n}: {e.message}", field="file") from e
            count += 1
    return count


def export_mandatory_csv() -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    w.writerow(CSV_HEADER)
    for it in MandatoryItem.select().where(MandatoryItem.active).order_by(MandatoryItem.article):
        w.writerow([it.article, it.brand, it.name, it.min_qty, "" if it.target_qty is None else it.target_qty,
                    it.pack])
    return out.getvalue()
