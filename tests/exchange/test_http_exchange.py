"""The /1c_exchange endpoint driven the way 1C's "Обмен с сайтом" drives it.

Sequence as 1C:Управление торговлей 11 sends it: checkauth (basic auth) -> init ->
file (in pieces of file_limit) -> import (repeated while "progress") -> next file...
"""

import base64
import io
import time
import zipfile

import pytest
from conftest import DATA, SAMPLES

from appliance.exchange import stock
from db.models.catalog import Product
from db.models.exchange import ImportLog
from db.models.sales import Sale

LOGIN, PASSWORD = "1c", "s3cret-Обмен"


@pytest.fixture
def onec(app, settings, monkeypatch):
    monkeypatch.setenv("PRILAVOK_EXCHANGE_PASSWORD", PASSWORD)
    from appliance import settings as settings_mod

    cfg = settings_mod.Settings(None, environ={"PRILAVOK_EXCHANGE_PASSWORD": PASSWORD,
                                               "PRILAVOK_EXCHANGE_FILE_LIMIT": "20000",
                                               "PRILAVOK_EXCHANGE_IMPORT_STEP_SECONDS": "10"},
                                overrides={"app": {"data_dir": str(settings.var_dir), "secret_key": "t"}})
    settings_mod.configure(cfg)
    return OneC(app.test_client())


class OneC:
    """What 1C does over HTTP, step by step."""

    def __init__(self, client):
        self.client = client
        self.auth = {"Authorization": "Basic " + base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()}

    def get(self, **params):
        response = self.client.get("/1c_exchange", query_string=params, headers=self.auth)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def post(self, body: bytes, **params):
        response = self.client.post("/1c_exchange", query_string=params, data=body, headers=self.auth,
                                    content_type="application/octet-stream")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def login(self, kind="catalog"):
        lines = self.get(type=kind, mode="checkauth").split("\n")
        assert lines[0] == "success"
        assert lines[1] == "prilavok_1c" and len(lines[2]) == 32
        self.client.set_cookie(lines[1], lines[2])
        return lines

    def send(self, name: str, data: bytes, limit: int, kind="catalog"):
        for start in range(0, len(data), limit):
            assert self.post(data[start:start + limit], type=kind, mode="file", filename=name) == "success\n"

    def import_until_done(self, name: str, kind="catalog", tries=50):
        answers = []
        for _ in range(tries):
            text = self.get(type=kind, mode="import", filename=name)
            answers.append(text.split("\n")[0])
            if not text.startswith("progress"):
                return text, answers
            time.sleep(0.1)
        raise AssertionError(f"import never finished: {answers}")


def test_checkauth_refuses_wrong_password(onec):
    onec.auth = {"Authorization": "Basic " + base64.b64encode(b"1c:wrong").decode()}
    text = onec.get(type="catalog", mode="checkauth")
    assert text.startswith("failure\n") and "Неверный логин или пароль" in text
    assert onec.get(type="catalog", mode="init").startswith("failure\n")


def test_catalog_exchange_chunked_files(onec):
    onec.login()
    init = onec.get(type="catalog", mode="init")
    assert init == "zip=yes\nfile_limit=20000\n"
    data = (SAMPLES / "dobromyslov_import0_1.xml").read_bytes()  # real 1C export, 165 KB: 9 pieces
    onec.send("import0_1.xml", data, 20000)
    text, _ = onec.import_until_done("import0_1.xml")
    assert text.startswith("success\n"), text
    offers = (SAMPLES / "dobromyslov_offers0_1.xml").read_bytes()
    onec.send("offers0_1.xml", offers, 20000)
    text, _ = onec.import_until_done("offers0_1.xml")
    assert text.startswith("success\n"), text
    product = Product.get(Product.article == "PM-421-WP")
    assert stock.on_hand(product.article_key, product.brand_key) == 377
    entry = ImportLog.get(ImportLog.filename == "import0_1.xml")
    assert (entry.source, entry.status, entry.size) == ("http", "done", len(data))
    assert onec.get(type="catalog", mode="complete") == "success\n"


def test_zip_exchange_with_progress(onec, monkeypatch):
    monkeypatch.setenv("PRILAVOK_EXCHANGE_IMPORT_STEP_SECONDS", "0")
    from appliance import settings as settings_mod

    cfg = settings_mod.get()
    cfg._cp.set("exchange", "import_step_seconds", "0")
    onec.login()
    assert onec.get(type="catalog", mode="init", version="3.1").startswith("zip=yes\nfile_limit=20000\nsessid=")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(DATA / "import_2_10_autoparts.xml", "import.xml")
        zf.write(DATA / "offers_2_10_rests.xml", "rests.xml")
    onec.send("v8_exchange.zip", buf.getvalue(), 20000)
    gate = __import__("threading").Event()
    from appliance.exchange import importer
    original = importer._Import.run

    def slow_run(self):
        gate.wait(5)
        return original(self)
    monkeypatch.setattr(importer._Import, "run", slow_run)
    first = onec.get(type="catalog", mode="import", filename="import.xml")
    assert first.startswith("progress\n"), first
    gate.set()
    text, answers = onec.import_until_done("import.xml")
    assert text.startswith("success\n") and answers[-1] == "success"
    text, _ = onec.import_until_done("rests.xml")
    assert text.startswith("success\n"), text
    assert stock.on_hand("A113707110CA", "CHERY") == 24


def test_failed_import_answers_failure_with_reason(onec):
    onec.login()
    onec.get(type="catalog", mode="init")
    onec.send("import.xml", (DATA / "billion_laughs.xml").read_bytes(), 20000)
    text, _ = onec.import_until_done("import.xml")
    first, reason = text.split("\n")[:2]
    assert first == "failure" and "DOCTYPE" in reason and "import.xml" in reason


def test_sale_exchange_query_and_documents(onec):
    from appliance import settings as settings_mod

    onec.login("sale")
    assert onec.get(type="sale", mode="init").startswith("zip=yes")
    xml = onec.get(type="sale", mode="query")
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>') and "КоммерческаяИнформация" in xml
    assert onec.get(type="sale", mode="success") == "success\n"
    data = (DATA / "documents_2_08.xml").read_bytes()
    half = len(data) // 2
    settings_mod.get()._cp.set("exchange", "file_limit", str(half))  # 1C cuts files into pieces of file_limit
    assert onec.post(data[:half], type="sale", mode="file", filename="documents.xml") == "success\n"
    assert Sale.select().count() == 0  # not complete yet
    assert onec.post(data[half:], type="sale", mode="file", filename="documents.xml") == "success\n"
    assert Sale.select().count() == 1


def test_no_session_and_path_escape(onec):
    assert onec.get(type="catalog", mode="init").startswith("failure\n")  # no checkauth yet
    onec.login()
    text = onec.post(b"x", type="catalog", mode="file", filename="../../etc/passwd")
    assert text.startswith("failure\n") and "Недопустимое имя" in text


# ---------------------------------------------------------------- refusals and session folders


def _session_folder(onec):
    from appliance.exchange.http_exchange import sessions_dir

    return sessions_dir() / onec.client.get_cookie("prilavok_1c").value


def _refused_rows():
    return [(e.filename, e.error) for e in ImportLog.select().where(ImportLog.status == "failed").order_by(ImportLog.id)]


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _exchange_page(app, staff):
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.get("/login")
    assert browser.post("/login", {"username": "owner", "password": "demo"}).status_code == 302
    return browser.get("/exchange").get_data(as_text=True)


def test_a_cut_sale_document_is_refused_with_a_log_row(onec, app, staff):
    onec.login("sale")
    onec.get(type="sale", mode="init")
    data = (DATA / "documents_2_08.xml").read_bytes()
    text = onec.post(data[:5000], type="sale", mode="file", filename="documents.xml")  # a last piece, cut short
    assert text.startswith("failure\n") and "documents.xml" in text, text
    assert Sale.select().count() == 0
    (entry,) = ImportLog.select()
    assert (entry.source, entry.status) == ("http", "failed") and "documents.xml" in entry.error
    assert "documents.xml" in _exchange_page(app, staff)
    assert not _session_folder(onec).exists()


def test_a_cut_sale_archive_is_refused_with_a_log_row(onec):
    onec.login("sale")
    onec.get(type="sale", mode="init")
    archive = _zip({"documents.xml": (DATA / "documents_2_08.xml").read_bytes()})
    text = onec.post(archive[:len(archive) // 2], type="sale", mode="file", filename="orders.zip")
    assert text.startswith("failure\n") and "не целиком" in text, text
    assert _refused_rows() == [("orders.zip", "Архив orders.zip пришёл не целиком (обрыв передачи?)")]


def test_a_split_zip_bomb_is_refused_before_anything_is_unpacked(onec, app, staff):
    onec.login()
    onec.get(type="catalog", mode="init")
    bomb = _zip({f"import{i}.xml": bytes(int(9.9 * 1024 ** 2)) for i in range(20)})  # 198 MB of zeros
    assert len(bomb) < 300_000
    onec.send("bomb.zip", bomb, 20000)
    text = onec.get(type="catalog", mode="import", filename="import0.xml")
    assert text.startswith("failure\n") and "zip-бомбу" in text, text
    assert not any(_session_folder(onec).iterdir())  # not one member written, the archive gone
    (row,) = _refused_rows()
    assert row[0] == "bomb.zip" and "max_zip_ratio" in row[1]
    page = _exchange_page(app, staff)
    assert "bomb.zip" in page and "zip-бомбу" in page


def test_an_archive_over_the_total_limit_is_refused(onec):
    from appliance import settings as settings_mod

    settings_mod.get()._cp.set("exchange", "max_unzipped_mb", "1")
    onec.login()
    onec.get(type="catalog", mode="init")
    onec.send("v8.zip", _zip({"import.xml": (DATA / "import_2_10_autoparts.xml").read_bytes() * 400}), 20000)
    text = onec.get(type="catalog", mode="import", filename="import.xml")
    assert text.startswith("failure\n") and "больше предела 1 МБ" in text, text
    assert not any(_session_folder(onec).iterdir())
    assert _refused_rows()[0][0] == "v8.zip"


def test_bad_paths_and_broken_zips_leave_a_log_row(onec, app, staff):
    onec.login()
    onec.get(type="catalog", mode="init")
    assert onec.post(b"x", type="catalog", mode="file", filename="../../etc/passwd").startswith("failure\n")
    onec.send("evil.zip", _zip({"../../outside.xml": b"<x/>"}), 20000)
    text = onec.get(type="catalog", mode="import", filename="import.xml")
    assert text.startswith("failure\n") and "недопустимое имя внутри архива" in text, text
    onec.send("broken.zip", b"PK\x03\x04 this is not really a zip", 20000)
    text = onec.get(type="catalog", mode="import", filename="import.xml")
    assert text.startswith("failure\n") and "не zip-архив" in text, text
    assert [name for name, _ in _refused_rows()] == ["../../etc/passwd", "evil.zip", "broken.zip"]
    assert not (_session_folder(onec).parent.parent / "outside.xml").exists()
    page = _exchange_page(app, staff)
    assert "../../etc/passwd" in page and "evil.zip" in page and "broken.zip" in page


def test_session_folders_are_removed_after_the_import_and_when_stale(onec):
    import datetime as dt

    from db.models.exchange import ExchangeSession

    onec.login()
    onec.get(type="catalog", mode="init")
    onec.send("v8_exchange.zip", _zip({"import.xml": (DATA / "import_2_10_autoparts.xml").read_bytes(),
                                       "offers.xml": (DATA / "offers_2_10_rests.xml").read_bytes(),
                                       "import_files/ab/photo.jpg": b"\xff\xd8jpeg"}), 20000)
    folder = _session_folder(onec)
    assert onec.import_until_done("import.xml")[0].startswith("success\n")
    assert folder.exists()  # offers.xml still to come
    assert onec.import_until_done("offers.xml")[0].startswith("success\n")
    assert not folder.exists()
    # A session 1C gave up on: its folder goes at the next checkauth, what it left is logged.
    onec.login()
    onec.get(type="catalog", mode="init")
    onec.send("import.xml", (DATA / "import_2_10_autoparts.xml").read_bytes()[:1000], 20000)
    abandoned = _session_folder(onec)
    ExchangeSession.update(last_seen_at=dt.datetime(2020, 1, 1)).execute()
    onec.login()
    assert not abandoned.exists()
    assert _refused_rows()[-1][0] == "import.xml" and "не загружен" in _refused_rows()[-1][1]
