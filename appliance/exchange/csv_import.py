"""Reader for CSV exports from a 1C processing: sales lines, returns, customer orders, goods
receipts, stock, catalog.

What a shop's 1C programmer produces in an hour varies, so the reader is forgiving about
form and strict about content:

- encoding: UTF-8 with or without BOM, otherwise cp1251 (the 1C default on Windows);
- delimiter: ``;`` (1C and Russian Excel), ``,`` or tab, taken from the header line;
- numbers: ``1 234,50`` or ``1234.50`` (decimal comma, spaces/nbsp as group separators);
- dates: ``dd.mm.yyyy [HH:MM[:SS]]`` (also ``yyyy-mm-dd[THH:MM:SS]``), shop local time;
- headers: Russian column names mapped to fields by ``DEFAULT_MAPPING`` below. Headers are
  compared case-insensitively, ``ё`` = ``е``, ignoring punctuation, anything in brackets
  and anything after a comma (``Цена, руб.`` = ``Цена``). Columns not in the mapping are
  ignored.

The mapping is editable without code: a file (``[exchange] csv_mapping`` in settings,
default ``var/exchange/csv-mapping.ini``) with a section per kind and one line per field,
aliases separated by ``|``; its aliases are tried before the built-in ones::

    [sales]
    card = Номер ДК | Карта покупателя
    manager = Сотрудник

A malformed file raises ``ExchangeFileError`` naming the line and the column; nothing is
returned half-read because the importer consumes the rows inside one transaction.
"""

from __future__ import annotations

import configparser
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

from appliance.exchange.errors import ExchangeFileError
from appliance.text_files import detect_encoding

KINDS = ("sales", "receipts", "stock", "catalog", "returns", "orders")

KIND_NAMES_RU = {
    "sales": "продажи",
    "receipts": "поступления",
    "stock": "остатки",
    "catalog": "каталог",
    "returns": "возвраты",
    "orders": "заказы покупателей",
}

# field -> Russian header aliases. The first alias is the one used in error messages.
DEFAULT_MAPPING: dict[str, dict[str, list[str]]] = {
    "sales": {
        "doc_id": ["Ид документа", "Ид", "Идентификатор", "GUID", "Уникальный идентификатор"],
        "number": ["Номер чека", "Номер", "Номер документа", "Чек", "Документ", "Номер продажи"],
        "date": ["Дата", "Дата чека", "Дата документа", "Дата продажи", "Период", "Дата и время"],
        "article": ["Артикул", "Артикул товара", "Номер детали", "Каталожный номер"],
        "brand": ["Производитель", "Бренд", "Марка", "Изготовитель", "Торговая марка"],
        "name": ["Номенклатура", "Наименование", "Товар", "Наименование товара"],
        "quantity": ["Количество", "Кол-во", "Кол"],
        "price": ["Цена", "Цена продажи"],
        "amount": ["Сумма", "Сумма продажи", "Сумма с НДС", "Сумма строки", "Выручка"],
        "card": ["Дисконтная карта", "Бонусная карта", "Карта", "Номер карты", "Карта лояльности",
                 "Номер дисконтной карты"],
        "phone": ["Телефон", "Телефон покупателя", "Телефон клиента"],
        "customer": ["Покупатель", "Клиент", "Контрагент"],
        "manager": ["Менеджер", "Продавец", "Кассир", "Ответственный", "Сотрудник"],
        "warehouse": ["Склад"],
        "points": ["Оплачено баллами", "Списано баллов", "Оплата баллами", "Списано бонусов"],
        "paid": ["Оплачено", "Сумма оплаты", "Оплачено деньгами"],
        "order": ["Заказ покупателя", "Номер заказа", "Заказ клиента", "Заказ"],
    },
    "orders": {
        "doc_id": ["Ид документа", "Ид", "Идентификатор", "GUID"],
        "number": ["Номер заказа", "Номер", "Номер документа", "Документ", "Заказ покупателя"],
        "date": ["Дата", "Дата заказа", "Дата документа", "Период"],
        "article": ["Артикул", "Артикул товара", "Номер детали", "Каталожный номер"],
        "brand": ["Производитель", "Бренд", "Марка", "Изготовитель", "Торговая марка"],
        "name": ["Номенклатура", "Наименование", "Товар", "Наименование товара"],
        "quantity": ["Количество", "Кол-во", "Кол"],
        "price": ["Цена", "Цена продажи"],
        "amount": ["Сумма", "Сумма с НДС", "Сумма строки"],
        "card": ["Дисконтная карта", "Бонусная карта", "Карта", "Номер карты", "Карта лояльности"],
        "phone": ["Телефон", "Телефон покупателя", "Телефон клиента"],
        "customer": ["Покупатель", "Клиент", "Контрагент"],
        "manager": ["Менеджер", "Продавец", "Ответственный", "Сотрудник", "Автор"],
        "prepayment": ["Предоплата", "Сумма предоплаты", "Аванс", "Оплачено"],
        "status": ["Статус заказа", "Статус", "Состояние заказа"],
    },
    "returns": {
        "doc_id": ["Ид документа", "Ид", "Идентификатор", "GUID"],
        "number": ["Номер возврата", "Номер", "Номер документа", "Документ"],
        "date": ["Дата", "Дата возврата", "Дата документа", "Период"],
        "base": ["Документ-основание", "Основание", "Чек продажи", "Номер чека продажи", "Продажа"],
        "article": ["Артикул", "Артикул товара", "Номер детали", "Каталожный номер"],
        "brand": ["Производитель", "Бренд", "Марка", "Изготовитель", "Торговая марка"],
        "name": ["Номенклатура", "Наименование", "Товар", "Наименование товара"],
        "quantity": ["Количество", "Кол-во", "Кол"],
        "price": ["Цена", "Цена продажи"],
        "amount": ["Сумма", "Сумма возврата", "Сумма с НДС", "Сумма строки"],
        "card": ["Дисконтная карта", "Бонусная карта", "Карта", "Номер карты", "Карта лояльности"],
        "customer": ["Покупатель", "Клиент", "Контрагент"],
        "manager": ["Менеджер", "Продавец", "Кассир", "Ответственный", "Сотрудник"],
    },
    "receipts": {
        "doc_id": ["Ид документа", "Ид", "Идентификатор", "GUID"],
        "number": ["Номер документа", "Номер", "Номер поступления", "Входящий номер", "Документ"],
        "date": ["Дата", "Дата документа", "Дата поступления", "Период"],
        "supplier": ["Поставщик", "Контрагент"],
        "article": ["Артикул", "Артикул товара", "Номер детали", "Каталожный номер"],
        "brand": ["Производитель", "Бренд", "Марка", "Изготовитель"],
        "name": ["Номенклатура", "Наименование", "Товар"],
        "quantity": ["Количество", "Кол-во", "Кол"],
        "price": ["Цена", "Цена закупки"],
        "amount": ["Сумма", "Сумма с НДС"],
        "warehouse": ["Склад"],
    },
    "stock": {
        "warehouse": ["Склад"],
        "article": ["Артикул", "Артикул товара", "Номер детали"],
        "brand": ["Производитель", "Бренд", "Марка", "Изготовитель"],
        "name": ["Номенклатура", "Наименование", "Товар"],
        "quantity": ["Остаток", "Количество", "Конечный остаток", "Кол-во", "В наличии", "Свободный остаток"],
        "price": ["Цена", "Розничная цена"],
        "date": ["Дата", "Дата остатков", "На дату"],
    },
    "catalog": {
        "onec_id": ["Ид", "Идентификатор", "Код"],
        "article": ["Артикул", "Номер детали"],
        "brand": ["Производитель", "Бренд", "Марка", "Изготовитель"],
        "name": ["Наименование", "Номенклатура", "Товар"],
        "group": ["Группа", "Вид номенклатуры", "Родитель", "Группа товаров"],
        "price": ["Цена", "Розничная цена"],
        "barcode": ["Штрихкод", "Штрих-код"],
    },
}

# (any of these fields) - a file lacking all of one group is rejected.
REQUIRED: dict[str, list[tuple[str, ...]]] = {
    "sales": [("number", "doc_id"), ("date",), ("article", "name"), ("quantity",), ("amount", "price")],
    "receipts": [("number", "doc_id"), ("date",), ("article",), ("quantity",)],
    "stock": [("article",), ("quantity",)],
    "catalog": [("article",), ("name",)],
    "returns": [("number", "doc_id"), ("date",), ("base",), ("article", "name"), ("quantity",), ("amount", "price")],
    "orders": [("number", "doc_id"), ("date",), ("article", "name"), ("quantity",), ("amount", "price")],
}

NUMERIC = {"quantity", "price", "amount", "points", "paid", "prepayment"}
DATES = {"date"}


@dataclass(slots=True)
class Row:
    """One data line, fields as named in DEFAULT_MAPPING; absent columns are '' / None."""

    line: int
    doc_id: str = ""
    number: str = ""
    date: datetime | None = None
    article: str = ""
    brand: str = ""
    name: str = ""
    quantity: Decimal | None = None
    price: Decimal | None = None
    amount: Decimal | None = None
    card: str = ""
    phone: str = ""
    customer: str = ""
    manager: str = ""
    warehouse: str = ""
    supplier: str = ""
    onec_id: str = ""
    group: str = ""
    barcode: str = ""
    base: str = ""
    points: Decimal | None = None
    paid: Decimal | None = None
    order: str = ""
    prepayment: Decimal | None = None
    status: str = ""


# ---------------------------------------------------------------- mapping


def norm_header(text: str) -> str:
    """``" Цена, руб."`` -> ``"цена"``; ``"Кол-во"`` -> ``"колво"``."""
    s = text.replace("\ufeff", "").replace("ё", "е").replace("Ё", "Е").lower()
    s = re.sub(r"\(.*?\)|\[.*?\]", " ", s)
    s = s.split(",", 1)[0]
    s = re.sub(r"[^\w\s]", "", s)
    return " ".join(s.split())


def load_mapping(path: str | Path | None) -> dict[str, dict[str, list[str]]]:
    """DEFAULT_MAPPING with the aliases from an INI file put first (missing file: defaults)."""
    mapping = {kind: {f: list(a) for f, a in fields.items()} for kind, fields in DEFAULT_MAPPING.items()}
    if not path or not Path(path).exists():
        return mapping
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    try:
        parser.read(path, encoding="utf-8-sig")
    except (configparser.Error, UnicodeError) as exc:
        raise ExchangeFileError(f"файл соответствия колонок {path} не читается: {exc}") from None
    for kind in parser.sections():
        if kind not in mapping:
            raise ExchangeFileError(f"в файле соответствия колонок неизвестный раздел [{kind}]; "
                                    f"допустимы: {', '.join(KINDS)}")
        for fld, value in parser.items(kind):
            if fld not in mapping[kind]:
                raise ExchangeFileError(f"в разделе [{kind}] неизвестное поле «{fld}»; "
                                        f"допустимы: {', '.join(mapping[kind])}")
            extra = [a.strip() for a in value.split("|") if a.strip()]
            mapping[kind][fld] = extra + [a for a in mapping[kind][fld] if a not in extra]
    return mapping


def map_headers(headers: list[str], kind: str, mapping=None) -> dict[str, int]:
    """field -> column index for a header line; the first alias that matches wins."""
    fields = (mapping or DEFAULT_MAPPING)[kind]
    normalized = [norm_header(h) for h in headers]
    found: dict[str, int] = {}
    taken: set[int] = set()
    # Longer (more specific) aliases first so "Номер чека" beats "Номер" for the same column.
    candidates = sorted(((len(norm_header(a)), f, norm_header(a)) for f, aliases in fields.items()
                         for a in aliases), key=lambda t: -t[0])
    for _size, fld, alias in candidates:
        if fld in found or not alias:
            continue
        for idx, head in enumerate(normalized):
            if idx not in taken and head == alias:
                found[fld] = idx
                taken.add(idx)
                break
    return found


def guess_kind(headers: list[str], mapping=None) -> str | None:
    """The kind whose telling columns are present: stock has Остаток, receipts Поставщик..."""
    heads = {norm_header(h) for h in headers}
    if heads & {"документоснование", "основание", "номер возврата", "чек продажи", "номер чека продажи"}:
        return "returns"
    if heads & {"предоплата", "сумма предоплаты", "статус заказа", "дата заказа"} or (
            "номер заказа" in heads and not heads & {"номер чека", "чек"}):
        return "orders"
    if heads & {"остаток", "конечный остаток", "в наличии", "свободный остаток"}:
        return "stock"
    if heads & {"поставщик", "номер поступления", "входящий номер", "цена закупки"}:
        return "receipts"
    if heads & {"номер чека", "чек", "дисконтная карта", "бонусная карта", "карта", "покупатель",
                "кассир", "продавец", "менеджер", "телефон"}:
        return "sales"
    if "дата" not in heads and heads & {"артикул"} and heads & {"наименование", "номенклатура"}:
        return "catalog"
    return None


# ---------------------------------------------------------------- encoding / dialect


def detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


# ---------------------------------------------------------------- values


_RU_DT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_ISO_DT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


_DATE_CACHE: dict[str, datetime | None] = {}


def parse_date(text: str) -> datetime | None:
    """Cached: an export repeats the same receipt time on every line of the receipt."""
    text = text.strip()
    value = _DATE_CACHE.get(text)
    if value is None:
        if len(_DATE_CACHE) > 50_000:
            _DATE_CACHE.clear()
        value = _DATE_CACHE[text] = _parse_date(text)
    return value


def _parse_date(text: str) -> datetime | None:
    s = text.strip()
    if not s:
        return None
    m = _RU_DT.match(s)
    if m:
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        if y < 100:
            y += 2000
    else:
        m = _ISO_DT.match(s)
        if not m:
            raise ValueError(s)
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    return datetime(y, mo, d, int(m[4] or 0), int(m[5] or 0), int(m[6] or 0))


_SPACES = str.maketrans("", "", " \u00a0\u202f")


def parse_number(text: str) -> Decimal | None:
    s = text.translate(_SPACES)
    if not s:
        return None
    if "," in s:
        s = s.replace(".", "").replace(",", ".") if "." not in s or s.rfind(",") > s.rfind(".") \
            else s.replace(",", "")
    value = Decimal(s)
    if not value.is_finite():
        raise InvalidOperation(s)
    return value


# ---------------------------------------------------------------- reader


def _compile_row_maker(plan):
    """A constructor specialised for this file's columns: a million lines go through it."""
    parts = []
    for fld, idx, numeric, is_date, _title in plan:
        if numeric:
            parts.append(f"{fld}=parse_number(v[{idx}])")
        elif is_date:
            parts.append(f"{fld}=parse_date(v[{idx}])")
        else:
            parts.append(f"{fld}=v[{idx}].strip()")
    source = f"def make_row(v, line):\n    return Row(line, {', '.join(parts)})\n"
    namespace = {"Row": Row, "parse_number": parse_number, "parse_date": parse_date}
    exec(compile(source, "<csv row maker>", "exec"), namespace)  # noqa: S102 - built from our own field names
    return namespace["make_row"]


def _slow_row(plan, values, line_no) -> Row:
    row = Row(line=line_no)
    for fld, idx, numeric, is_date, title in plan:
        value = values[idx].strip()
        if numeric:
            try:
                setattr(row, fld, parse_number(value))
            except (InvalidOperation, ValueError):
                raise ExchangeFileError(f"«{value[:40]}» — не число", line_no, f"колонка «{title}»") from None
        elif is_date:
            try:
                setattr(row, fld, parse_date(value))
            except ValueError:
                raise ExchangeFileError(f"«{value[:40]}» — не дата (ожидается дд.мм.гггг чч:мм)",
                                        line_no, f"колонка «{title}»") from None
        else:
            setattr(row, fld, value)
    return row


def _decoded_lines(buffered, encoding: str, counter: list[int]) -> Iterator[str]:
    """Decode line by line so an encoding error names its exact line."""
    rest = "utf-8" if encoding == "utf-8-sig" else encoding
    for raw_line in buffered:
        counter[0] += 1
        yield raw_line.decode(encoding if counter[0] == 1 else rest)


class CsvReader:
    """Iterate over the rows of one CSV export as ``Row`` objects.

    ``kind`` may be given (``--kind``) or is guessed from the headers; ``columns`` tells
    which fields were found (shown in the import report).
    """

    def __init__(self, source: str | Path | IO[bytes], kind: str | None = None, mapping=None):
        self.source = source
        self.kind = kind
        self.mapping = mapping or DEFAULT_MAPPING
        self.encoding = ""
        self.delimiter = ";"
        self.columns: dict[str, int] = {}
        self.headers: list[str] = []

    def __iter__(self) -> Iterator[Row]:
        own = not hasattr(self.source, "read")
        raw = open(self.source, "rb") if own else self.source
        try:
            yield from self._rows(raw)
        finally:
            if own:
                raw.close()

    def _rows(self, raw) -> Iterator[Row]:
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
        head = buffered.peek(64 * 1024)[:64 * 1024]
        self.encoding = detect_encoding(head)
        counter = [0]
        lines = _decoded_lines(buffered, self.encoding, counter)
        line_no = 0
        try:
            first = next(lines, "")
            while first and not first.strip():
                first = next(lines, "")
            line_no = counter[0]
            if not first:
                raise ExchangeFileError("файл пустой — нет строки заголовков", 1)
            self.delimiter = detect_delimiter(first)
            self.headers = next(csv.reader([first], delimiter=self.delimiter))
            kind = self.kind or guess_kind(self.headers, self.mapping)
            if kind is None:
                raise ExchangeFileError(
                    "не удалось понять, что в файле (продажи, поступления, остатки или каталог); "
                    "укажите вид файла явно", 1)
            if kind not in KINDS:
                raise ExchangeFileError(f"неизвестный вид файла «{kind}»")
            self.kind = kind
            cols = map_headers(self.headers, kind, self.mapping)
            self.columns = cols
            fields = self.mapping[kind]
            for group in REQUIRED[kind]:
                if not any(f in cols for f in group):
                    names = " или ".join(f"«{fields[f][0]}»" for f in group)
                    raise ExchangeFileError(
                        f"нет обязательной колонки {names} (файл: {KIND_NAMES_RU[kind]}); "
                        f"заголовки в файле: {'; '.join(h.strip() for h in self.headers)}", 1)
            plan = [(f, i, f in NUMERIC, f in DATES, fields[f][0]) for f, i in cols.items()]
            width = max(cols.values()) + 1
            make_row = _compile_row_maker(plan)
            reader = csv.reader(lines, delimiter=self.delimiter)
            for values in reader:
                line_no = counter[0]
                if not values or not any(v.strip() for v in values):
                    continue
                if values[0].strip().lower().startswith(("итог", "всего")):
                    continue
                if len(values) < width:
                    values = values + [""] * (width - len(values))
                try:
                    row = make_row(values, line_no)
                except (InvalidOperation, ValueError):
                    row = _slow_row(plan, values, line_no)  # names the column that failed
                self._check(row, kind, fields)
                yield row
        except UnicodeDecodeError as exc:
            raise ExchangeFileError(
                f"неверная кодировка: файл начинается как {self.encoding}, но дальше встречаются "
                f"байты не в этой кодировке ({exc.reason})", counter[0]) from None
        except csv.Error as exc:
            raise ExchangeFileError(f"нарушен формат CSV ({exc})", line_no) from None

    def _check(self, row: Row, kind: str, fields) -> None:  # noqa: C901 - a flat list of rules
        if kind in ("sales", "receipts", "returns", "orders"):
            if row.date is None:
                raise ExchangeFileError("не указана дата", row.line, f"колонка «{fields['date'][0]}»")
            if not row.number and not row.doc_id:
                raise ExchangeFileError("не указан номер документа", row.line, f"колонка «{fields['number'][0]}»")
        if kind != "catalog" and row.quantity is None:
            raise ExchangeFileError("не указано количество", row.line, f"колонка «{fields['quantity'][0]}»")
        if kind in ("receipts", "stock", "catalog") and not row.article:
            raise ExchangeFileError("не указан артикул", row.line, f"колонка «{fields['article'][0]}»")
        if kind in ("sales", "returns", "orders") and not row.article and not row.name:
            raise ExchangeFileError("не указан ни артикул, ни наименование", row.line,
                                    f"колонка «{fields['article'][0]}»")
