"""CSV exports from a 1C processing: encodings, delimiters, decimal commas, Russian headers."""

import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from appliance.exchange.csv_import import CsvReader, guess_kind, load_mapping, norm_header
from appliance.exchange.errors import ExchangeFileError

DATA = Path(__file__).parent / "data"


def test_sales_cp1251_semicolon_decimal_comma():
    reader = CsvReader(DATA / "sales_cp1251.csv")
    rows = list(reader)
    assert reader.encoding == "cp1251" and reader.delimiter == ";" and reader.kind == "sales"
    assert len(rows) == 5  # the "Итого" line is not a sale
    first = rows[0]
    assert first.number == "ЧК-000123"
    assert first.date == datetime(2026, 11, 20, 10, 15, 32)
    assert (first.article, first.brand) == ("A11-3707110CA", "CHERY")
    assert first.quantity == 4 and first.price == Decimal("450.00") and first.amount == Decimal("1800.00")
    assert first.card == "2000012345678" and first.manager == "Петрова Анна"
    assert rows[2].phone == "8 (916) 555-12-34"
    assert rows[2].date == datetime(2026, 11, 20, 11, 2)
    assert rows[4].quantity == Decimal("1.5") and rows[4].brand == "ЛУКОЙЛ"
    assert rows[1].line == 3


def test_receipts_utf8_bom():
    reader = CsvReader(DATA / "receipts_utf8bom.csv")
    rows = list(reader)
    assert reader.encoding == "utf-8-sig" and reader.kind == "receipts"
    assert rows[0].supplier == "ООО «Автоконтинент»"
    assert rows[0].price == Decimal("290.00")
    assert [r.article for r in rows] == ["A11-3707110CA", "T11-3502080", "NEW-0001"]


def test_stock_utf8_comma_delimiter_with_quoted_decimal_comma():
    reader = CsvReader(DATA / "stock_utf8.csv")
    rows = list(reader)
    assert reader.encoding == "utf-8" and reader.delimiter == "," and reader.kind == "stock"
    assert rows[1].quantity == Decimal("3.5")
    assert rows[1].name == "Фильтр масляный Chery 1.6/1.8"
    assert rows[3].warehouse == "Склад на Лесной"


def test_text_in_number_column_names_line_and_column():
    with pytest.raises(ExchangeFileError) as err:
        list(CsvReader(DATA / "sales_bad_number.csv"))
    assert err.value.describe("sales_bad_number.csv") == (
        "Файл sales_bad_number.csv, строка 3, колонка «Количество»: «две штуки» — не число")


def test_missing_required_column():
    with pytest.raises(ExchangeFileError) as err:
        list(CsvReader(DATA / "sales_missing_column.csv"))
    assert "нет обязательной колонки «Количество»" in err.value.message_ru
    assert err.value.line == 1


def test_wrong_encoding_in_the_middle_is_rejected():
    head = "Номер чека;Дата;Артикул;Количество;Сумма\n".encode() + b"1;20.11.2026;A;1;1\n" * 5000
    tail = "2;20.11.2026;Свеча;1;1\n".encode("cp1251")
    with pytest.raises(ExchangeFileError) as err:
        list(CsvReader(io.BytesIO(head + tail)))
    assert "кодировка" in err.value.message_ru
    assert err.value.line == 5002


def test_bad_date():
    data = "Номер чека;Дата;Артикул;Количество;Сумма\n1;31.02.2026;A;1;1\n".encode()
    with pytest.raises(ExchangeFileError) as err:
        list(CsvReader(io.BytesIO(data)))
    assert err.value.line == 2 and "не дата" in err.value.message_ru


def test_header_normalization_and_kind_guess():
    assert norm_header(" Цена, руб.") == "цена"
    assert norm_header("Кол-во (шт)") == "колво"
    assert norm_header("\ufeffКоличество") == "количество"
    assert guess_kind(["Склад", "Артикул", "Остаток"]) == "stock"
    assert guess_kind(["Артикул", "Наименование", "Цена"]) == "catalog"
    assert guess_kind(["Артикул", "Дата"]) is None


def test_unknown_kind_without_hint_is_refused_but_hint_works():
    data = "Документ;Дата;Артикул;Наименование;Количество;Сумма\nД-1;01.11.2026;A;Свеча;2;900\n"
    with pytest.raises(ExchangeFileError) as err:
        list(CsvReader(io.BytesIO(data.encode())))
    assert "укажите вид файла" in err.value.message_ru
    rows = list(CsvReader(io.BytesIO(data.encode()), kind="sales"))
    assert rows[0].number == "Д-1" and rows[0].amount == 900


def test_editable_mapping_file(tmp_path):
    ini = tmp_path / "csv-mapping.ini"
    ini.write_text("[sales]\ncard = Номер ДК | Карта покупателя\nmanager = Сотрудник магазина\n", encoding="utf-8")
    mapping = load_mapping(ini)
    data = "Номер чека;Дата;Артикул;Количество;Сумма;Номер ДК;Сотрудник магазина\n7;01.11.2026 9:05;A;1;10;555;Ли\n"
    (row,) = CsvReader(io.BytesIO(data.encode("cp1251")), mapping=mapping)
    assert row.card == "555" and row.manager == "Ли"
    ini.write_text("[sales]\nbonus = Баллы\n", encoding="utf-8")
    with pytest.raises(ExchangeFileError) as err:
        load_mapping(ini)
    assert "неизвестное поле «bonus»" in err.value.message_ru
