import pytest

from appliance.suppliers.base import SupplierConfig
from appliance.suppliers.pricelist import PriceListAdapter, PriceListError, parse_price, parse_qty

CSV_CP1251 = (
    "Артикул;Производитель;Наименование;Цена;Наличие;Кратность\r\n"
    "BKR6EZ;NGK;Свеча зажигания;312,50;>10;4\r\n"
    "T11-1303111;CHERY;Патрубок радиатора;1 480,00;0;1\r\n"
    "473H-1012010;CHERY;Фильтр масляный;395;есть;\r\n"
    "BROKEN;X;Без цены;;5;1\r\n"
)


def make(tmp_path, text, encoding="cp1251", **options):
    folder = tmp_path / "prices"
    folder.mkdir(exist_ok=True)
    (folder / "price.csv").write_bytes(text.encode(encoding))
    cfg = SupplierConfig(code="pl", kind="pricelist", url=str(folder), working_days="1-7",
                         lead_days=1, markup=30, options={"delivery_days": 2, **options})
    return PriceListAdapter(cfg, orders_dir=tmp_path / "orders")


def test_cp1251_price_list_with_russian_headers(tmp_path):
    a = make(tmp_path, CSV_CP1251)
    [plug] = a.search("bkr-6ez", "ngk")
    assert plug.name == "Свеча зажигания"
    assert plug.price_kop == 31250 and plug.qty == 10 and plug.pack == 4
    assert plug.days_min == 3  # 2 supplier days + 1 lead day
    assert plug.retail_kop == 40625
    assert a.search("T11-1303111") == []  # zero stock is not an offer
    [flt] = a.search("473H-1012010")
    assert flt.qty is None  # "есть": available, quantity unknown
    assert a.search("BROKEN") == []


def test_utf8_with_mapped_columns_by_number(tmp_path):
    text = "код,цена опт,что,кто\nABC-1,100.5,Втулка,FEBEST\n"
    a = make(tmp_path, text, encoding="utf-8", columns="article:1, price:2, name:3, brand:4")
    [o] = a.search("ABC1")
    assert (o.brand, o.price_kop, o.name) == ("FEBEST", 10050, "Втулка")


def test_unknown_layout_is_a_clear_error(tmp_path):
    a = make(tmp_path, "foo;bar\n1;2\n", encoding="utf-8")
    with pytest.raises(PriceListError) as exc:
        a.search("1")
    assert "артикул" in exc.value.message_ru and "цена" in exc.value.message_ru


def test_order_is_written_as_a_file(tmp_path):
    from appliance.suppliers.base import OrderLine

    a = make(tmp_path, CSV_CP1251)
    ref = a.place_order([OrderLine("BKR6EZ", "NGK", 8, price_kop=31250, ref="5")], client_ref="PRV-3")
    assert ref.ref == "PRV-3"
    body = (tmp_path / "orders" / "pl" / "order-PRV-3.csv").read_bytes().decode("cp1251")
    assert "BKR6EZ;NGK;8;312,50;5" in body
    assert [s.status for s in a.line_status("PRV-3")] == ["ordered"]


@pytest.mark.parametrize("text,kop", [("1 234,50", 123450), ("1234.5", 123450), ("99 ₽", 9900),
                                      ("1.234,50", 123450)])
def test_prices(text, kop):
    assert parse_price(text) == kop


def test_quantities():
    assert parse_qty("12 шт") == 12
    assert parse_qty("нет") == 0
    assert parse_qty("есть") is None


def test_pricelist_supplier_from_an_ini_section(tmp_path):
    from appliance.suppliers.registry import config_from_section, parse_options

    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "old.csv").write_text("Артикул;Цена\nOLD-1;10\n", encoding="utf-8")
    (folder / "new.csv").write_bytes("Номер;Бренд;Опт\nNEW-1;SAT;99,90\n".encode("cp1251"))
    import os

    os.utime(folder / "old.csv", (1, 1))  # the newest file in the folder is the price list
    cfg = config_from_section("drop", {"kind": "pricelist", "url": str(folder), "markup": "20",
                                       "columns": "article:Номер, brand:Бренд, price:Опт", "delivery_days": "0",
                                       "working_days": "1-7"})
    assert cfg.kind == "pricelist" and cfg.options["columns"].startswith("article")
    [o] = PriceListAdapter(cfg).search("NEW-1")
    assert o.price_kop == 9990 and o.retail_kop == 11988 and o.days_max == 0
    assert PriceListAdapter(cfg).search("OLD-1") == []
    assert parse_options("columns = article:1\n# note\nencoding=cp1251") == {"columns": "article:1",
                                                                            "encoding": "cp1251"}
