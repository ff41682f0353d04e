import html
import io
import re
import time

import pytest
import requests

from appliance.purchasing import mandatory, stock_watch
from db.models.audit import AuditEntry
from db.models.suppliers import AnalogMember, MandatoryItem, ReorderLine, SupplierAccount, SupplierOrder
from jobs import huey

pytestmark = pytest.mark.clock  # rules that count days and hours: run at four instants

PARAMS = stock_watch.Params(max_delivery_days=10)


def _lines():
    for art, brand in (("T11-3501080", "CHERY"), ("T11-1303111", "CHERY"), ("A11-3707110CA", "CHERY")):
        mandatory.save_item({"article": art, "brand": brand, "min_qty": "3"})
    stock_watch.run(params=PARAMS)
    return list(ReorderLine.select().order_by(ReorderLine.id))


def test_morning_page_tick_qty_and_order(login, suppliers_cfg):
    b = login("manager")
    lines = _lines()
    from appliance.purchasing import analogs

    analogs.link([("T11-3501080", "CHERY"), ("GDB3520", "TRW")])
    page = b.get("/stock/reorder").get_data(as_text=True)
    assert "аналоги:" in page and "GDB3520" in page  # analogs wherever a part is shown
    assert "Список к заказу" in page and "T11-3501080" in page and "Заказать отмеченные" in page
    assert "поставка" in page  # the reasoning is shown
    r = b.post(f"/stock/reorder/{lines[0].id}/tick", {"line": str(lines[0].id)}, htmx=True)
    assert r.status_code == 204 and ReorderLine.get_by_id(lines[0].id).ticked
    r = b.post(f"/stock/reorder/{lines[1].id}/qty", {"qty": "7"}, htmx=True)
    assert r.status_code == 200 and 'value="7"' in r.get_data(as_text=True)
    assert AuditEntry.select().where(AuditEntry.action == "reorder.qty").count() == 1
    r = b.post(f"/stock/reorder/{lines[1].id}/qty", {"qty": "много"}, htmx=True)
    assert r.status_code == 422
    filtered = b.get("/stock/reorder?q=1303111", headers={"HX-Request": "true", "HX-Target": "reorder-table"})
    text = filtered.get_data(as_text=True)
    assert "T11-1303111" in text and "T11-3501080" not in text and "<html" not in text
    r = b.post("/stock/reorder/order", {"line": [str(lines[0].id), str(lines[1].id)]}, follow_redirects=True)
    body = r.get_data(as_text=True)
    assert "поставлены в очередь" in body
    assert SupplierOrder.select().count() >= 1
    assert {ln.status for ln in ReorderLine.select().where(ReorderLine.id.in_([lines[0].id, lines[1].id]))} == {
        "ordered"}
    r = b.post("/stock/reorder/order", {}, follow_redirects=True)
    assert "Отметьте строки" in r.get_data(as_text=True)


def test_mechanic_cannot_see_the_reorder_list(login, suppliers_cfg):
    b = login("mechanic")
    assert b.get("/stock/reorder").status_code == 403


def test_mandatory_list_edit_import_export(login):
    b = login("manager")
    r = b.post("/stock/mandatory", {"article": "BKR6EZ", "brand": "NGK", "name": "Свеча", "min_qty": "8",
                                    "pack": "4"}, follow_redirects=True)
    assert "добавлен" in r.get_data(as_text=True)
    r = b.post("/stock/mandatory", {"article": "BKR-6EZ", "brand": "ngk", "min_qty": "2"}, follow_redirects=True)
    assert "уже есть в списке" in r.get_data(as_text=True)
    item = MandatoryItem.get()
    b.post(f"/stock/mandatory/{item.id}", {"article": "BKR6EZ", "brand": "NGK", "name": "Свеча NGK",
                                           "min_qty": "12", "pack": "4"})
    assert MandatoryItem.get_by_id(item.id).min_qty == 12
    csv_bytes = "Артикул;Бренд;Наименование;Мин;Цель;Кратность\nT11-1303111;CHERY;Патрубок;2;;1\n".encode("cp1251")
    r = b.post("/stock/mandatory/import", {"file": (io.BytesIO(csv_bytes), "list.csv")},
               content_type="multipart/form-data", follow_redirects=True)
    assert "Загружено позиций: 1" in r.get_data(as_text=True)
    out = b.get("/stock/mandatory.csv").data.decode("cp1251")
    assert "T11-1303111;CHERY;Патрубок;2;;1" in out and "BKR6EZ;NGK;Свеча NGK;12;;4" in out
    r = b.post("/stock/mandatory/import", {"file": (io.BytesIO(b"X;Y;Z;abc\n"), "bad.csv")},
               content_type="multipart/form-data", follow_redirects=True)
    assert "Строка" in r.get_data(as_text=True)
    b.post(f"/stock/mandatory/{item.id}", {"action": "remove"})
    assert not MandatoryItem.get_by_id(item.id).active


@pytest.mark.parametrize("typed", ["21.3456", "21 3456", "21/3456", "21\\3456", "213456"])
def test_mandatory_list_search_finds_an_article_in_any_spelling(login, typed):
    b = login("manager")
    mandatory.save_item({"article": "213456", "brand": "CHERY", "name": "Датчик", "min_qty": "1"})
    mandatory.save_item({"article": "T11-3501080", "brand": "CHERY", "name": "Колодки", "min_qty": "1"})
    page = b.get("/stock/mandatory", query_string={"q": typed}).get_data(as_text=True)
    assert "213456" in page and "T11-3501080" not in page


def test_mandatory_items_search_by_article_or_name(db):
    mandatory.save_item({"article": "21-3456", "brand": "CHERY", "name": "Датчик ABS", "min_qty": "1"})
    mandatory.save_item({"article": "BKR6EZ", "brand": "NGK", "name": "Свеча", "min_qty": "1"})
    assert [i.article for i in mandatory.mandatory_items("21.3456")] == ["21-3456"]
    assert [i.article for i in mandatory.mandatory_items("Свеча")] == ["BKR6EZ"]
    assert len(mandatory.mandatory_items("")) == mandatory.mandatory_count() == 2


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8-sig"])
def test_mandatory_list_upload_in_cp1251_or_utf8_with_bom(login, encoding):
    b = login("manager")
    raw = "Артикул;Бренд;Наименование;Мин;Цель;Кратность\nT11-1303111;CHERY;Патрубок;2;;1\n".encode(encoding)
    r = b.post("/stock/mandatory/import", {"file": (io.BytesIO(raw), "list.csv")},
               content_type="multipart/form-data", follow_redirects=True)
    assert "Загружено позиций: 1" in r.get_data(as_text=True)
    assert MandatoryItem.get().name == "Патрубок"


def test_analog_groups_edit_and_import(login):
    b = login("manager")
    r = b.post("/stock/analogs", {"parts": "30015048-346 IDEMITSU\n30015048-746 IDEMITSU"}, follow_redirects=True)
    assert "30015048-746" in r.get_data(as_text=True)
    text = b"T11-3501080;CHERY;GDB3520;TRW\n"
    r = b.post("/stock/analogs/import", {"file": (io.BytesIO(text), "cross.csv")},
               content_type="multipart/form-data", follow_redirects=True)
    assert "Загружено групп: 1" in r.get_data(as_text=True)
    assert AnalogMember.select().count() == 4
    r = b.post("/stock/analogs", {"parts": "ONLY-ONE X"}, follow_redirects=True)
    assert "хотя бы два" in r.get_data(as_text=True)
    assert "GDB3520;TRW" in b.get("/stock/analogs.csv").data.decode("cp1251")


def test_price_check_page_fills_in_as_answers_come(login, suppliers_cfg, sim):
    sim.control("s3", {"latency_ms": 600})
    b = login("manager")
    page = b.get("/price-check?article=T11-3501080&brand=CHERY&return_to=/orders/5/lines/new")
    assert "Проценка" in page.get_data(as_text=True)
    html = b.post("/price-check/start", {"article": "T11-3501080", "brand": "CHERY",
                                         "return_to": "/orders/5/lines/new"}, htmx=True).get_data(as_text=True)
    import re

    token = re.search(r"token=([\w-]+)", html).group(1)
    deadline = time.monotonic() + 5
    while True:
        part = b.get(f"/price-check/results?token={token}&return_to=/orders/5/lines/new").get_data(as_text=True)
        if "Ждём ответа" not in part or time.monotonic() > deadline:
            break
        assert "Поставщик s3" in part  # the slow one is still awaited, the others already shown
        time.sleep(0.2)
    assert "Ждём ответа" not in part
    assert part.count("Выбрать") >= 3
    assert "/orders/5/lines/new?supplier=" in part


def test_supplier_settings_owner_adds_a_supplier(login, suppliers_cfg, sim, worker):
    b = login("owner")
    page = b.get("/stock/suppliers").get_data(as_text=True)
    assert "Поставщик s1" in page and "из файла настроек" in page
    r = b.post("/stock/suppliers/new", {"code": "extra", "name": "Доп. поставщик", "kind": "abcp",
                                        "url": sim.url("s2"), "login": "demo", "password": "demo",
                                        "markup": "25", "lead_days": "1", "working_days": "1-5",
                                        "concurrency": "2", "rate_limit": "3", "enabled": "1"},
               follow_redirects=True)
    assert "Связь есть" in r.get_data(as_text=True)
    row = SupplierAccount.get(SupplierAccount.code == "extra")
    assert row.password == "demo" and row.markup == 25
    form = b.get("/stock/suppliers/extra").get_data(as_text=True)
    assert 'value="demo"' not in form.split('name="password"')[1][:120]  # the password is never shown
    r = b.post("/stock/suppliers/new", {"code": "bad", "kind": "abcp", "url": ""}, follow_redirects=True)
    assert "Укажите адрес" in r.get_data(as_text=True)
    manager = login("manager")
    assert manager.get("/stock/suppliers/new").status_code == 403


def test_check_now_on_the_reorder_page_runs_the_stock_watch(login, suppliers_cfg, worker):
    mandatory.save_item({"article": "T11-3501080", "brand": "CHERY", "min_qty": "3"})
    b = login("manager")
    page = b.get("/stock/reorder").get_data(as_text=True)
    assert "Проверить сейчас" in page and "Ночная проверка ещё не запускалась" in page
    text = b.post("/stock/reorder/check", {}, htmx=True).get_data(as_text=True)
    assert "позиций 1:" in text and "hx-get" not in text
    assert ReorderLine.select().count() == 1
    assert "T11-3501080" in b.get("/stock/reorder").get_data(as_text=True)


def test_check_now_waits_for_a_run_already_going(login, suppliers_cfg, worker):
    from jobs.suppliers import STOCK_WATCH_LOCK

    b = login("owner")
    with worker.lock_task(STOCK_WATCH_LOCK):
        text = b.post("/stock/reorder/check", {}, htmx=True).get_data(as_text=True)
    assert "Проверка уже идёт" in text


def test_check_now_on_the_reorder_page_is_not_for_mechanics(login, worker):
    b = login("mechanic")
    assert b.post("/stock/reorder/check", {}, htmx=True).status_code == 403
    assert b.get("/stock/reorder/check/some-task").status_code == 403


def _refuse_internet(monkeypatch) -> list:
    """Every HTTP call through requests fails the test while this is on."""
    calls = []

    def refuse(self, method, url, *args, **kwargs):
        calls.append(url)
        raise AssertionError(f"an internet call inside a request: {method} {url}")

    monkeypatch.setattr(requests.Session, "request", refuse)
    return calls


def _run_queued(task_id: str = "", drop: str = "") -> None:
    """What the worker does for one task (or drop the tasks of that name); the others are put back untouched."""
    tasks = [huey.dequeue() for _ in range(huey.pending_count())]
    for task in tasks:
        if task.id == task_id:
            huey.execute(task)
        elif task.name != drop:
            huey.enqueue(task)


def test_supplier_link_check_runs_in_the_worker_and_the_page_polls(login, suppliers_cfg, monkeypatch):
    b = login("manager")
    calls = _refuse_internet(monkeypatch)
    text = b.post("/stock/suppliers/s1/check", {}, htmx=True).get_data(as_text=True)
    assert calls == [] and "Проверка идёт" in text
    poll_url = html.unescape(re.search(r'hx-get="([^"]+)"', text).group(1))
    assert "Проверка идёт" in b.get(poll_url).get_data(as_text=True)  # not done yet: asks again
    monkeypatch.undo()
    _run_queued(poll_url.split("/")[-1].split("?")[0])
    answer = b.get(poll_url).get_data(as_text=True)
    assert "Связь есть: Поставщик s1." in answer and "hx-get" not in answer


def test_saving_a_supplier_checks_the_link_in_the_worker(login, suppliers_cfg, sim, monkeypatch):
    b = login("owner")
    calls = _refuse_internet(monkeypatch)
    r = b.post("/stock/suppliers/new", {"code": "extra", "name": "Доп. поставщик", "kind": "abcp",
                                        "url": sim.url("s2"), "login": "demo", "password": "wrong",
                                        "markup": "25", "lead_days": "1", "working_days": "1-5",
                                        "concurrency": "2", "rate_limit": "3", "enabled": "1"},
               follow_redirects=True)
    page = r.get_data(as_text=True)
    assert calls == [] and "Поставщик Доп. поставщик сохранён." in page and "Проверка запущена" in page
    assert SupplierAccount.get(SupplierAccount.code == "extra").password == "wrong"
    assert [t.name for t in huey.pending()].count("check_supplier_link") == 1  # queued for the worker
    _run_queued(drop="check_supplier_link")
    assert "check_supplier_link" not in [t.name for t in huey.pending()]


def test_link_check_answers_in_the_page_with_the_worker(login, suppliers_cfg, worker):
    b = login("manager")
    assert "Связь есть: Поставщик s2." in b.post("/stock/suppliers/s2/check", {}, htmx=True).get_data(as_text=True)
    assert b.post("/stock/suppliers/nope/check", {}, htmx=True).status_code == 404
    assert login("mechanic").post("/stock/suppliers/s2/check", {}, htmx=True).status_code == 403
