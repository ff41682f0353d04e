"""One encoding rule for every file the shop reads: 1C CSV, supplier price lists, stock uploads."""
import io

import pytest

from appliance import text_files
from appliance.exchange.csv_import import CsvReader
from appliance.suppliers.base import SupplierConfig
from appliance.suppliers.pricelist import PriceListAdapter

TEXT = "Артикул;Бренд;Наименование;Мин\nT11-1303111;CHERY;Патрубок радиатора;2\n"
FILES = {"cp1251": TEXT.encode("cp1251"), "utf-8-bom": TEXT.encode("utf-8-sig"), "utf-8": TEXT.encode("utf-8")}


@pytest.mark.parametrize("name,expected", [("cp1251", "cp1251"), ("utf-8-bom", "utf-8-sig"), ("utf-8", "utf-8")])
def test_whole_file_and_first_block_agree(name, expected):
    raw = FILES[name]
    assert text_files.detect_encoding(raw, complete=True) == expected
    assert text_files.detect_encoding(raw[:5]) == expected  # 'Ар' cut in the middle is still UTF-8
    assert text_files.decode(raw) == TEXT


def test_a_stray_byte_cp1251_lacks_does_not_turn_the_file_into_latin1():
    raw = "Патрубок".encode("cp1251") + b"\x98" + " радиатора".encode("cp1251")
    assert text_files.decode(raw) == "Патрубок\ufffd радиатора"


@pytest.mark.parametrize("name", ["cp1251", "utf-8-bom"])
def test_supplier_price_list_and_1c_csv_read_both(tmp_path, name):
    folder = tmp_path / "prices"
    folder.mkdir()
    (folder / "price.csv").write_bytes("Артикул;Производитель;Наименование;Цена;Наличие\n"
                                       "BKR6EZ;NGK;Свеча зажигания;312,50;8\n".encode(
                                           "cp1251" if name == "cp1251" else "utf-8-sig"))
    cfg = SupplierConfig(code="pl", kind="pricelist", url=str(folder), working_days="1-7", lead_days=1,
                         options={"delivery_days": 2})
    [plug] = PriceListAdapter(cfg, orders_dir=tmp_path / "orders").search("BKR6EZ")
    assert plug.name == "Свеча зажигания"
    reader = CsvReader(io.BytesIO(FILES[name]), kind="catalog")
    assert reader.encoding == "" and [r.name for r in reader] == ["Патрубок радиатора"]
    assert reader.encoding == ("cp1251" if name == "cp1251" else "utf-8-sig")
