"""The points ledger of a card: rows in, the balance and the lots out.

The balance is the sum of the card's rows. Credits are lots that expire; debits take from
the lot they name first, then from the lot that expires first (the oldest points). The
lots are replayed from the rows in their order, so no "remaining" is stored anywhere to
drift from the rows. Every debit is taken only up to the balance: it never goes negative.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import peewee

from appliance import clock, notifications
from appliance.exchange import customer_orders
from appliance.loyalty import rules as rules_mod
from db import write_transaction
from db.models.exchange import BonusCard
from db.models.loyalty import LoyaltyEntry, LoyaltySale, SaleReturn, SaleReturnLine
from db.models.sales import Sale, SaleLine

CREDITS = ("accrual", "refund", "correction")


@dataclasses.dataclass
class Lot:
    entry_id: int
    created_at: dt.datetime
    expires_at: dt.datetime | None
    remaining: int


def balance(card_ids) -> int:
    ids = [getattr(c, "id", c) for c in card_ids]
    if not ids:
        return 0
    total = (LoyaltyEntry.select(peewee.fn.COALESCE(peewee.fn.SUM(LoyaltyEntry.amount_kop), 0))
             .where(LoyaltyEntry.card.in_(ids)).scalar())
    return int(total or 0)


def lots(card_id: int) -> list[Lot]:
    """The credits of a card with what is left of each, oldest-expiring first."""
    open_lots: dict[int, Lot] = {}
    rows = (LoyaltyEntry.select(LoyaltyEntry.id, LoyaltyEntry.amount_kop, LoyaltyEntry.lot,
                                LoyaltyEntry.expires_at, LoyaltyEntry.created_at)
            .where(LoyaltyEntry.card == card_id).order_by(LoyaltyEntry.id).tuples())
    for entry_id, amount, lot_id, expires_at, created_at in rows:
        if amount > 0:
            open_lots[entry_id] = Lot(entry_id, created_at, expires_at, amount)
            continue
        need = -amount
        first = [open_lots[lot_id]] if lot_id in open_lots else []
        rest = sorted((x for x in open_lots.values() if x.remaining > 0 and x.entry_id != lot_id),
                      key=lambda x: (x.expires_at or dt.datetime.max, x.entry_id))
        for lot in first + rest:
            take = min(need, lot.remaining)
            lot.remaining -= take
            need -= take
            if not need:
                break
    return sorted((x for x in open_lots.values() if x.remaining > 0),
                  key=lambda x: (x.expires_at or dt.datetime.max, x.entry_id))


def next_expiry(card_ids) -> tuple[dt.datetime, int] | None:
    """When the next points burn and how many, over the cards of a customer."""
    found = [lot for c in card_ids for lot in lots(getattr(c, "id", c)) if lot.expires_at]
    if not found:
        return None
    when = min(lot.expires_at for lot in found)
    return when, sum(lot.remaining for lot in found if lot.expires_at == when)


def _entry(card_id: int, kind: str, amount: int, now: dt.datetime, **fields) -> LoyaltyEntry:
    return LoyaltyEntry.create(card=card_id, kind=kind, amount_kop=amount, created_at=now, **fields)


def credit(card_id: int, kind: str, amount: int, now: dt.datetime, rules: rules_mod.Rules, **fields):
    if amount <= 0:
        return None
    return _entry(card_id, kind, amount, now, expires_at=rules_mod.add_months(now, rules.expiry_months), **fields)


def debit(card_id: int, kind: str, wanted: int, now: dt.datetime, **fields) -> tuple[int, int]:
    """Take up to `wanted` from the card: (taken, shortfall). Expired lots are burnt first."""
    expire_card(card_id, now)
    taken = min(wanted, balance([card_id]))
    shortfall = wanted - taken
    if taken > 0 or shortfall > 0:
        _entry(card_id, kind, -taken, now, shortfall_kop=shortfall, **fields)
    return taken, shortfall


def expire_card(card_id: int, now: dt.datetime) -> int:
    """Burn what is left of every lot whose time has come; the points burnt."""
    burnt = 0
    for lot in lots(card_id):
        if lot.expires_at and lot.expires_at <= now:
            _entry(card_id, "expiry", -lot.remaining, now, lot=lot.entry_id)
            burnt += lot.remaining
    return burnt


def expire_due(now: dt.datetime | None = None) -> int:
    """The periodic job: every card with a lot past its date."""
    now = now or clock.utcnow()
    cards = {c for (c,) in LoyaltyEntry.select(LoyaltyEntry.card).where(
        (LoyaltyEntry.amount_kop > 0) & (LoyaltyEntry.expires_at <= now)).distinct().tuples()}
    burnt = 0
    for card_id in sorted(cards):
        with write_transaction():
            burnt += expire_card(card_id, now)
    return burnt


# ---------------------------------------------------------------- a sale's points


@dataclasses.dataclass
class SalePoints:
    """Per line of a sale: (line id, qty, points at full qty, points spent at full qty)."""

    lines: list[tuple[int, object, int, int]]

    @property
    def points(self) -> int:
        return sum(p for _, _, p, _ in self.lines)


def bought_in_year(card_id: int, before: dt.datetime) -> int:
    """What the card's owner bought with any of their cards in the 12 months before `before`
    (the level's measure; a return lowers it by its sum)."""
    owner = BonusCard.select(BonusCard.customer).where(BonusCard.id == card_id)
    cards = BonusCard.select(BonusCard.id).where(BonusCard.customer.in_(owner))
    start = before - dt.timedelta(days=365)
    bought = (Sale.select(peewee.fn.COALESCE(peewee.fn.SUM(Sale.total_kop), 0)).join(LoyaltySale)
              .where(LoyaltySale.card.in_(cards) & (Sale.date >= start) & (Sale.date < before)).scalar())
    back = (SaleReturn.select(peewee.fn.COALESCE(peewee.fn.SUM(SaleReturn.total_kop), 0)).join(
        LoyaltySale, on=(SaleReturn.sale == LoyaltySale.sale))
            .where(LoyaltySale.card.in_(cards) & (SaleReturn.status == "applied") & (SaleReturn.date >= start)
                   & (SaleReturn.date < before)).scalar())
    return int(bought or 0) - int(back or 0)


def level_bp(ls: LoyaltySale, rules: rules_mod.Rules) -> int:
    """The percent this sale earns: the base one, or the level reached before it (levels on)."""
    if not rules.levels:
        return rules.percent_bp
    return rules.level_bp(bought_in_year(ls.card_id, ls.sale.date))


def sale_points(ls: LoyaltySale, rules: rules_mod.Rules, bp: int | None = None) -> SalePoints:
    rows = list(SaleLine.select(SaleLine.id, SaleLine.qty, SaleLine.sum_kop, SaleLine.product)
                .where(SaleLine.sale == ls.sale_id).order_by(SaleLine.id))
    groups = {}
    for row in rows:
        if row.product_id and row.product_id not in groups:
            groups[row.product_id] = row.product.group
    points, spent = rules_mod.line_points([(r.sum_kop, groups.get(r.product_id, "")) for r in rows],
                                          ls.redeemed_kop, rules, bp)
    return SalePoints([(r.id, r.qty, p, s) for r, p, s in zip(rows, points, spent, strict=True)])


def returned_qty(sale_line_ids, exclude_return: int | None = None) -> dict[int, object]:
    """Quantity already returned per sale line (applied returns only)."""
    query = (SaleReturnLine.select(SaleReturnLine.sale_line, peewee.fn.SUM(SaleReturnLine.qty))
             .join(SaleReturn).where(SaleReturnLine.sale_line.in_(list(sale_line_ids))
                                     & (SaleReturn.status == "applied")))
    if exclude_return is not None:
        query = query.where(SaleReturn.id != exclude_return)
    return {line: qty for line, qty in query.group_by(SaleReturnLine.sale_line).tuples()}


def credit_sale(ls: LoyaltySale, now: dt.datetime, rules: rules_mod.Rules) -> int:
    """Credit the points of a sale whose hold is over: an accrual per line, and at once the
    reversal of what was returned during the hold. The net points credited."""
    sp = sale_points(ls, rules, level_bp(ls, rules))
    back = returned_qty([line for line, *_ in sp.lines])
    net = 0
    for line_id, qty, points, _spent in sp.lines:
        if points <= 0:
            continue
        done = back.get(line_id, 0)
        if done and rules_mod.part(points, done, qty) == points:
            continue  # returned in full before the points were due: nothing to credit
        entry = credit(ls.card_id, "accrual", points, now, rules, sale=ls.sale_id, sale_line=line_id)
        net += points
        if done:
            gone = rules_mod.part(points, done, qty)
            _entry(ls.card_id, "reversal", -gone, now, sale=ls.sale_id, sale_line=line_id, lot=entry.id,
                   reason="возврат до начисления")
            net -= gone
    ls.credited_at = now
    ls.save()
    return net


def credit_due(now: dt.datetime | None = None) -> int:
    """The periodic job: sales past the hold period, fully paid (the prepayment of the 1C
    order a sale fulfils counts as paid for it), not yet credited."""
    now = now or clock.utcnow()
    rules = rules_mod.current()
    due = (LoyaltySale.select(LoyaltySale, Sale).join(Sale)
           .where(LoyaltySale.credited_at.is_null() & (Sale.date <= now - dt.timedelta(days=rules.hold_days)))
           .order_by(Sale.date, LoyaltySale.id))
    due = list(due)
    prepaid = customer_orders.prepaid_by_sale([ls.sale_id for ls in due if ls.paid_kop is not None])
    credited = 0
    for ls in due:
        paid = None if ls.paid_kop is None else ls.paid_kop + prepaid.get(ls.sale_id, 0)
        if not rules_mod.fully_paid(ls.sale.total_kop, ls.redeemed_kop, paid):
            continue
        with write_transaction():
            credit_sale(ls, now, rules)
            credited += 1
    return credited


def apply_return(ls: LoyaltySale, sale_return, returned: dict[int, object], now: dt.datetime) -> dict:
    """A return of `returned` {sale line id: qty} of a card's sale: the points spent on those
    lines come back first, then the points they earned are taken back (if already credited).
    What cannot be taken back (already spent elsewhere) is the shortfall, told to the owner."""
    rules = rules_mod.current()
    sp = sale_points(ls, rules)
    before = returned_qty(returned, exclude_return=sale_return.id)
    # the points a line earned are its accrual row (the percent of its day, whatever the level is now)
    accrued = {line: (entry_id, amount) for line, entry_id, amount in LoyaltyEntry.select(
        LoyaltyEntry.sale_line, LoyaltyEntry.id, LoyaltyEntry.amount_kop)
        .where((LoyaltyEntry.sale == ls.sale_id) & (LoyaltyEntry.kind == "accrual")).tuples()}
    refund = reverse = 0
    wanted: list[tuple[int, int]] = []
    for line_id, qty, _points, spent in sp.lines:
        if line_id not in returned:
            continue
        old = before.get(line_id, 0)
        new = old + returned[line_id]
        refund += rules_mod.part(spent, new, qty) - rules_mod.part(spent, old, qty)
        if ls.credited_at is not None and line_id in accrued:
            points = accrued[line_id][1]
            gone = rules_mod.part(points, new, qty) - rules_mod.part(points, old, qty)
            if gone:
                wanted.append((line_id, gone))
                reverse += gone
    if refund:
        credit(ls.card_id, "refund", refund, now, rules, sale=ls.sale_id, sale_return=sale_return.id)
    shortfall = 0
    for line_id, gone in wanted:
        _taken, short = debit(ls.card_id, "reversal", gone, now, sale=ls.sale_id, sale_line=line_id,
                              sale_return=sale_return.id, lot=accrued[line_id][0])
        shortfall += short
    if shortfall:
        card = BonusCard.get_by_id(ls.card_id)
        notifications.raise_notification(
            "loyalty", f"loyalty-shortfall-{sale_return.id}",
            f"Возврат {sale_return.number}: баллы уже потрачены",
            f"По карте {card.number} за возвращённый товар нужно было снять {rules_mod.points_text(shortfall)} б., "
            f"но они уже потрачены. Баланс оставлен нулевым; недостача записана в истории карты.",
            url=f"/loyalty/cards/{ls.card_id}", roles=("owner",))
    return {"refund": refund, "reversal": reverse, "shortfall": shortfall}
