import pytest

from appliance.suppliers.abcp import map_status, password_hash, positions_form
from appliance.suppliers.base import (
    REFUSED,
    SHIPPED,
    AuthFailed,
    OrderLine,
    calendar_days,
    round_to_pack,
)
from hardware.sim.supplier_api import RunningSim, SimSupplier
from tests.suppliers.simfix import adapter


def test_password_is_sent_as_md5():
    assert password_hash("demo") == "fe01ce2a7fbac8fafaed7c982a04e229"
    assert password_hash("FE01CE2A7FBAC8FAFAED7C982A04E229") == "fe01ce2a7fbac8fafaed7c982a04e229"


def test_positions_form_fields():
    form = positions_form([OrderLine("BKR6EZ", "NGK", 4, offer_key="1001|abc", ref="L7")])
    assert form["positions[0][number]"] == "BKR6EZ"
    assert form["positions[0][supplierCode]"] == "1001"
    assert form["positions[0][itemKey]"] == "abc"
    assert form["positions[0][quantity]"] == "4"
    assert form["positions[0][comment]"] == "L7"


@pytest.mark.parametrize("text,status", [
    ("Отказ", REFUSED), ("Снят поставщиком", REFUSED), ("Отгружено", SHIPPED),
    ("В работе", "confirmed"), ("Ожидает обработки", "ordered"),
])
def test_status_words(text, status):
    assert map_status(text) == status


def test_pack_rounding_and_working_days():
    assert round_to_pack(5, pack=4) == 8
    assert round_to_pack(1, pack=1, min_qty=3) == 3
    assert round_to_pack(0.2, pack=10) == 10
    assert round_to_pack(0, pack=4) == 0
    assert round_to_pack(9, pack=4, min_qty=10) == 12
    # Friday (5) + 2 working days, Mon-Fri supplier -> Tuesday: 4 calendar days
    assert calendar_days(2, 5, {1, 2, 3, 4, 5}) == 4
    assert calendar_days(2, 1, range(1, 8)) == 2


def test_search_returns_priced_offers_with_analogs():
    with RunningSim([SimSupplier("s1", coverage=1.0)], port=0) as srv:
        a = adapter(srv, "s1", markup=40)
        offers = a.search("30015048-346", "IDEMITSU")
        brands = a.brands("BKR6EZ")
        nothing = a.search("NO-SUCH-PART-000", "NOBODY")
    own = [o for o in offers if not o.is_analog]
    analogs = [o for o in offers if o.is_analog]
    assert own and own[0].price_kop > 100_000  # about 3 000 roubles
    assert own[0].retail_kop == round(own[0].price_kop * 1.4)
    assert [o.article for o in analogs] == ["30015048-746"]
    assert own[0].days_min >= 1 and own[0].days_max >= own[0].days_min
    assert brands == ["NGK"]
    assert isinstance(nothing, list)


def test_search_without_brand_asks_brands_first():
    with RunningSim([SimSupplier("s1", coverage=1.0)], port=0) as srv:
        offers = adapter(srv, "s1").search("A11-3707110CA")
    assert offers[0].brand == "CHERY" and offers[0].pack == 4


def test_wrong_password_is_an_auth_error():
    with RunningSim([SimSupplier("s1")], port=0) as srv:
        with pytest.raises(AuthFailed) as exc:
            adapter(srv, "s1", password="wrong").search("BKR6EZ", "NGK")
    assert "логин" in exc.value.message_ru


def test_order_status_and_refusal_with_reason():
    with RunningSim([SimSupplier("s1", refuse_articles=["GDB3520"])], port=0) as srv:
        a = adapter(srv, "s1")
        lines = [OrderLine("BKR6EZ", "NGK", 4, ref="1"), OrderLine("GDB3520", "TRW", 1, ref="2")]
        ref = a.place_order(lines, client_ref="PRV-1")
        again = a.place_order(lines, client_ref="PRV-1")  # a retried POST
        first = {s.article: s for s in ref.lines}
        polled = {s.article: s for s in a.line_status(ref.ref)}
        polled2 = {s.article: s for s in a.line_status(ref.ref)}
        orders = srv.state()["s1"]["orders"]
    assert again.ref == ref.ref and len(orders) == 1  # de-duplicated by client reference
    assert first["BKR6EZ"].status == "ordered" and first["BKR6EZ"].ref == "1"
    assert first["GDB3520"].status == REFUSED
    assert polled["GDB3520"].reason == "нет на складе поставщика"
    assert polled["BKR6EZ"].status == "confirmed"
    assert polled2["BKR6EZ"].status == SHIPPED


def test_order_through_the_basket():
    with RunningSim([SimSupplier("s1")], port=0) as srv:
        a = adapter(srv, "s1", options={"order_via": "basket"})
        ref = a.place_order([OrderLine("BKR6EZ", "NGK", 4)], client_ref="PRV-9")
    assert ref.ref and ref.lines[0].qty == 4
