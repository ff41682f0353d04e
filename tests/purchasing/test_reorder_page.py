"""The reorder page: the «хватает» lines behind a filter, who ran the check, a price check only by POST."""
import re

import pytest

from appliance.purchasing import analogs, mandatory, stock_watch
from db.models.suppliers import PriceCheckRun

pytestmark = pytest.mark.clock

PARAMS = stock_watch.Params(max_delivery_days=10)


def test_enough_lines_are_seen_with_the_filter(login, suppliers_cfg, monkeypatch):
    from appliance.purchasing import price_check

    monkeypatch.setattr(price_check, "stock_on_hand", lambda a, b: 10 if a == "T113501080" else 0)
    for art, brand in (("T11-3501080", "CHERY"), ("481H-1007073", "CHERY"), ("CT1126", "CONTITECH")):
        mandatory.save_item({"article": art, "brand": brand, "min_qty": "3"})
    analogs.link([("481H-1007073", "CHERY"), ("CT1126", "CONTITECH")])
    stock_watch.run(params=PARAMS)
    b = login("manager")
    page = b.get("/stock/reorder").get_data(as_text=True)
    assert "481H-1007073" in page and 'value="covered"' in page
    assert "T11-3501080" not in page and "CT1126</a></b>" not in page
    covered = b.get("/stock/reorder?state=covered").get_data(as_text=True)
    assert "T11-3501080" in covered and "хватает" in covered  # covered by its own stock
    assert "CT1126" in covered and "покрыто аналогом" in covered  # covered by the group's line
    assert "покрыто аналогом 481H-1007073 CHERY" in covered
    enough = b.get("/stock/reorder?state=enough", headers={"HX-Request": "true", "HX-Target": "reorder-table"})
    text = enough.get_data(as_text=True)
    assert "T11-3501080" in text and "покрыто аналогом" not in text


def test_manual_check_says_who_ran_it_and_nightly_says_nightly(login, suppliers_cfg, worker):
    mandatory.save_item({"article": "T11-3501080", "brand": "CHERY", "min_qty": "3"})
    b = login("manager")
    answer = b.post("/stock/reorder/check", {}, htmx=True).get_data(as_text=True)
    assert "позиций 1:" in answer, answer
    page = b.get("/stock/reorder").get_data(as_text=True)
    assert "Проверка вручную" in page and "Соколова Анна" in page
    assert "Ночная проверка:" not in page
    stock_watch.run(params=PARAMS)
    page = b.get("/stock/reorder").get_data(as_text=True)
    assert "Ночная проверка:" in page and "Проверка вручную" not in page


def test_a_price_check_link_opened_by_get_asks_nobody(login, suppliers_cfg, sim):
    b = login("manager")
    page = b.get("/price-check?article=T11-3501080&brand=CHERY").get_data(as_text=True)
    assert PriceCheckRun.select().count() == 0
    assert all(s["counters"]["requests"] == 0 for s in sim.state().values())
    assert 'hx-post="/price-check/start"' in page  # the page asks by POST, with its CSRF token
    # without the token nothing starts
    r = b.client.post("/price-check/start", data={"article": "T11-3501080", "brand": "CHERY"})
    assert r.status_code == 400 and PriceCheckRun.select().count() == 0
    part = b.post("/price-check/start", {"article": "T11-3501080", "brand": "CHERY"}, htmx=True)
    assert part.status_code == 200 and PriceCheckRun.select().count() == 1
    assert re.search(r"token=[\w-]+", part.get_data(as_text=True))
