"""Consumables: when a customer last bought each consumable, and who is due for a new one.

A consumable group (``ConsumableGroup``) matches sale lines by the product's 1C group or
by words in the line name. Intervals are in days (a shop sets them per group on the
exchange page); "due" means the last purchase is older than the interval.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee
from peewee import fn

from appliance import audit, clock
from appliance.errors import InputError
from db import write_transaction
from db.models.catalog import Product
from db.models.customers import Customer
from db.models.exchange import ConsumableGroup
from db.models.sales import Sale, SaleLine


def groups(active_only: bool = True) -> list[ConsumableGroup]:
    query = ConsumableGroup.select().order_by(ConsumableGroup.position, ConsumableGroup.name)
    if active_only:
        query = query.where(ConsumableGroup.active)
    return list(query)


def _variants(word: str) -> set[str]:
    """SQLite folds case only for ASCII, so Cyrillic words are tried as written, lower and Capitalized."""
    word = word.strip()
    return {word, word.lower(), word[:1].upper() + word[1:], word[:1].lower() + word[1:],
            word[:1].upper() + word[1:].lower()}


def _line_condition(group: ConsumableGroup):
    cond = None
    names = group.group_list
    if names:
        cond = Product.group.in_(names)
    for word in group.keyword_list:
        for variant in _variants(word):
            part = SaleLine.name.contains(variant)
            cond = part if cond is None else (cond | part)
    return cond


@dataclass
class LastBought:
    group: ConsumableGroup
    last_at: dt.datetime | None  # UTC
    due_at: dt.datetime | None

    @property
    def overdue(self) -> bool:
        return self.due_at is not None and self.due_at <= clock.utcnow()

    @property
    def days_left(self) -> int | None:
        if self.due_at is None:
            return None
        return (self.due_at - clock.utcnow()).days


def last_bought(customer: Customer) -> list[LastBought]:
    """One entry per active group, with the date of the latest purchase (or None).

    The card asks this on every open: one query for the customer's lines, matched to the
    groups here (Python folds Cyrillic case; SQLite's LIKE does not), not one query per group.
    """
    rows = (SaleLine.select(Sale.date, SaleLine.name, Product.group).join(Sale)
            .switch(SaleLine).join(Product, peewee.JOIN.LEFT_OUTER)
            .where((Sale.customer == customer.id) & (SaleLine.qty > 0)).tuples())
    lines = []
    for date, name, product_group in rows:
        if isinstance(date, str):
            date = dt.datetime.fromisoformat(date)
        lines.append((date, (name or "").casefold(), product_group))
    out = []
    for group in groups():
        names = set(group.group_list)
        words = [w.strip().casefold() for w in group.keyword_list if w.strip()]
        last = max((date for date, name, product_group in lines
                    if (product_group in names) or any(w in name for w in words)), default=None)
        due = last + dt.timedelta(days=group.interval_days) if last else None
        out.append(LastBought(group, last, due))
    return out


@dataclass
class DueCustomer:
    customer: Customer
    group: ConsumableGroup
    last_at: dt.datetime
    due_at: dt.datetime


def due_customers(group: ConsumableGroup | None = None, now: dt.datetime | None = None,
                  limit: int = 500) -> list[DueCustomer]:
    """Customers whose last purchase in a group is older than its interval (for campaigns).

    Counted in shop days: oil bought on 1 June at 19:00 with a 180-day interval is due
    all day on 28 November, not from 19:00."""
    now = now or clock.utcnow()
    out: list[DueCustomer] = []
    for grp in [group] if group else groups():
        cond = _line_condition(grp)
        if cond is None:
            continue
        last = fn.MAX(Sale.date)
        cutoff = clock.day_start(clock.shop_date(now) - dt.timedelta(days=grp.interval_days - 1))
        rows = (Sale.select(Sale.customer, last.alias("last_at")).join(SaleLine)
                .join(Product, peewee.JOIN.LEFT_OUTER)
                .where(Sale.customer.is_null(False) & (SaleLine.qty > 0) & cond)
                .group_by(Sale.customer)
                .having(last < cutoff)
                .order_by(last).limit(limit).tuples())
        ids = {cid: at for cid, at in rows}
        customers = {c.id: c for c in Customer.select().where(
            Customer.id.in_(list(ids)) & Customer.deleted_at.is_null() & Customer.merged_into.is_null())}
        for cid, at in ids.items():
            if cid in customers:
                at = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
                out.append(DueCustomer(customers[cid], grp, at, at + dt.timedelta(days=grp.interval_days)))
    out.sort(key=lambda d: d.due_at)
    return out


def update_group(group: ConsumableGroup, actor, **values) -> ConsumableGroup:
    days = values.get("interval_days")
    if days is not None and (not isinstance(days, int) or not 1 <= days <= 3650):
        raise InputError("Интервал замены — число дней от 1 до 3650.", "interval_days")
    with write_transaction():
        changes = audit.diff(group, values)
        for key, value in values.items():
            setattr(group, key, value)
        group.save()
        if changes:
            audit.record(actor, "update", group, changes)
    return group
