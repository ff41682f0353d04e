"""Re-importing the same offers file reports no changes; a rejected file's notice is closed only by
a good file of its own kind."""
from appliance.exchange.importer import import_file
from db.models.notifications import Notification
from tests.exchange.conftest import SAMPLES


def test_identical_offers_file_twice_reports_only_real_changes(db, data_file):
    import_file(SAMPLES / "dobromyslov_import0_1.xml", source="http", filename="import0_1.xml")
    first = import_file(SAMPLES / "dobromyslov_offers0_1.xml", source="http", filename="offers0_1.xml")
    assert first.status == "done" and first.updated == 44
    again = import_file(SAMPLES / "dobromyslov_offers0_1.xml", source="http", filename="offers0_1.xml")
    assert (again.status, again.rows, again.updated, again.skipped) == ("done", 44, 0, 44)
    # one price changed in 1C: one offer updated
    text = (SAMPLES / "dobromyslov_offers0_1.xml").read_text(encoding="utf-8")
    changed = text.replace("<ЦенаЗаЕдиницу>100</ЦенаЗаЕдиницу>", "<ЦенаЗаЕдиницу>105</ЦенаЗаЕдиницу>", 1)
    assert changed != text
    third = import_file(data_file("offers0_1.xml", changed), source="http")
    assert (third.status, third.updated, third.skipped) == ("done", 1, 43)


def _open_notes():
    return list(Notification.select().where((Notification.kind == "exchange") & Notification.resolved_at.is_null()))


def test_rejected_sales_file_is_not_closed_by_a_good_stock_file(db, data_file):
    bad = import_file(data_file("sales_bad_number.csv"), source="folder")
    assert bad.status == "failed"
    [note] = _open_notes()
    assert "sales_bad_number.csv" in note.title
    stock = import_file(data_file("stock_utf8.csv"), source="folder")
    assert stock.status == "done"
    assert [n.id for n in _open_notes()] == [note.id]  # still open: the sales file is still not in
    good = import_file(data_file("sales_cp1251.csv"), source="folder")
    assert good.status == "done"
    assert _open_notes() == []
