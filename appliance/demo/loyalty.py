"""Demo bonus cards with a year of believable points: accruals after the hold, points spent
at the till, a return that took points back, one that came too late (a shortfall), points
burnt after a year, a card sold at the counter by each manager."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from appliance.loyalty import cards, ledger, returns
from appliance.loyalty import rules as rules_mod
from db.models.exchange import BonusCard
from db.models.loyalty import CardIssue, LoyaltySale
from db.models.sales import Sale, SaleLine
from db.models.staff import Staff


def build(rng: random.Random, now: dt.datetime) -> None:
    rules = rules_mod.current()
    managers = list(Staff.select().where(Staff.role == "manager").order_by(Staff.id))
    for i, card in enumerate(BonusCard.select().order_by(BonusCard.id)):
        if managers and i % 3 == 0:
            CardIssue.create(card=card, manager=managers[i % len(managers)],
                             issued_at=now - dt.timedelta(days=rng.randint(3, 300)))
        _card_year(rng, now, card, rules, return_one=i == 0, spend_all=i == 1)


def _card_year(rng, now, card, rules, return_one: bool, spend_all: bool) -> None:
    sales = list(Sale.select().where(Sale.customer == card.customer_id).order_by(Sale.date))
    if not sales:
        return
    start = sales[0].date - dt.timedelta(days=1)
    if rng.random() < 0.4:
        ledger.credit(card.id, "correction", rng.choice([20000, 35000, 50000]), start, rules,
                      reason="перенос баллов со старой дисконтной карты")
    events = []
    for sale in sales:
        events.append((sale.date, 0, sale))
        if sale.date + dt.timedelta(days=rules.hold_days) <= now:
            events.append((sale.date + dt.timedelta(days=rules.hold_days, hours=1), 1, sale))
    for when, kind, sale in sorted(events, key=lambda e: (e[0], e[1])):
        ledger.expire_card(card.id, when)
        if kind == 0:
            LoyaltySale.create(sale=sale, card=card, created_at=when)
            have = ledger.balance([card.id])
            if have >= 10000 and (spend_all or rng.random() < 0.35):
                amount = min(have, sale.total_kop // 2) if spend_all else min(have, rng.choice([10000, 20000, 30000]))
                cards.redeem(card, sale.number, min(amount, sale.total_kop), None, now=when)
        else:
            ledger.credit_sale(LoyaltySale.get(LoyaltySale.sale == sale.id), when, rules)
    ledger.expire_card(card.id, now)
    if return_one or spend_all:
        _a_return(rng, now, card, sales[-2] if len(sales) > 1 else sales[-1])


def _a_return(rng, now, card, sale) -> None:
    line = SaleLine.select().where(SaleLine.sale == sale.id).order_by(SaleLine.sum_kop.desc()).first()
    if line is None:
        return
    when = max(sale.date + dt.timedelta(days=rng.randint(2, 9)), now - dt.timedelta(days=1))
    doc = returns.ReturnDoc(f"demo-return-{sale.id}", f"ВЗ-{rng.randint(100, 999):06d}", when,
                            f"{sale.number} от {sale.date:%d.%m.%Y}", card=card.number, total_kop=line.sum_kop,
                            lines=[(line.article, line.brand, line.name, Decimal(line.qty), line.sum_kop)])
    returns.import_returns([doc])
