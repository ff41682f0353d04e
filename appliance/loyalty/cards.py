"""Bonus cards: finding a card as a scanner or a person types it, issuing one at the counter,
what a card (or a customer) has, the counter's redemption and the owner's correction, and the
hook the 1C importer calls for sales made with a card."""
from __future__ import annotations

import dataclasses
import datetime as dt

import peewee

from appliance import audit, clock, notifications, permissions, phones
from appliance import customers as customers_mod
from appliance.customers.matching import clean_card
from appliance.errors import InputError
from appliance.loyalty import ledger
from appliance.loyalty import rules as rules_mod
from db import write_transaction
from db.bulk import bulk_insert, select_in, table
from db.models.customers import Customer
from db.models.exchange import BonusCard
from db.models.loyalty import CardIssue, LoyaltyEntry, LoyaltySale
from db.models.sales import Sale

# A scanner or a person on the Russian layout types ЙЦУКЕН where the card says QWERTY.
_RU = "йцукенгшщзхъфывапролджэячсмитьбю"
_EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,."
_TO_EN = str.maketrans(_RU + _RU.upper(), _EN + _EN.upper())
MAX_CARD_LEN = 32


def card_variants(text: str) -> list[str]:
    """What a typed card number may be stored as: as typed (spaces dropped by the shared
    normaliser), upper case, and read back from the wrong keyboard layout."""
    base = clean_card(text).strip("-")
    out = []
    for v in (base, base.upper(), base.translate(_TO_EN), base.translate(_TO_EN).upper(), base.lower()):
        if v and v not in out:
            out.append(v)
    return out


def find_card(text: str) -> BonusCard | None:
    variants = card_variants(text)
    if not variants:
        return None
    found = {c.number: c for c in BonusCard.select().where(BonusCard.number.in_(variants))}
    return next((found[v] for v in variants if v in found), None)


def resolve_code(text: str) -> str | None:
    """The header search box: a scanned card opens its page (appliance.lookup resolver)."""
    if len(clean_card(text)) < 6 or len(text) > 64:
        return None
    card = find_card(text)
    return f"/loyalty/cards/{card.id}" if card else None


def cards_of(customer_id: int) -> list[BonusCard]:
    return list(BonusCard.select().where(BonusCard.customer == customer_id).order_by(BonusCard.id))


def find(text: str) -> tuple[Customer | None, list[BonusCard]]:
    """CARD_OR_PHONE: a card number, else a customer's phone (all the customer's cards)."""
    card = find_card(text)
    if card is not None:
        return card.customer, [card]
    try:
        e164 = phones.normalize(text)
    except InputError:
        return None, []
    customer = customers_mod.find_by_phone(e164)
    if customer is None:
        return None, []
    customer = customers_mod.survivor(customer)
    return customer, cards_of(customer.id)


@dataclasses.dataclass
class Summary:
    balance_kop: int
    pending_kop: int  # earned on sales still in the hold period (or not fully paid)
    next_expiry: tuple[dt.datetime, int] | None
    cards: list[BonusCard]
    percent: str = ""  # the accrual percent of the next sale, "5" or "2,5"
    bought_kop: int | None = None  # bought in the last 12 months, when levels are on


def pending(card_ids) -> int:
    rules = rules_mod.current()
    total = 0
    for ls in LoyaltySale.select().where(LoyaltySale.card.in_(list(card_ids)) & LoyaltySale.credited_at.is_null()):
        sp = ledger.sale_points(ls, rules, ledger.level_bp(ls, rules))
        back = ledger.returned_qty([line for line, *_ in sp.lines])
        total += sum(p - rules_mod.part(p, back.get(line, 0), q) for line, q, p, _ in sp.lines)
    return total


def summary(cards: list[BonusCard]) -> Summary:
    ids = [c.id for c in cards]
    rules = rules_mod.current()
    bought = ledger.bought_in_year(ids[0], clock.utcnow()) if rules.levels and ids else None
    bp = rules.level_bp(bought) if bought is not None else rules.percent_bp
    return Summary(ledger.balance(ids), pending(ids), ledger.next_expiry(ids), cards,
                   rules_mod.points_text(bp), bought)


def customer_summary(customer_id: int) -> Summary | None:
    cards = cards_of(customer_id)
    return summary(cards) if cards else None


def customer_balance(customer_id: int) -> int:
    return ledger.balance([c.id for c in cards_of(customer_id)])


def history(card_ids, limit: int = 500) -> list[LoyaltyEntry]:
    return list(LoyaltyEntry.select(LoyaltyEntry, Sale).join(Sale, peewee.JOIN.LEFT_OUTER)
                .where(LoyaltyEntry.card.in_(list(card_ids)))
                .order_by(LoyaltyEntry.id.desc()).limit(limit))


def shortfalls(limit: int = 50) -> list[LoyaltyEntry]:
    return list(LoyaltyEntry.select().where(LoyaltyEntry.shortfall_kop > 0)
                .order_by(LoyaltyEntry.id.desc()).limit(limit))


# ---------------------------------------------------------------- at the counter


def new_number(number: str) -> str:
    """A card number for a new card, or why not (a scanner on the Russian layout is read back)."""
    clean = clean_card(number).translate(_TO_EN).upper()
    if not clean:
        raise InputError("Номер карты: отсканируйте или введите номер.", "number")
    if len(clean) > MAX_CARD_LEN or not clean.replace("-", "").isascii() or not clean.replace("-", "").isalnum():
        raise InputError("Номер карты: только цифры и латинские буквы, не длиннее 32 знаков.", "number")
    existing = find_card(clean)
    if existing is not None:
        raise InputError(f"Карта {existing.number} уже выдана: {existing.customer.name}.", "number")
    return clean


def issue_to_phone(phone: str, name: str, number: str, actor) -> BonusCard:
    """At the counter without a card open: the number is checked before a new customer is made."""
    permissions.require(actor, "loyalty.issue")
    new_number(number)
    customer, _created = customers_mod.get_or_create_by_phone(phone, name, actor, source="walk_in")
    return issue_card(customer, number, actor)


def issue_card(customer: Customer, number: str, actor) -> BonusCard:
    """A new card handed over (and counted for the manager who sold it)."""
    permissions.require(actor, "loyalty.issue", customer)
    customer = customers_mod.survivor(customer)
    now = clock.utcnow()
    with write_transaction():
        clean = new_number(number)
        card = BonusCard.create(number=clean, customer=customer, created_at=now)
        CardIssue.create(card=card, manager=actor if getattr(actor, "id", None) else None, issued_at=now)
        audit.record(actor, "loyalty.issue", card, {"number": (None, clean), "customer": (None, customer.id)})
    return card


def cards_sold(start: dt.datetime, end: dt.datetime) -> dict[int | None, int]:
    """Cards issued per manager (staff id) in [start, end): the payroll KPI reads this."""
    rows = (CardIssue.select(CardIssue.manager, peewee.fn.COUNT(CardIssue.id))
            .where((CardIssue.issued_at >= start) & (CardIssue.issued_at < end))
            .group_by(CardIssue.manager).tuples())
    return dict(rows)


def _sale_by_number(number: str, card: BonusCard) -> Sale:
    number = (number or "").strip()
    if not number:
        raise InputError("Номер чека: укажите номер продажи.", "sale_number")
    sales = list(Sale.select().where(Sale.number == number).order_by(Sale.date.desc()).limit(20))
    if not sales:
        raise InputError(f"Продажа № {number} не найдена — загружена ли она из 1С?", "sale_number")
    own = [s for s in sales if s.customer_id in (None, card.customer_id)]
    if not own:
        raise InputError(f"Продажа № {number} оформлена на другого клиента.", "sale_number")
    return own[0]


def redeem(card: BonusCard, sale_number: str, amount_kop: int, actor, now: dt.datetime | None = None) -> LoyaltyEntry:
    """Pay part of a sale with points, at the counter: refused above the balance, above the
    sale, or once its points are credited (the spent part must be known when they are)."""
    permissions.require(actor, "loyalty.redeem", card)
    now = now or clock.utcnow()
    if amount_kop <= 0:
        raise InputError("Сколько баллов списать: больше нуля.", "amount")
    with write_transaction():
        sale = _sale_by_number(sale_number, card)
        ls = LoyaltySale.get_or_none(LoyaltySale.sale == sale.id)
        if ls is not None and ls.card_id != card.id:
            raise InputError(f"Продажа № {sale.number} уже привязана к другой карте.", "sale_number")
        if ls is not None and ls.credited_at is not None:
            raise InputError(f"Баллы за продажу № {sale.number} уже начислены — оплатить её баллами "
                             f"теперь нельзя.", "sale_number")
        already = ls.redeemed_kop if ls else 0
        if already + amount_kop > sale.total_kop:
            raise InputError(f"Баллами можно оплатить не больше суммы чека: осталось "
                             f"{rules_mod.points_text(sale.total_kop - already)}.", "amount")
        ledger.expire_card(card.id, now)
        have = ledger.balance([card.id])
        if amount_kop > have:
            raise InputError(f"На карте {rules_mod.points_text(have)} б. — списать "
                             f"{rules_mod.points_text(amount_kop)} нельзя.", "amount")
        if ls is None:
            ls = LoyaltySale.create(sale=sale, card=card, created_at=now)
        ls.redeemed_kop = already + amount_kop
        ls.save()
        entry = LoyaltyEntry.create(card=card, kind="redemption", amount_kop=-amount_kop, sale=sale,
                                    staff=actor if getattr(actor, "id", None) else None, created_at=now,
                                    reason="на кассе")
        audit.record(actor, "loyalty.redeem", entry, {"amount_kop": (None, -amount_kop), "sale": (None, sale.number)})
    return entry


def correct(card: BonusCard, amount_kop: int, reason: str, actor, now: dt.datetime | None = None) -> LoyaltyEntry:
    """The owner's correction, with a reason; a minus never takes the balance below zero."""
    permissions.require(actor, "loyalty.correct", card)
    now = now or clock.utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise InputError("Причина: напишите, почему меняете баллы.", "reason")
    if amount_kop == 0:
        raise InputError("Сколько баллов: не ноль (плюс — начислить, минус — снять).", "amount")
    with write_transaction():
        if amount_kop > 0:
            entry = ledger.credit(card.id, "correction", amount_kop, now, rules_mod.current(), reason=reason,
                                  staff=actor if getattr(actor, "id", None) else None)
        else:
            ledger.expire_card(card.id, now)
            have = ledger.balance([card.id])
            if -amount_kop > have:
                raise InputError(f"На карте {rules_mod.points_text(have)} б. — снять "
                                 f"{rules_mod.points_text(-amount_kop)} нельзя.", "amount")
            entry = LoyaltyEntry.create(card=card, kind="correction", amount_kop=amount_kop, reason=reason,
                                        staff=actor if getattr(actor, "id", None) else None, created_at=now)
        audit.record(actor, "loyalty.correct", entry, {"amount_kop": (None, amount_kop)}, note=reason)
    return entry


# ---------------------------------------------------------------- the 1C importer's hook


@dataclasses.dataclass(slots=True)
class ArrivedSale:
    sale_id: int
    card: str  # as clean_card left it
    points_kop: int  # paid with points, as the document says (0: none)
    paid_kop: int | None  # money paid, when the document says (None: paid at the till)


def sales_arrived(items: list[ArrivedSale], now: dt.datetime | None = None) -> int:
    """Sales of one import batch made with a known card: a LoyaltySale each (bulk), the
    points the document says were spent, a payment that arrived in a corrected document.
    Inside the importer's transaction; three queries for a batch without redemptions."""
    items = [i for i in items if i.card]
    if not items:
        return 0
    now = now or clock.utcnow()
    numbers = {v for i in items for v in card_variants(i.card)}
    known = dict(select_in(f"SELECT number, id FROM {table(BonusCard)} WHERE number IN", numbers))
    existing = {sale: (ls_id, paid) for ls_id, sale, paid in select_in(
        f"SELECT id, sale_id, paid_kop FROM {table(LoyaltySale)} WHERE sale_id IN", [i.sale_id for i in items])}
    new_rows, redemptions = [], []
    for item in items:
        card_id = next((known[v] for v in card_variants(item.card) if v in known), None)
        if card_id is None:
            continue
        if item.sale_id in existing:
            ls_id, paid = existing[item.sale_id]
            if paid != item.paid_kop:
                LoyaltySale.update(paid_kop=item.paid_kop).where(LoyaltySale.id == ls_id).execute()
            continue
        new_rows.append(dict(sale=item.sale_id, card=card_id, paid_kop=item.paid_kop, redeemed_kop=0,
                             created_at=now))
        if item.points_kop > 0:
            redemptions.append((item.sale_id, card_id, item.points_kop))
    bulk_insert(LoyaltySale, new_rows)
    short = [(sale_id, card_id, points, _redeem_from_document(sale_id, card_id, points, now))
             for sale_id, card_id, points in redemptions]
    short = [row for row in short if row[3]]
    if short:
        numbers = dict(Sale.select(Sale.id, Sale.number).where(Sale.id.in_([r[0] for r in short])).tuples())
        listed = "; ".join(f"{numbers.get(sale_id, sale_id)}: недостача {rules_mod.points_text(gap)} б."
                           for sale_id, _card, _points, gap in short[:10])
        notifications.raise_notification(
            "loyalty", "loyalty-redeem-shortfall",
            "Касса 1С списала баллов больше, чем было на картах",
            f"Чеков: {len(short)}. {listed}. Баланс этих карт оставлен нулевым, недостача записана в их истории.",
            url="/loyalty#shortfalls", roles=("owner",))
    return len(new_rows)


def _redeem_from_document(sale_id: int, card_id: int, points: int, now: dt.datetime) -> int:
    """1C says the buyer paid `points` with the card: taken up to the balance; a missing rest
    (the till let more through than the box knows of) is recorded on the row and returned,
    and earns like money (the card never gave it)."""
    taken, short = ledger.debit(card_id, "redemption", points, now, sale=sale_id, reason="из документа 1С")
    # Only what the card really gave counts as spent: a return gives back no more than that.
    LoyaltySale.update(redeemed_kop=taken).where(LoyaltySale.sale == sale_id).execute()
    return short
