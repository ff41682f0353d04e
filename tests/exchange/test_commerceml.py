"""CommerceML reader against real 1C exports and hand-written realistic files.

Real samples: /work/shared/samples/commerceml/ (see its README):
- dobromyslov_*.xml — a 1C export from dobromyslov/commerceml-parser `data/` (2.07, UTF-8 BOM);
- carono_*.xml — an export with product variants from carono/php-commerceml `tests/xml/`.
Our own files in tests/exchange/data/ cover documents (2.05 cp1251, 2.08 Контейнер),
2.10 stock in <Остатки>, and hostile XML.
"""

import io
import resource
import time
from decimal import Decimal
from pathlib import Path

import pytest

from appliance.exchange.commerceml import (
    CommerceMLReader,
    Document,
    Group,
    Offer,
    Product,
    classify_operation,
    sniff,
)
from appliance.exchange.errors import ExchangeFileError

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "commerceml"
if not SAMPLES.exists():
    SAMPLES = Path("/work/shared/samples/commerceml")
DATA = Path(__file__).parent / "data"


def records(path, kind):
    return [r for r in CommerceMLReader(path) if isinstance(r, kind)]


def test_real_import_products_articles_brands_groups():
    reader = CommerceMLReader(SAMPLES / "dobromyslov_import0_1.xml")
    products = [r for r in reader if isinstance(r, Product)]
    assert len(products) == 36
    first = products[0]
    assert first.onec_id == "bd8c4e15-18f9-11e7-80c2-0cc47ab29cd1"
    assert first.article == "PM-421-WP"
    assert first.name == "Портативный коврик Portable 140x200x1 см, Деревянные лошадки"
    assert first.brand == "Crazy Boom"
    assert first.barcode == "8809288404089"
    assert reader.groups[first.group_ids[0]].name == "Коврики для дома"
    assert reader.version == "2.07"


def test_real_offers_prices_and_stock_per_warehouse():
    reader = CommerceMLReader(SAMPLES / "dobromyslov_offers0_1.xml")
    offers = [r for r in reader if isinstance(r, Offer)]
    assert len(offers) == 44
    o = offers[0]
    assert o.article == "PM-421-WP"
    assert o.quantity == Decimal("377")
    assert reader.warehouses[o.onec_id and "dd306af1-19c9-11e7-80c2-0cc47ab29cd1"] == "Москва"
    assert o.per_warehouse["dd306af1-19c9-11e7-80c2-0cc47ab29cd1"] == Decimal("376")
    assert reader.price_types == {"279b6812-740b-11e8-80c8-0cc47ab29cd1": "BASE"}
    assert o.prices["279b6812-740b-11e8-80c8-0cc47ab29cd1"] == Decimal("100")


def test_real_variants_and_nested_groups_and_brand_from_property():
    reader = CommerceMLReader(SAMPLES / "carono_import.xml")
    items = list(reader)
    products = [r for r in items if isinstance(r, Product)]
    groups = [r for r in items if isinstance(r, Group)]
    assert [p.article for p in products] == ["Б-130001", "Б- 130005"]
    # carono has no <Изготовитель>: the brand comes from the "Производитель" property.
    assert products[1].brand == "АОЗТ Алекс"
    nested = [g for g in groups if g.parent_id == "453d6e1a-7233-11e0-8636-0011951d229d"]
    assert {g.name for g in nested} >= {"Бытовая техника с учетом серий, гарантия 12 мес."}
    offers = records(SAMPLES / "carono_offers.xml", Offer)
    assert offers[0].onec_id.startswith("bd72d910-55bc-11d9-848a-00112f43529a#")
    assert offers[0].product_id == "bd72d910-55bc-11d9-848a-00112f43529a"
    assert offers[0].prices == {"bb14a3a4-6b17-11e0-9819-e0cb4ed5eed4": Decimal("1719")}


def test_sniff_tells_file_kinds():
    assert sniff(SAMPLES / "dobromyslov_import0_1.xml") == "catalog"
    assert sniff(SAMPLES / "carono_offers.xml") == "offers"
    assert sniff(DATA / "documents_2_08.xml") == "documents"
    assert sniff(DATA / "documents_2_05_cp1251.xml") == "documents"


def test_documents_2_08_sale_receipt_and_order():
    docs = records(DATA / "documents_2_08.xml", Document)
    sale, receipt, order = docs
    assert (sale.kind, receipt.kind, order.kind) == ("sale", "receipt", "order")
    assert sale.number == "ЧК-000201"
    assert sale.date.isoformat() == "2026-11-21T15:20:07"
    assert sale.card == "2000012345678"
    assert sale.phones == ["+7 916 555-12-34"]
    assert sale.manager == "Петрова Анна"
    assert sale.counterparty == "Иванов Сергей Петрович"
    assert [ln.brand for ln in sale.lines] == ["CHERY", "CHERY"]
    assert sale.lines[1].amount == Decimal("380.50")
    assert receipt.counterparty == "ООО «Автоконтинент»"
    assert [(ln.article, ln.quantity) for ln in receipt.lines] == [
        ("A11-3707110CA", 20), ("T11-3502080", 2), ("NEW-0001", 1)]


def test_documents_2_05_in_windows_1251_without_namespace():
    (doc,) = records(DATA / "documents_2_05_cp1251.xml", Document)
    assert doc.kind == "sale"
    assert doc.counterparty == "Смирнова Ольга"
    assert doc.phones == ["89035550011"]
    assert doc.lines[0].name == "Ремень ГРМ Lifan X60"


def test_offers_2_10_rests_per_warehouse():
    reader = CommerceMLReader(DATA / "offers_2_10_rests.xml")
    offers = [r for r in reader if isinstance(r, Offer)]
    assert reader.warehouses["aa000002-0000-4000-8000-000000000002"] == "Склад на Лесной"
    assert offers[0].quantity == Decimal(24)
    assert offers[1].per_warehouse == {"aa000001-0000-4000-8000-000000000001": Decimal("3.5")}
    assert offers[0].prices == {}


def test_receipt_by_role_of_shipment():
    assert classify_operation("Отпуск товара", "Покупатель") == "receipt"
    assert classify_operation("Отпуск товара", "Продавец") == "sale"
    assert classify_operation("Возврат товара", "Продавец") == "return"


@pytest.mark.parametrize("name, words", [
    ("xxe.xml", "DOCTYPE"),
    ("xxe_remote_dtd.xml", "DOCTYPE"),
    ("billion_laughs.xml", "DOCTYPE"),
])
def test_hostile_xml_is_rejected_before_any_record(name, words):
    seen = []
    started = time.monotonic()
    with pytest.raises(ExchangeFileError) as err:
        for rec in CommerceMLReader(DATA / name):
            seen.append(rec)
    assert words in err.value.message_ru
    assert err.value.line == 2
    assert seen == []
    assert time.monotonic() - started < 5


def test_entity_declared_without_doctype_check_is_still_refused(monkeypatch):
    """Even if DOCTYPE were allowed, entity declarations are forbidden on their own."""
    from defusedxml.ElementTree import DefusedXMLParser

    import appliance.exchange.commerceml as cml
    monkeypatch.setattr(cml, "DefusedXMLParser", lambda **kw: DefusedXMLParser(**{**kw, "forbid_dtd": False}))
    with pytest.raises(ExchangeFileError) as err:
        list(CommerceMLReader(DATA / "billion_laughs.xml"))
    assert "сущност" in err.value.message_ru
    with pytest.raises(ExchangeFileError) as err:
        list(CommerceMLReader(DATA / "xxe.xml"))
    assert "XXE" in err.value.message_ru


def test_broken_xml_names_the_line():
    with pytest.raises(ExchangeFileError) as err:
        list(CommerceMLReader(DATA / "broken.xml"))
    assert err.value.line == 7
    assert "закрывающий тег" in err.value.message_ru


def test_text_in_number_names_element():
    bad = (DATA / "documents_2_08.xml").read_text().replace("<Количество>20</Количество>",
                                                            "<Количество>двадцать</Количество>")
    with pytest.raises(ExchangeFileError) as err:
        list(CommerceMLReader(io.BytesIO(bad.encode())))
    assert "«двадцать» — не число" in err.value.describe("documents.xml")
    assert "ПТ-000042" in err.value.where and "<Количество>" in err.value.where
    assert err.value.line == 99  # the <Количество> line itself


def test_not_commerceml_root():
    with pytest.raises(ExchangeFileError) as err:
        list(CommerceMLReader(io.BytesIO(b"<html><body/></html>")))
    assert "не файл CommerceML" in err.value.message_ru


def _big_catalog(n):
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" '
           'ВерсияСхемы="2.07"><Каталог><Товары>').encode()
    item = ("<Товар><Ид>{i}</Ид><Артикул>ART-{i}</Артикул><Наименование>Фильтр масляный {i} "
            + "Длинное описание товара для объёма. " * 20 + "</Наименование>"
            "<Изготовитель><Наименование>MANN</Наименование></Изготовитель></Товар>")
    for i in range(n):
        yield item.format(i=i).encode()
    yield "</Товары></Каталог></КоммерческаяИнформация>".encode()


class _GenReader(io.RawIOBase):
    def __init__(self, gen):
        self.gen, self.buf = gen, b""

    def readable(self):
        return True

    def read(self, size=-1):
        while len(self.buf) < size:
            try:
                self.buf += next(self.gen)
            except StopIteration:
                break
        out, self.buf = self.buf[:size], self.buf[size:]
        return out


def test_memory_stays_flat_on_a_large_catalog():
    """About 100 MB of products: peak RSS must not grow with the file."""
    count = 0
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for rec in CommerceMLReader(_GenReader(_big_catalog(130_000))):
        if isinstance(rec, Product):
            count += 1
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert count == 130_000
    assert grown_kb < 40_000
