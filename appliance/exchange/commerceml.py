"""Streaming reader for CommerceML 2 files (schema 2.03-2.10) exported by 1C.

One pass over the file, constant memory: every record element (a product, an offer, a
document) is turned into a dataclass at its end tag and then dropped from the tree, so a
500 MB ``import.xml`` costs as much memory as its largest single product.

Hardening: the parser is defusedxml's expat parser with DTDs forbidden outright (1C never
writes a DOCTYPE), so there are no entity declarations to expand (billion laughs), no
external entities or DTDs to fetch (XXE, no network access), and no parameter entities.
Any such file is rejected with a clear message.

What differs between schema versions and is handled here:
- namespace: ``urn:1C.ru:commerceml_2`` or none (old exports);
- stock: ``<Количество>`` only (2.03/2.04), ``<Склад ИдСклада КоличествоНаСкладе/>``
  (2.05-2.07), ``<Остатки><Остаток><Склад><Ид/><Количество/></Склад></Остаток></Остатки>``
  (2.08-2.10, possibly in a separate ``rests_*.xml``); prices may come in ``prices_*.xml``;
- warehouses declared in ``ПакетПредложений/Склады`` or ``Классификатор/Склады``;
- "only changes" as an attribute (2.05+) or a child element (2.03/2.04);
- documents directly under the root or inside ``<Контейнер>`` (2.08+).

Dates in files are the shop's local time, returned naive; the importer converts them to UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import ParseError, TreeBuilder

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from appliance.exchange.commerceml_records import (
    CatalogStart,
    Document,
    DocumentLine,
    Group,
    Header,
    Offer,
    OffersStart,
    PriceType,
    Product,
    Record,
    Warehouse,
    norm,
    paid_amount,
    parse_datetime,
    parse_decimal,
    parse_time,
    truthy,
)
from appliance.exchange.errors import ExchangeFileError

CHUNK = 64 * 1024
MAX_TEXT = 1 << 20
LINE_KEY = " line"  # not a valid XML attribute name, so it never clashes with the file's own  # a single text node larger than 1 MiB is not a CommerceML value

BRAND_PROPERTY_NAMES = {"производитель", "бренд", "марка", "изготовитель", "торговая марка"}
CARD_REQUISITES = {"дисконтная карта", "бонусная карта", "номер карты", "карта", "карта лояльности",
                   "номер дисконтной карты", "номер бонусной карты"}
PHONE_REQUISITES = {"телефон", "телефон покупателя", "телефон клиента"}
MANAGER_REQUISITES = {"менеджер", "продавец", "кассир", "ответственный", "автор"}
WAREHOUSE_REQUISITES = {"склад"}
SUPPLIER_REQUISITES = {"поставщик"}

SALE_OPERATIONS = {"отпуск товара", "реализация товаров", "реализация товаров и услуг", "продажа",
                   "розничная продажа", "чек ккм", "отчет о розничных продажах"}
RECEIPT_OPERATIONS = {"поступление товара", "поступление товаров", "поступление товаров и услуг",
                      "приход товара", "приобретение товаров", "приобретение товаров и услуг"}
RETURN_OPERATIONS = {"возврат товара", "возврат товаров от покупателя", "возврат от покупателя"}
# The sale a return names, the points a sale was paid with, the money paid (docs/connecting-1c.md).
BASE_REQUISITES = {"документ-основание", "документ основание", "основание", "ид документа основания",
                   "документ продажи", "чек продажи"}
POINTS_REQUISITES = {"оплачено баллами", "списано баллов", "оплата баллами", "списано бонусов"}
PAID_REQUISITES = {"оплачено", "сумма оплаты", "оплачено деньгами"}
ORDER_OPERATIONS = {"заказ товара", "заказ покупателя", "заказ клиента"}
# A sale names the customer order it fulfils; an order carries its prepayment and status.
ORDER_REQUISITES = {"заказ покупателя", "заказ клиента", "номер заказа", "заказ"}
PREPAYMENT_REQUISITES = {"предоплата", "сумма предоплаты", "аванс", "оплачено по заказу"}
STATUS_REQUISITES = {"статус заказа", "статус", "состояние заказа"}
CANCELLED_REQUISITES = {"отменен", "заказ отменен"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _LineTreeBuilder(TreeBuilder):
    """A TreeBuilder that queues (event, element, start line) as the parser goes."""

    def __init__(self):
        super().__init__()
        self.events: list[tuple[str, object, int]] = []
        self._lines: list[int] = []
        self.expat = None
        self._text_size = 0

    def start(self, tag, attrs):
        elem = super().start(tag, attrs)
        line = self.expat.CurrentLineNumber if self.expat is not None else 0
        self._lines.append(line)
        elem.attrib[LINE_KEY] = line
        self._text_size = 0
        self.events.append(("start", elem, line))
        return elem

    def data(self, data):
        self._text_size += len(data)
        if self._text_size > MAX_TEXT:
            line = self.expat.CurrentLineNumber if self.expat is not None else 0
            raise ExchangeFileError("слишком длинное значение (больше 1 МБ) — это не файл обмена 1С", line)
        return super().data(data)

    def end(self, tag):
        elem = super().end(tag)
        self._text_size = 0
        self.events.append(("end", elem, self._lines.pop()))
        return elem


def iter_events(source: str | Path | IO[bytes]) -> Iterator[tuple[str, object, int]]:
    """Yield ("start"|"end", element, line) from a hardened streaming parse.

    Element tags keep their namespace; callers use ``_local``. Raises ExchangeFileError for
    malformed XML, DTDs/entities (XXE, billion laughs) and oversized values.
    """
    target = _LineTreeBuilder()
    parser = DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    expat = parser.parser
    target.expat = expat
    # Never resolve parameter entities or external DTD subsets (no network, no files).
    expat.SetParamEntityParsing(0)
    own = not hasattr(source, "read")
    fh = open(source, "rb") if own else source
    try:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            _feed(parser.feed, chunk, expat)
            if target.events:
                events, target.events = target.events, []
                yield from events
        _feed(parser.close, None, expat)
        if target.events:
            events, target.events = target.events, []
            yield from events
    finally:
        if own:
            fh.close()


def _feed(fn, chunk, expat):
    try:
        fn(chunk) if chunk is not None else fn()
    except ExchangeFileError:
        raise
    except DTDForbidden:
        raise ExchangeFileError(
            "файл содержит объявление DOCTYPE — 1С так не выгружает; файл отклонён из соображений безопасности",
            expat.CurrentLineNumber) from None
    except EntitiesForbidden:
        raise ExchangeFileError(
            "файл объявляет XML-сущности (возможна атака «billion laughs» или XXE); файл отклонён",
            expat.CurrentLineNumber) from None
    except ExternalReferenceForbidden:
        raise ExchangeFileError(
            "файл ссылается на внешние ресурсы (XXE); файл отклонён", expat.CurrentLineNumber) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else expat.CurrentLineNumber
        raise ExchangeFileError(f"повреждённый XML ({_xml_reason(exc)})", line) from None
    except (LookupError, UnicodeError) as exc:
        raise ExchangeFileError(f"неизвестная или неверная кодировка файла ({exc})",
                                expat.CurrentLineNumber) from None


def _xml_reason(exc: ParseError) -> str:
    msg = str(exc).split(":")[0]
    return {
        "mismatched tag": "закрывающий тег не совпадает с открывающим",
        "not well-formed (invalid token)": "недопустимый символ",
        "no element found": "файл обрывается, не хватает закрывающих тегов",
        "unclosed token": "файл обрывается посреди тега",
        "junk after document element": "лишние данные после конца документа",
        "syntax error": "это не XML",
    }.get(msg, msg)


# ---------------------------------------------------------------- CommerceML reader


def _child(elem, name: str):
    for ch in elem:
        if _local(ch.tag) == name:
            return ch
    return None


def _line(elem, name: str, default: int) -> int:
    ch = _child(elem, name)
    return ch.attrib.get(LINE_KEY, default) if ch is not None else default


def _children(elem, name: str):
    return [ch for ch in elem if _local(ch.tag) == name]


def _text(elem, name: str) -> str:
    ch = _child(elem, name) if elem is not None else None
    return (ch.text or "").strip() if ch is not None else ""


def _requisites(elem) -> dict[str, str]:
    """``ЗначенияРеквизитов`` as {normalized name: value}."""
    out: dict[str, str] = {}
    box = _child(elem, "ЗначенияРеквизитов")
    if box is None:
        return out
    for req in box:
        name = norm(_text(req, "Наименование"))
        if name:
            out[name] = _text(req, "Значение")
    return out


def _first(reqs: dict[str, str], names: set[str]) -> str:
    for key, value in reqs.items():
        if key in names and value:
            return value
    return ""


class CommerceMLReader:
    """Iterate over the records of one CommerceML file.

    >>> for rec in CommerceMLReader(path): ...

    Classifier properties named like a brand (Производитель, Бренд...) are remembered
    so a product without ``<Изготовитель>`` still gets its brand; warehouse and price
    type names are collected in ``warehouses`` and ``price_types``.
    """

    RECORD_PARENTS = {
        "Товар": "Товары",
        "Предложение": "Предложения",
        "Склад": "Склады",
        "ТипЦены": "ТипыЦен",
        "Свойство": "Свойства",
        "Группа": "Группы",
    }

    def __init__(self, source: str | Path | IO[bytes]):
        self.source = source
        self.version = ""
        self.warehouses: dict[str, str] = {}
        self.price_types: dict[str, str] = {}
        self.groups: dict[str, Group] = {}
        self._brand_props: set[str] = set()
        self._prop_values: dict[str, str] = {}

    def __iter__(self) -> Iterator[Record]:
        stack: list = []
        names: list[str] = []
        root_seen = False
        for event, elem, line in iter_events(self.source):
            name = _local(elem.tag)
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if name != "КоммерческаяИнформация":
                        raise ExchangeFileError(
                            f"это не файл CommerceML: корневой элемент <{name}> вместо <КоммерческаяИнформация>",
                            line)
                    self.version = elem.get("ВерсияСхемы", "")
                    yield Header(self.version, parse_datetime(elem.get("ДатаФормирования"),
                                                              "ДатаФормирования", line))
                stack.append(elem)
                names.append(name)
                if name == "Каталог" and elem.get("СодержитТолькоИзменения") is not None:
                    yield CatalogStart("", truthy(elem.get("СодержитТолькоИзменения")))
                elif name == "ПакетПредложений" and elem.get("СодержитТолькоИзменения") is not None:
                    yield OffersStart("", truthy(elem.get("СодержитТолькоИзменения")))
                continue

            stack.pop()
            names.pop()
            parent = names[-1] if names else ""
            record = None
            drop = False
            if name == "Товар" and parent == "Товары" and "Каталог" in names:
                record = self._product(elem, line)
                drop = True
            elif name == "Предложение" and parent == "Предложения":
                record = self._offer(elem, line)
                drop = True
            elif name == "Документ":
                record = self._document(elem, line)
                drop = True
            elif name == "Группа" and parent == "Группы" and "Классификатор" in names:
                record = self._group(elem, stack)
            elif name == "Склад" and parent == "Склады":
                wid, wname = _text(elem, "Ид"), _text(elem, "Наименование")
                if wid:
                    self.warehouses[wid] = wname or wid
                    record = Warehouse(wid, wname or wid)
                drop = True
            elif name == "ТипЦены" and parent == "ТипыЦен":
                pid, pname = _text(elem, "Ид"), _text(elem, "Наименование")
                if pid:
                    self.price_types[pid] = pname or pid
                    record = PriceType(pid, pname or pid, _text(elem, "Валюта"))
                drop = True
            elif name == "Свойство" and parent == "Свойства":
                self._property(elem)
                drop = True
            elif name == "СодержитТолькоИзменения" and parent in ("Каталог", "ПакетПредложений"):
                only = truthy(elem.text)
                record = CatalogStart("", only) if parent == "Каталог" else OffersStart("", only)
            elif name in ("Классификатор",):
                drop = True
            if record is not None:
                yield record
            if drop:
                elem.clear()
                if stack:
                    stack[-1].remove(elem)

    # -- element handlers

    def _group(self, elem, stack) -> Group | None:
        gid = _text(elem, "Ид")
        if not gid:
            return None
        parent_id = None
        # stack[-1] is <Группы>; the element before it, if a <Группа>, is the parent.
        if len(stack) >= 2 and _local(stack[-2].tag) == "Группа":
            parent_id = _text(stack[-2], "Ид") or None
        group = Group(gid, _text(elem, "Наименование"), parent_id)
        self.groups[gid] = group
        return group

    def _property(self, elem) -> None:
        pid = _text(elem, "Ид")
        if norm(_text(elem, "Наименование")) in BRAND_PROPERTY_NAMES and pid:
            self._brand_props.add(pid)
            variants = _child(elem, "ВариантыЗначений")
            if variants is not None:
                for v in variants:
                    vid = _text(v, "ИдЗначения")
                    if vid:
                        self._prop_values[vid] = _text(v, "Значение")

    def _brand(self, elem) -> str:
        maker = _child(elem, "Изготовитель")
        if maker is not None:
            brand = _text(maker, "Наименование")
            if brand:
                return brand
        if self._brand_props:
            box = _child(elem, "ЗначенияСвойств")
            if box is not None:
                for pv in box:
                    if _text(pv, "Ид") in self._brand_props:
                        value = _text(pv, "Значение")
                        return self._prop_values.get(value, value)
        reqs = _requisites(elem)
        return _first(reqs, BRAND_PROPERTY_NAMES)

    def _product(self, elem, line: int) -> Product:
        onec_id = _text(elem, "Ид")
        if not onec_id:
            raise ExchangeFileError("у товара нет элемента <Ид>", line, "элемент <Товар>")
        groups_el = _child(elem, "Группы")
        group_ids = [(g.text or "").strip() for g in groups_el] if groups_el is not None else []
        status = elem.get("Статус", "") or _text(elem, "Статус")
        return Product(
            onec_id=onec_id,
            article=_text(elem, "Артикул"),
            name=_text(elem, "Наименование"),
            brand=self._brand(elem),
            group_ids=[g for g in group_ids if g],
            barcode=_text(elem, "Штрихкод"),
            deleted=norm(status) == "удален" or truthy(_text(elem, "ПометкаУдаления")),
            line=line,
        )

    def _offer(self, elem, line: int) -> Offer:
        onec_id = _text(elem, "Ид")
        if not onec_id:
            raise ExchangeFileError("у предложения нет элемента <Ид>", line, "элемент <Предложение>")
        where = f"предложение {onec_id}"
        offer = Offer(onec_id=onec_id, article=_text(elem, "Артикул"), name=_text(elem, "Наименование"),
                      line=line)
        prices = _child(elem, "Цены")
        if prices is not None:
            for price in _children(prices, "Цена"):
                value = parse_decimal(_text(price, "ЦенаЗаЕдиницу"), f"{where}, <ЦенаЗаЕдиницу>",
                                      _line(price, "ЦенаЗаЕдиницу", line))
                if value is not None:
                    offer.prices[_text(price, "ИдТипаЦены")] = value
        qty = _child(elem, "Количество")
        if qty is not None:
            offer.quantity = parse_decimal(qty.text, f"{where}, <Количество>", qty.attrib.get(LINE_KEY, line))
        for wh in _children(elem, "Склад"):  # 2.05-2.07
            wid = wh.get("ИдСклада", "")
            value = parse_decimal(wh.get("КоличествоНаСкладе"), f"{where}, <Склад КоличествоНаСкладе>",
                                  wh.attrib.get(LINE_KEY, line))
            if wid and value is not None:
                offer.per_warehouse[wid] = offer.per_warehouse.get(wid, Decimal(0)) + value
        rests = _child(elem, "Остатки")  # 2.08-2.10
        if rests is not None:
            total = None
            for rest in _children(rests, "Остаток"):
                wh = _child(rest, "Склад")
                if wh is not None:
                    value = parse_decimal(_text(wh, "Количество"), f"{where}, <Остаток><Количество>",
                                          _line(wh, "Количество", line))
                    wid = _text(wh, "Ид")
                    if wid and value is not None:
                        offer.per_warehouse[wid] = offer.per_warehouse.get(wid, Decimal(0)) + value
                else:
                    value = parse_decimal(_text(rest, "Количество"), f"{where}, <Остаток><Количество>", line)
                    if value is not None:
                        total = (total or Decimal(0)) + value
            if total is not None and offer.quantity is None:
                offer.quantity = total
        if offer.quantity is None and offer.per_warehouse:
            offer.quantity = sum(offer.per_warehouse.values(), Decimal(0))
        status = elem.get("Статус", "") or _text(elem, "Статус")
        offer.deleted = norm(status) == "удален"
        return offer

    def _document(self, elem, line: int) -> Document:
        onec_id = _text(elem, "Ид")
        number = _text(elem, "Номер")
        where = f"документ № {number or onec_id or '?'}"
        if not onec_id and not number:
            raise ExchangeFileError("у документа нет ни <Ид>, ни <Номер>", line, "элемент <Документ>")
        day = parse_datetime(_text(elem, "Дата"), f"{where}, <Дата>", line)
        if day is None:
            raise ExchangeFileError("у документа нет даты", line, f"{where}, <Дата>")
        at = parse_time(_text(elem, "Время"))
        if at is not None and day.time() == time(0):
            day = datetime.combine(day.date(), at)
        operation = _text(elem, "ХозОперация")
        role = _text(elem, "Роль")
        reqs = _requisites(elem)
        doc = Document(
            onec_id=onec_id,
            number=number,
            date=day,
            operation=operation,
            role=role,
            kind=classify_operation(operation, role),
            total=parse_decimal(_text(elem, "Сумма"), f"{where}, <Сумма>", _line(elem, "Сумма", line)),
            comment=_text(elem, "Комментарий"),
            card=_first(reqs, CARD_REQUISITES),
            manager=_first(reqs, MANAGER_REQUISITES),
            warehouse=_first(reqs, WAREHOUSE_REQUISITES),
            deleted=truthy(reqs.get("пометкаудаления") or reqs.get("пометка удаления")),
            posted=not ("проведен" in reqs and not truthy(reqs["проведен"])),
            line=line,
            base=_first(reqs, BASE_REQUISITES) or _text(elem, "Основание"),
            points=parse_decimal(_first(reqs, POINTS_REQUISITES) or None, f"{where}, «Оплачено баллами»", line),
            paid=paid_amount(_first(reqs, PAID_REQUISITES), f"{where}, «Оплачено»", line),
            order_ref=_first(reqs, ORDER_REQUISITES),
            status=_first(reqs, STATUS_REQUISITES),
            cancelled=truthy(_first(reqs, CANCELLED_REQUISITES)),
        )
        if doc.kind == "order":
            doc.prepayment = parse_decimal(_first(reqs, PREPAYMENT_REQUISITES) or None, f"{where}, «Предоплата»", line)
            if doc.prepayment is None and doc.paid is not None:
                doc.prepayment = doc.paid  # «Оплачено» of an order is what it was paid in advance
            doc.paid = None
        phone = _first(reqs, PHONE_REQUISITES)
        if phone:
            doc.phones.append(phone)
        parties = _child(elem, "Контрагенты")
        if parties is not None:
            for party in _children(parties, "Контрагент"):
                party_role = norm(_text(party, "Роль"))
                if party_role in ("продавец",) and doc.kind == "sale":
                    continue
                doc.counterparty = (_text(party, "Наименование") or _text(party, "ПолноеНаименование")
                                    or doc.counterparty)
                contacts = _child(party, "Контакты")
                if contacts is not None:
                    for contact in contacts:
                        kind = norm(_text(contact, "Тип"))
                        value = _text(contact, "Значение")
                        if "телефон" in kind and value:
                            doc.phones.append(value)
                preqs = _requisites(party)
                doc.card = doc.card or _first(preqs, CARD_REQUISITES)
        if not doc.counterparty:
            doc.counterparty = _first(reqs, SUPPLIER_REQUISITES | {"покупатель", "клиент", "контрагент"})
        goods = _child(elem, "Товары")
        if goods is not None:
            for n, item in enumerate(_children(goods, "Товар"), 1):
                iw = f"{where}, товар {n}"
                iline = item.attrib.get(LINE_KEY, line)
                qty = parse_decimal(_text(item, "Количество"), f"{iw}, <Количество>", _line(item, "Количество", iline))
                if qty is None:
                    raise ExchangeFileError("не указано количество", iline, f"{iw}, <Количество>")
                maker = _child(item, "Изготовитель")
                ireqs = _requisites(item)
                brand = (_text(maker, "Наименование") if maker is not None else "") or \
                    _first(ireqs, BRAND_PROPERTY_NAMES)
                doc.lines.append(DocumentLine(
                    onec_id=_text(item, "Ид"),
                    article=_text(item, "Артикул"),
                    name=_text(item, "Наименование"),
                    brand=brand,
                    quantity=qty,
                    price=parse_decimal(_text(item, "ЦенаЗаЕдиницу"), f"{iw}, <ЦенаЗаЕдиницу>",
                                        _line(item, "ЦенаЗаЕдиницу", iline)),
                    amount=parse_decimal(_text(item, "Сумма"), f"{iw}, <Сумма>", _line(item, "Сумма", iline)),
                ))
        return doc


def classify_operation(operation: str, role: str) -> str:
    """Map ХозОперация + our Роль to sale / return / receipt / order / other.

    "Отпуск товара" is a sale when we are the seller and a goods receipt when we are the
    buyer (the supplier's shipment to us), as the CommerceML 2 schema defines roles.
    """
    op, our_role = norm(operation), norm(role)
    if op in RECEIPT_OPERATIONS:
        return "receipt"
    if op in RETURN_OPERATIONS:
        return "return"
    if op in ORDER_OPERATIONS:
        return "order" if our_role != "покупатель" else "other"  # our own order to a supplier: not ours to keep
    if op in SALE_OPERATIONS:
        return "receipt" if our_role == "покупатель" else "sale"
    return "other"


def sniff(source: str | Path) -> str:
    """Tell what a CommerceML file holds: ``catalog``, ``offers``, ``documents`` or ``empty``.

    Reads only as far as the first telling element.
    """
    for event, elem, _line in iter_events(source):
        if event != "start":
            continue
        name = _local(elem.tag)
        if name == "Каталог":
            return "catalog"
        if name in ("ПакетПредложений", "ИзмененияПакетаПредложений"):
            return "offers"
        if name in ("Документ", "Контейнер"):
            return "documents"
    return "empty"
