"""Property-based: random sequences of sales (some paid with points, some not yet paid),
payments, partial and full returns, redemptions at the counter and months passing.

After every step the ledger's balance is never negative, equals what its lots hold, and
equals the balance of a small model of the rules written here independently of the code
(its own proportional split, its own FIFO lots, its own expiry), so the two must agree on
every rounding and every ordering, not only on the totals.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
import time_machine
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from appliance.errors import InputError
from appliance.loyalty import cards, ledger, returns
from db import write_transaction
from db.models.loyalty import LoyaltyEntry, LoyaltySale, SaleReturn, SaleReturnLine
from db.models.notifications import Notification
from db.models.sales import Sale, SaleLine

pytestmark = pytest.mark.clock
START = dt.datetime(2026, 1, 10, 9, 0)
BP, HOLD, MONTHS = 500, 14, 12


def add_months(when: dt.datetime, months: int) -> dt.datetime:
    y, m = divmod(when.month - 1 + months, 12)
    day = when.day
    while True:
        try:
            return when.replace(year=when.year + y, month=m + 1, day=day)
        except ValueError:
            day -= 1


def split(amounts, whole):
    """Largest remainder, written again for the model."""
    total = sum(amounts)
    if not total or not whole:
        return [0] * len(amounts)
    exact = [Fraction(a * whole, total) for a in amounts]
    base = [x.numerator // x.denominator for x in exact]
    extra = sorted(range(len(amounts)), key=lambda i: (base[i] - exact[i], i))[:whole - sum(base)]
    return [b + (1 if i in extra else 0) for i, b in enumerate(base)]


def part(value, done, qty):
    return value * done // qty


@dataclasses.dataclass
class MSale:
    sale_id: int
    number: str
    date: dt.datetime
    lines: list  # [line id, qty, sum_kop, returned]
    redeemed: int = 0
    paid: bool = True
    credited: bool = False
    accrual_lot: dict = dataclasses.field(default_factory=dict)  # line id -> lot index

    @property
    def total(self):
        return sum(s for _, _, s, _ in self.lines)

    def points(self):
        spent = split([s for _, _, s, _ in self.lines], self.redeemed)
        return [(ln[0], ln[1], (ln[2] - sp) * BP // 10000, sp, ln[3]) for ln, sp in zip(self.lines, spent, strict=True)]


class Model:
    def __init__(self):
        self.lots: list[list] = []  # [remaining, expires]

    @property
    def balance(self):
        return sum(r for r, _ in self.lots)

    def add(self, amount, now):
        self.lots.append([amount, add_months(now, MONTHS)])
        return len(self.lots) - 1

    def expire(self, now):
        for lot in self.lots:
            if lot[1] <= now:
                lot[0] = 0

    def take(self, amount, first=None):
        order = ([first] if first is not None else []) + sorted(
            (i for i in range(len(self.lots)) if i != first), key=lambda i: (self.lots[i][1], i))
        for i in order:
            got = min(amount, self.lots[i][0])
            self.lots[i][0] -= got
            amount -= got

    def debit(self, amount, now, first=None):
        self.expire(now)
        taken = min(amount, self.balance)
        self.take(taken, first)
        return taken


ops = st.lists(st.one_of(
    st.tuples(st.just("sale"), st.lists(st.tuples(st.integers(1, 5), st.integers(1, 400_000)), min_size=1, max_size=3),
              st.integers(0, 60_000), st.booleans(), st.integers(0, 3)),
    st.tuples(st.just("pay"), st.integers(0, 20)),
    st.tuples(st.just("return"), st.integers(0, 20), st.integers(0, 2), st.integers(1, 5), st.integers(0, 2)),
    st.tuples(st.just("redeem"), st.integers(1, 80_000)),
    st.tuples(st.just("wait"), st.sampled_from([1, 5, 13, 15, 40, 200, 340, 370])),
), min_size=1, max_size=18)


def _reset():
    with write_transaction():
        for model in (LoyaltyEntry, SaleReturnLine, SaleReturn, LoyaltySale, SaleLine, Sale, Notification):
            model.delete().execute()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=ops)
# Cases worth keeping whatever the generator draws: points burnt between 11 and 12 months,
# a return after the points were spent (shortfall), FIFO across two lots, a return in the hold.
@example(steps=[("sale", [(1, 100000)], 0, True, 0), ("wait", 15), ("wait", 340)])
@example(steps=[("sale", [(2, 100000)], 0, True, 0), ("wait", 15), ("sale", [(1, 50000)], 0, True, 0),
                ("redeem", 5000), ("return", 0, 0, 1, 2)])
@example(steps=[("sale", [(1, 100000)], 0, True, 0), ("wait", 200), ("sale", [(1, 100000)], 0, True, 0),
                ("wait", 15), ("sale", [(1, 90000)], 7000, True, 0), ("wait", 200)])
@example(steps=[("sale", [(3, 90000), (1, 3)], 0, False, 0), ("return", 0, 0, 1, 0), ("wait", 15), ("pay", 0),
                ("wait", 1), ("return", 0, 0, 1, 0), ("return", 0, 1, 1, 2)])
def test_ledger_agrees_with_the_rules(card, staff, steps):
    _reset()
    model, sales, now = Model(), [], START
    for n, step in enumerate(steps):
        with time_machine.travel(now.replace(tzinfo=dt.UTC), tick=False):
            _step(step, n, card, staff, model, sales, now)
        if step[0] == "wait":
            now += dt.timedelta(days=step[1])
            with time_machine.travel(now.replace(tzinfo=dt.UTC), tick=False):
                ledger.credit_due(now)
                _credit_model(model, sales, now)
                ledger.expire_due(now)
                model.expire(now)
        elif step[0] == "sale":
            now += dt.timedelta(days=step[4], minutes=1)
        balance = ledger.balance([card])
        assert balance >= 0
        assert balance == sum(lot.remaining for lot in ledger.lots(card.id))
        assert balance == model.balance, (n, step)


def _step(step, n, card, staff, model, sales, now):
    kind = step[0]
    if kind == "sale":
        _, lines, want, paid, _days = step
        total = sum(s for _, s in lines)
        sale = Sale.create(number=f"ЧК-{n}", date=now, customer=card.customer_id, total_kop=total, created_at=now)
        rows = [SaleLine.create(sale=sale, article=f"A{n}-{i}", brand="CHERY", name=f"деталь {i}", qty=q,
                                price_kop=s // q, sum_kop=s) for i, (q, s) in enumerate(lines)]
        want = min(want, total)
        with write_transaction():
            cards.sales_arrived([cards.ArrivedSale(sale.id, card.number, want, None if paid else 0)], now)
        m = MSale(sale.id, sale.number, now, [[r.id, q, s, 0] for r, (q, s) in zip(rows, lines, strict=True)],
                  paid=paid)
        model.expire(now)
        m.redeemed = model.debit(want, now) if want else 0
        sales.append(m)
    elif kind == "pay" and sales:
        m = sales[step[1] % len(sales)]
        LoyaltySale.update(paid_kop=m.total).where(LoyaltySale.sale == m.sale_id).execute()
        m.paid = True
    elif kind == "return" and sales:
        _, si, li, qty, whole = step
        m = sales[si % len(sales)]
        line = m.lines[li % len(m.lines)]
        left = line[1] - line[3]
        qty = left if whole == 2 else qty
        article = SaleLine.get_by_id(line[0]).article
        doc = returns.ReturnDoc(f"ret-{n}", f"ВЗ-{n}", now, m.number, lines=[(article, "CHERY", "", Decimal(qty), 0)])
        with write_transaction():
            outcome = returns.import_returns([doc])
        if qty > left or qty <= 0:
            assert outcome.flagged == 1 and SaleReturn.get(SaleReturn.external_id == f"ret-{n}").status == "refused"
            return
        assert outcome.applied == 1
        _return_model(model, m, line, qty, now)
    elif kind == "redeem" and sales:
        m = sales[-1]
        model.expire(now)
        ok = not m.credited and step[1] <= model.balance and m.redeemed + step[1] <= m.total
        try:
            cards.redeem(card, m.number, step[1], staff["manager"], now=now)
        except InputError:
            assert not ok
            return
        assert ok
        model.take(step[1])
        m.redeemed += step[1]


def _credit_model(model, sales, now):
    for m in sorted(sales, key=lambda s: s.date):
        if m.credited or m.date > now - dt.timedelta(days=HOLD):
            continue
        if not (m.paid or m.total - m.redeemed <= 0):
            continue
        m.credited = True
        for line_id, qty, points, _spent, done in m.points():
            if points <= 0 or (done and part(points, done, qty) == points):
                continue
            lot = model.add(points, now)
            m.accrual_lot[line_id] = lot
            if done:
                model.take(part(points, done, qty), first=lot)


def _return_model(model, m, line, qty, now):
    info = {p[0]: p for p in m.points()}
    line_id, q, points, spent, old = info[line[0]]
    new = old + qty
    refund = part(spent, new, q) - part(spent, old, q)
    if refund:
        model.add(refund, now)
    if m.credited and line_id in m.accrual_lot:
        gone = part(points, new, q) - part(points, old, q)
        if gone:
            model.debit(gone, now, first=m.accrual_lot[line_id])
    line[3] = new

