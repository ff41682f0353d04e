"""Figures 1-7 and 10 on the hand-computed shop of conftest.py (the numbers are worked out there)."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from appliance.analytics import customers, dashboard, orders, sales, workshop
from appliance.analytics.period import Period
from tests.analytics.conftest import NOVEMBER, at
from tests.conftest import configure_settings

pytestmark = pytest.mark.clock
OCTOBER = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
NOV_2025 = Period(dt.date(2025, 11, 1), dt.date(2025, 11, 30))


def test_customers_total_active_new(shop):
    # total: A B C D (E is deleted); active within 12 months of 30.11.2026: A B C (D last bought 01.03.2025)
    assert customers.summary(NOVEMBER) == {"total": 4, "active": 3, "new": 2}
    # 31.10.2026: A and D exist; only A bought within 01.11.2025-31.10.2026
    assert customers.summary(OCTOBER) == {"total": 2, "active": 1, "new": 0}
    # 30.11.2025: A (10.11.2025) and D (01.03.2025) both active
    assert customers.summary(NOV_2025) == {"total": 2, "active": 2, "new": 0}
    assert customers.new_by_manager(NOVEMBER) == [("Петров И.", 1), ("Соколова А.", 1)]
    assert customers.by_source(NOVEMBER) == [("Авито", 1), ("Яндекс Карты", 1)]
    assert customers.summary(NOVEMBER, shop["manager"].id) == {"total": 2, "active": 2, "new": 1}


def test_active_months_is_a_setting(shop, settings):
    configure_settings(settings.var_dir, analytics={"active_months": "24"})
    assert customers.summary(NOVEMBER)["active"] == 4  # D's 01.03.2025 is now inside the window


def test_active_customers_by_month(shop):
    points = dict(customers.active_by_month(NOVEMBER.last, 3))
    # 30.09: only A (10.11.2025; D's 01.03.2025 is before 01.10.2025); 31.10: A; 30.11: A B C
    assert points == {dt.date(2026, 9, 1): 1, dt.date(2026, 10, 1): 1, dt.date(2026, 11, 1): 3}


def test_sums_checks_average_and_frequency(shop):
    s = sales.summary(NOVEMBER)
    # parts 3000 + 1000 + 2000 + 500 − 500 + 1500 = 7 500 ₽; checks: the −500 correction is none -> 5
    assert (s["parts_kop"], s["parts_checks"], s["repair_kop"], s["repair_checks"]) == (750_000, 5, 1_000_000, 1)
    # average check over checks: (3000 + 1000 + 2000 + 500 + 1500) / 5 = 1 600 ₽
    assert (s["parts_avg_kop"], s["repair_avg_kop"], s["total_kop"]) == (160_000, 1_000_000, 1_750_000)
    # frequency: 4 checks of known customers (A A B C) / 3 buyers
    assert s["parts_buyers"] == 3 and s["parts_frequency"] == pytest.approx(4 / 3)
    october = sales.summary(OCTOBER)
    assert (october["parts_kop"], october["parts_avg_kop"], october["repair_avg_kop"]) == (200_000, 200_000, None)


def test_per_customer_manager_and_model(shop):
    top = sales.by_customer(NOVEMBER)
    assert [(r["name"], r["total_kop"], r["parts_checks"]) for r in top] == [
        ("Белов Сергей", 1_200_000, 1), ("Ковалёв Андрей", 400_000, 2), ("Смирнова Ольга", 0, 1)]
    managers = {r["name"]: (r["parts_kop"], r["parts_checks"], r["parts_avg_kop"], r["repair_avg_kop"])
                for r in sales.by_manager(NOVEMBER)}
    assert managers == {"Соколова А.": (400_000, 2, 200_000, 1_000_000), "Петров И.": (200_000, 2, 125_000, None),
                        "без менеджера": (150_000, 1, 150_000, None)}
    models = [(r["car"], r["total_kop"], r["parts_avg_kop"], r["repair_avg_kop"], r["frequency"], r["margin_kop"])
              for r in sales.by_model(NOVEMBER)]
    # B's repair goes to the work order's Haval; C has no car; the anonymous receipt has none either
    assert models == [("Haval Jolion", 1_200_000, 200_000, 1_000_000, 1.0, None),
                      ("Chery Tiggo 4", 400_000, 200_000, None, 2.0, None),
                      ("автомобиль не указан", 150_000, 100_000, None, 1.0, None)]


def test_revenue_by_week(shop):
    weeks = {w: (p, r) for w, p, r in sales.by_week(NOVEMBER)}
    assert weeks[dt.date(2026, 11, 2)] == (500_000, 0)  # 03.11 3000, 06.11 2000
    assert weeks[dt.date(2026, 11, 9)] == (50_000, 1_000_000)  # 10.11 repair, Sunday 15.11 500
    assert weeks[dt.date(2026, 11, 16)] == (200_000, 0)  # 16.11 −500, 18.11 1500, 20.11 1000
    assert weeks[dt.date(2026, 10, 26)] == (0, 0) and sum(p for p, _ in weeks.values()) == 750_000


def test_shop_and_workshop(shop):
    w = customers.workshop_summary(NOVEMBER)
    # parts buyers A B C; only B repaired here -> 1/3; A and C never did
    assert (w["parts_buyers"], w["parts_only"]) == (3, 2)
    assert w["workshop_share_pct"] == pytest.approx(100 / 3)
    assert [row[0] for row in customers.parts_only_table(NOVEMBER).rows] == ["Ковалёв Андрей", "Смирнова Ольга"]
    # new in November: B (2000 + 10000) and C (500 − 500) -> (12 000 + 0) / 2 = 6 000 ₽
    fy = customers.first_year(NOVEMBER)
    assert (fy.customers, fy.parts_kop, fy.repair_kop, fy.average_kop, fy.complete) == (2, 200_000, 1_000_000, 600_000,
                                                                                        False)


def test_workshop_conversion_and_bay_load(shop):
    w = workshop.summary(NOVEMBER)
    # two finished inspections, one led to a repair
    assert (w["inspections"], w["converted"], w["conversion_pct"]) == (2, 1, 50.0)
    # 1 + 3 + 1 h = 300 min over 4 bays × 660 min × 25 working days (Mon-Sat; five Sundays) = 66 000
    assert workshop.working_days(NOVEMBER) == 25
    assert w["bay_load_pct"] == pytest.approx(300 / 66_000 * 100)


def test_orders_are_the_orders_report(shop):
    from db import write_transaction
    from db.models.orders import Order, OrderLine

    def order(manager, prepay, status, arrived, issued=None, promised=None):
        with write_transaction():
            o = Order.create(customer=shop["a"], manager=manager, created_at=at("02.11.2026"),
                             updated_at=at("02.11.2026"), prepayment_kop=prepay, promised_date=promised,
                             issued_at=at(issued) if issued else None)
            OrderLine.create(order=o, article="X1", article_key="X1", status=status, price_kop=100_00,
                             arrived_at=at(arrived), status_at=at(arrived), created_at=at("02.11.2026"))

    order(shop["manager"], 500_00, "issued", "05.11.2026", "06.11.2026")  # 4 days, prepaid, bought out
    order(shop["manager"], 0, "arrived", "10.11.2026", promised=dt.date(2026, 11, 8))  # late, on the shelf
    order(shop["petrov"], 0, "issued", "12.11.2026", "14.11.2026")  # 12 days
    o = orders.summary(NOVEMBER)
    assert (o["buyout_pct"], o["buyout_prepaid_pct"], o["buyout_no_prepay_pct"]) == (pytest.approx(200 / 3), 100.0,
                                                                                     50.0)
    assert (o["avg_days"], o["on_time_pct"], o["shelf_orders"]) == (8.0, pytest.approx(200 / 3), 1)
    mine = orders.summary(NOVEMBER, shop["manager"].id)
    assert (mine["buyout_pct"], mine["on_time_pct"], mine["shelf_orders"]) == (50.0, 50.0, 1)


def test_dashboard_compares_and_never_divides_by_zero(shop):
    d = dashboard.build(NOVEMBER)
    fig = {f.label: f for t in d.tiles for f in t.figures if t.key != "check"}
    parts = fig["Запчасти"]
    assert (parts.value, parts.prev, parts.ago) == (750_000, 200_000, 100_000)
    assert parts.growth_prev == pytest.approx(275.0) and parts.growth_ago == pytest.approx(650.0)
    assert fig["Ремонты"].growth_prev is None  # no repairs in October: «—», not a number
    assert fig["Новых за период"].growth_prev is None
    tiles = {t.key: t for t in d.tiles}
    assert tiles["calls"].placeholder is None
    assert tiles["campaigns"].placeholder.startswith("Рассылок ещё нет")
    assert [r[0] for r in tiles["sales"].table.rows] == ["Haval Jolion", "Chery Tiggo 4"]  # «не указан» is no model
    assert set(d.charts) == {"revenue", "active", "check", "ratings"}
    assert all(svg.startswith("<svg") and "http" not in svg.replace("http://www.w3.org", "") for svg in d.charts.values())


def test_a_managers_own_figures(shop):
    d = dashboard.build(NOVEMBER, shop["manager"].id)
    assert "workshop" not in [t.key for t in d.tiles]
    fig = {(t.key, f.label): f.value for t in d.tiles for f in t.figures}
    assert fig[("sales", "Запчасти")] == 400_000 and fig[("sales", "Ремонты")] == 1_000_000
    assert fig[("customers", "Новых за период")] == 1 and fig[("check", "Запчасти")] == 200_000


def test_an_empty_period(db, staff, shop_clock):
    d = dashboard.build(Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    fig = {f.label: f for t in d.tiles for f in t.figures if t.key != "sales"}
    assert fig["Покупок запчастей на покупателя"].value is None and fig["Чеков запчастей"].value == 0
    assert fig["Запчасти"].value is None and fig["Запчасти"].growth_prev is None
    assert fig["Ремонт"].value is None and fig["Выкуп"].value is None and fig["Средняя оценка"].value is None


def test_cli(shop, capsys):
    from appliance.cli import main as cli_main

    assert cli_main(["analytics", "show", "--period", "custom", "--from", "01.11.2026", "--to", "30.11.2026",
                     "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    figs = {(t["key"], f["label"]): f for t in data["tiles"] for f in t["figures"]}
    assert figs[("sales", "Запчасти")]["value"] == 750_000 and figs[("sales", "Запчасти")]["growth_previous_pct"] == 275.0
    assert figs[("sales", "Ремонты")]["growth_previous_pct"] is None
    assert cli_main(["analytics", "show", "--period", "custom", "--from", "30.11.2026", "--to", "01.11.2026"]) == 2
    assert "Период перевёрнут" in capsys.readouterr().err
    assert cli_main(["analytics", "show", "--period", "last_month"]) == 0
    assert "Рассылок ещё нет" in capsys.readouterr().out


def test_the_calls_tile_is_the_calls_areas_metrics(shop):
    """Three incoming calls in November (two answered by the manager, waits 10 and 30 s, talks 60 and
    120 s; one missed and never called back) and one in October: the tile counts November's."""
    from db.models.calls import PhoneCall

    def call(lid, start, wait, talk=None, who=None):
        PhoneCall.create(linkedid=lid, direction="in", number="+79990000001", started_at=start,
                         answered_at=start + dt.timedelta(seconds=wait) if talk is not None else None,
                         ended_at=start + dt.timedelta(seconds=wait + (talk or 0)), answered_by=who,
                         result="answered" if talk is not None else "missed")

    manager = shop["manager"]
    call("n1", dt.datetime(2026, 11, 3, 9), 10, 60, manager)
    call("n2", dt.datetime(2026, 11, 4, 9), 30, 120, manager)
    call("n3", dt.datetime(2026, 11, 5, 17), 40)
    call("o1", dt.datetime(2026, 10, 5, 9), 5, 10, manager)
    d = dashboard.build(NOVEMBER, with_charts=False)
    calls = {f.label: f for t in d.tiles if t.key == "calls" for f in t.figures}
    assert calls["Принято звонков"].value == 3 and calls["Принято звонков"].prev == 1
    assert calls["Пропущено"].value == 1 and calls["Пропущено и не перезвонили"].value == 1
    assert calls["Среднее ожидание, с"].value == 20 and calls["Средний разговор, с"].value == 90
    own = dashboard.build(NOVEMBER, manager.id, with_charts=False)
    assert {f.label: f.value for t in own.tiles if t.key == "calls" for f in t.figures}["Пропущено"] == 0
