"""Facts, plan to date, KPIs, coefficients and pay against the hand-computed November dataset
(tests/payroll/conftest.py). November 2026, Mon-Sat: 25 working days; on 10.11 8 have passed."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from appliance.payroll import kpi, plans
from appliance.payroll.plans import Month
from tests.payroll.conftest import NOVEMBER, sale

pytestmark = pytest.mark.clock


def test_shop_days_and_facts(november):
    assert len(plans.shop_days(NOVEMBER)) == 25
    fig = kpi.month_figures(NOVEMBER)
    assert (fig.shop_days_total, fig.shop_days_elapsed) == (25, 8)
    assert fig.shop_kop == 122_000_00  # 95 000 + 10 000 + 12 000 + 5 000
    assert fig.unassigned_kop == 5_000_00  # the sale with no manager counts for the shop only
    anna = fig.row_of(november["anna"].id).facts
    assert (anna.parts_kop, anna.repairs_kop, anna.personal_kop) == (80_000_00, 15_000_00, 95_000_00)
    assert anna.checks == 3  # the return is no receipt
    assert anna.average_check_kop == 31_666_67
    assert anna.cards == 2
    assert fig.row_of(november["petrov"].id).facts.personal_kop == 10_000_00  # 31.10 23:30 Moscow is October


def test_kpis_coefficient_and_pay(november):
    row = kpi.month_figures(NOVEMBER).row_of(november["anna"].id)
    shop, personal, check, cards = (row.kpi(k) for k in ("shop", "personal", "check", "cards"))
    assert shop.plan_to_date == Decimal(320_000_00)  # 1 000 000 × 8 / 25
    assert (shop.ratio, shop.coefficient) == (Decimal("0.381"), Decimal("0.5"))  # 122 000 / 320 000
    assert personal.plan_to_date == Decimal(80_000_00)  # 250 000 × 8 / 25
    assert (personal.ratio, personal.coefficient) == (Decimal("1.188"), Decimal("1.1"))  # 95 000 / 80 000
    assert (check.ratio, check.coefficient) == (Decimal("1.056"), Decimal("1.0"))  # 31 666,67 / 30 000
    assert cards.plan_to_date == Decimal(8)  # 25 × 8 / 25
    assert (cards.ratio, cards.coefficient) == (Decimal("0.250"), Decimal("0.5"))
    assert row.coefficient == Decimal("0.840")  # (1×0.5 + 2×1.1 + 1×1.0 + 1×0.5) / 5
    assert row.base_to_date_kop == 9_600_00  # 30 000 × 8 / 25
    assert row.percent_to_date_kop == 4_450_00  # 80 000 × 5 % + 15 000 × 3 %
    assert row.pay_to_date_kop == 13_338_00  # 9 600 + 4 450 × 0.84
    assert row.pay_forecast_kop == 41_681_25  # 30 000 + 4 450 × 25 / 8 × 0.84
    assert personal.left == 155_000_00  # 250 000 − 95 000


def test_manager_who_left_mid_month(november):
    row = kpi.month_figures(NOVEMBER).row_of(november["kuzmina"].id)
    assert (row.days_total, row.days_elapsed) == (5, 5)  # 2-6.11
    personal = row.kpi("personal")
    assert personal.plan_to_date == Decimal(20_000_00)  # 100 000 × 5 / 25: leaving does not bring the plan forward
    assert (personal.ratio, personal.coefficient) == (Decimal("0.600"), Decimal("0.6"))
    assert row.coefficient == Decimal("0.600")  # the only KPI with a plan
    assert row.pay_to_date_kop == 4_360_00  # 20 000 × 5 / 25 + 12 000 × 5 % × 0.6
    assert row.pay_forecast_kop == row.pay_to_date_kop  # nothing more to come
    assert row.status == "работал(а) по 06.11.2026"


def test_no_plan_month_and_manager(november):
    fig = kpi.month_figures(NOVEMBER)
    petrov = fig.row_of(november["petrov"].id)
    assert petrov.status == "план не задан" and petrov.pay_to_date_kop is None and petrov.coefficient is None
    december = kpi.month_figures(Month(2026, 12))
    assert december.not_started
    assert december.row_of(november["anna"].id).status == "план не задан"
    assert all(r.pay_to_date_kop is None for r in december.rows)


def test_future_month_with_a_plan_divides_by_nothing(november):
    dec = Month(2026, 12)
    plans.save_plan(dec, november["anna"].id, plans.parse_plan({"base": "30000", "plan_personal": "100000"}, dec),
                    november["owner"])
    row = kpi.month_figures(dec).row_of(november["anna"].id)
    assert row.kpi("personal").ratio is None and row.pay_to_date_kop == 0
    assert row.status == "месяц ещё не начался" and row.pay_forecast_kop == 30_000_00


def test_shifts_count_for_base_per_shift(november):
    plans.save_plan(NOVEMBER, november["petrov"].id, plans.parse_plan(
        {"base_kind": "shift", "base": "2 000", "shifts": "2-4, 9, 12, 14", "plan_personal": "60 000"}, NOVEMBER),
        november["owner"])
    row = kpi.month_figures(NOVEMBER).row_of(november["petrov"].id)
    assert (row.days_total, row.days_elapsed) == (6, 4)  # shifts 2, 3, 4, 9 have passed
    assert row.base_to_date_kop == 8_000_00 and row.pay_forecast_kop == 12_000_00
    assert row.kpi("personal").plan_to_date == Decimal(40_000_00)  # 60 000 × 4 / 6


def test_returns_beyond_sales_pay_no_negative_percent(november):
    sale(november["kuzmina"], dt.datetime(2026, 11, 5, 10), (-30_000,))
    row = kpi.month_figures(NOVEMBER).row_of(november["kuzmina"].id)
    assert row.facts.personal_kop == -18_000_00
    assert row.percent_to_date_kop == 0 and row.pay_to_date_kop == 4_000_00


def test_scale_lookup(settings):
    scale = plans.default_scale()
    got = [scale.coefficient(Decimal(x)) for x in ("0", "0.49", "0.5", "0.7", "0.95", "1.0", "1.19", "1.2", "3")]
    assert got == [Decimal(x) for x in ("0.5", "0.5", "0.6", "0.8", "0.9", "1.0", "1.1", "1.2", "1.2")]
