"""The exchange pages as a manager uses them, and the customer card fed by 1C."""

import datetime as dt
import io
import re
import threading
import time

from conftest import DATA

from appliance import customers
from appliance.exchange.importer import import_file
from db.models.exchange import BonusCard, ImportedSale, ImportLog
from db.models.sales import Sale


def _wait_done(log_id, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        entry = ImportLog.get_by_id(log_id)
        if entry.status != "running":
            return entry
        time.sleep(0.05)
    raise AssertionError("import still running")


def test_upload_with_htmx_shows_row_then_result(login, immediate_huey):
    browser = login("manager")
    page = browser.get("/exchange")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Журнал загрузок" in html and 'id="upload-progress"' in html
    response = browser.post("/exchange/upload", {"file": (io.BytesIO((DATA / "sales_cp1251.csv").read_bytes()),
                                                          "продажи.csv"), "kind": "sales"},
                            htmx=True, content_type="multipart/form-data")
    assert response.status_code == 200
    row = response.get_data(as_text=True)
    assert "продажи.csv" in row and "hx-trigger=\"every 1s\"" in row
    entry = _wait_done(ImportLog.get().id)
    assert entry.status == "done", entry.error
    row = browser.get(f"/exchange/log/{entry.id}").get_data(as_text=True)
    assert "every 1s" not in row and ">3<" in row
    original = browser.get(f"/exchange/log/{entry.id}/file")
    assert original.data == (DATA / "sales_cp1251.csv").read_bytes()
    assert "attachment" in original.headers["Content-Disposition"]


def test_upload_is_queued_for_the_worker_not_imported_in_the_web_process(login):
    """The web process only saves the file and queues it; the worker's task imports it."""
    from jobs import huey

    huey.flush()
    browser = login("manager")
    response = browser.post("/exchange/upload", {"file": (io.BytesIO((DATA / "sales_cp1251.csv").read_bytes()),
                                                          "продажи.csv"), "kind": "sales"},
                            htmx=True, content_type="multipart/form-data")
    assert response.status_code == 200 and "every 1s" in response.get_data(as_text=True)
    entry = ImportLog.get()
    assert huey.pending_count() == 1
    assert not [t for t in threading.enumerate() if t.name.startswith("import-")]
    assert ImportLog.get_by_id(entry.id).status == "running"
    huey.execute(huey.dequeue())  # what `prilavok worker` does
    done = ImportLog.get_by_id(entry.id)
    assert done.status == "done", done.error
    assert done.created == 3 and done.staff.username == "manager" and done.source == "upload"
    assert "every 1s" not in browser.get(f"/exchange/log/{entry.id}").get_data(as_text=True)


def test_rejected_file_shows_reason_on_log_page(login, db):
    browser = login("owner")
    import_file(_copy(DATA / "sales_bad_number.csv"), source="folder", filename="sales_bad_number.csv")
    html = browser.get("/exchange").get_data(as_text=True)
    assert "Файл sales_bad_number.csv, строка 3, колонка «Количество»: «две штуки» — не число" in html
    assert "отклонён" in html


def test_mechanic_cannot_open_exchange(login):
    browser = login("mechanic")
    assert browser.get("/exchange").status_code == 403


def test_attach_unmatched_sale_from_the_list(login, db):
    browser = login("manager")
    import_file(_copy(DATA / "documents_2_05_cp1251.xml"), source="http")
    html = browser.get("/exchange/unmatched").get_data(as_text=True)
    assert "ЧК-000202" in html and "Смирнова Ольга" in html
    origin = ImportedSale.get(ImportedSale.status == "unmatched")
    response = browser.post(f"/exchange/unmatched/{origin.id}/attach", {"phone": "8 903 555-00-11", "name": ""},
                            htmx=True)
    assert response.status_code == 200
    assert "привязан к клиенту Смирнова Ольга (новый клиент)" in response.get_data(as_text=True)
    customer = customers.find_by_phone("+79035550011")
    assert Sale.get(Sale.number == "ЧК-000202").customer_id == customer.id


def test_customer_card_shows_imported_purchases_and_consumables(login, db, fixed_now):
    browser = login("manager")
    ivanov = customers.create_customer("Иванов Сергей", [customers.PhoneInput("+79031112233")])
    BonusCard.create(number="2000012345678", customer=ivanov, created_at=dt.datetime(2026, 1, 1))
    entry = import_file(_copy(DATA / "sales_cp1251.csv"), source="folder")
    assert entry.status == "done", entry.error
    html = browser.get(f"/customers/{ivanov.id}").get_data(as_text=True)
    assert "ЧК-000123" in html  # the purchase history
    assert re.search(r"2\s180,50\s₽", html)
    block = html[html.index('id="consumables"'):]
    block = block[:block.index("</section>")]
    assert "Свечи зажигания" in block and "20.11.2026" in block and "20.11.2027" in block
    assert "Масляный фильтр" in block and "19.05.2027" in block  # 180 days
    assert "Ремень ГРМ" in block and "не покупал" in block
    fixed_now(dt.datetime(2027, 6, 1, 9, 0))
    due = browser.get("/exchange/consumables").get_data(as_text=True)
    assert "Иванов Сергей" in due and "Масляный фильтр" in due


def _copy(path):
    import shutil
    import tempfile
    from pathlib import Path

    dest = Path(tempfile.mkdtemp()) / path.name
    shutil.copyfile(path, dest)
    return dest
