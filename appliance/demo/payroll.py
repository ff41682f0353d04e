"""Demo payroll: this month's and last month's plans for the demo managers, set near what each
sold that month (so KPIs land around 0.8-1.2), one manager paid per shift with shifts, a few
bonus cards sold this month (sale lines of the «Бонусные карты» group), and last month closed
with one correction line."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from appliance import parts, settings
from appliance.clock import local_to_utc, shop_date
from appliance.payroll import closing, kpi, plans
from appliance.payroll.plans import Month
from db.models.catalog import Product
from db.models.sales import Sale, SaleLine
from db.models.staff import Staff

CARD_PRICE_KOP = 50_000


def _cards(rng: random.Random, month: Month, today: dt.date) -> None:
    """Bonus cards sold on some of this and last month's receipts."""
    group = (settings.get().get("payroll", "bonus_card_groups") or "Бонусные карты").split(",")[0].strip()
    card = Product.create(article="BK-500", article_key=parts.article_key("BK-500"), name="Бонусная карта",
                          group=group, price_kop=CARD_PRICE_KOP)
    start = local_to_utc(dt.datetime.combine(month.shifted(-1).first, dt.time()))
    for sale in Sale.select().where(Sale.kind == "parts", Sale.date >= start, Sale.manager.is_null(False)):
        if shop_date(sale.date) <= today and rng.random() < 0.25:
            SaleLine.create(sale=sale, product=card, article=card.article, name=card.name, qty=1,
                            price_kop=CARD_PRICE_KOP, sum_kop=CARD_PRICE_KOP)
            Sale.update(total_kop=Sale.total_kop + CARD_PRICE_KOP).where(Sale.id == sale.id).execute()


def _round(kop: int, step: int = 1_000_000) -> int:
    """To whole 10 000 ₽: plans are round numbers."""
    return max(step, (kop + step // 2) // step * step)


def build(rng: random.Random, now: dt.datetime) -> None:
    today = shop_date(now)
    month = Month(today.year, today.month)
    owner = Staff.get_or_none(Staff.role == "owner")
    managers = list(Staff.select().where(Staff.role == "manager").order_by(Staff.id))
    if owner is None or not managers:
        return
    _cards(rng, month, today)
    for m in (month.shifted(-1), month):
        # plans near each manager's pace of that month, so KPIs land around 0.8-1.2
        seen = kpi.month_figures(m, today)
        pace = Decimal(seen.shop_days_total) / max(1, seen.shop_days_elapsed)
        shop_plan = _round(int(seen.shop_kop * pace * Decimal("1.05")))
        for i, person in enumerate(managers):
            sold = seen.row_of(person.id).facts if seen.row_of(person.id) else kpi.Facts()
            factor = Decimal(rng.choice(["0.85", "1.0", "1.15"]))
            form = {"base_kind": "month", "base": str(rng.choice([25_000, 30_000, 35_000])),
                    "parts_percent": rng.choice(["3", "4", "5"]), "repairs_percent": "2",
                    "plan_shop": str(shop_plan // 100),
                    "plan_personal": str(_round(int(sold.personal_kop * pace * factor)) // 100),
                    "plan_check": str(_round(int((sold.average_check_kop or 300_000) * factor), 50_000) // 100),
                    "plan_cards": str(max(2, int(sold.cards * pace * factor)))}
            if i == len(managers) - 1:  # the last one works shifts, two days on, two off
                form.update(base_kind="shift", base="1 800",
                            shifts=", ".join(f"{d}-{d + 1}" if d < m.last.day else str(d)
                                             for d in range(1, m.last.day + 1, 4)))
            plans.save_plan(m, person.id, plans.parse_plan(form, m), owner)
    # last month is closed, with one correction line, so the snapshot page has something to show
    closing.close_month(month.shifted(-1), owner)
    closing.add_correction(month.shifted(-1), managers[0].id, 150_000, "премия за инвентаризацию", owner)
