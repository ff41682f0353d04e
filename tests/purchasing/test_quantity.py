import pytest

from appliance.purchasing.quantity import SalesStats, compute_need, is_high_price, median_best_price


def test_steady_sales_known_arithmetic():
    # 2 a day for 8 weeks = 14 a week; 7 days lead + 7 days review -> 28 to cover
    stats = SalesStats.from_daily([2] * 56)
    need = compute_need(stats, on_hand=5, lead_days=7, review_days=7, pack=1)
    assert stats.avg_daily == 2 and stats.std_daily == 0
    assert need.order_up_to == 28 and need.reorder_point == 14
    assert need.order and need.qty == 23
    assert "продано 112 шт. за 56 дн. (14 в неделю)" in need.reasoning
    assert "поставка 7 дн. + до следующей проверки 7 дн." in need.reasoning
    assert need.reasoning.endswith("заказать 23")


def test_variable_demand_adds_safety_stock():
    stats = SalesStats.from_daily([0, 4] * 28)  # still 2 a day, but lumpy
    need = compute_need(stats, on_hand=5, lead_days=7, review_days=7, z=1.65)
    # safety = 1.65 * 2 * sqrt(14) = 12.35 -> S = ceil(28 + 12.35) = 41
    assert need.safety == pytest.approx(12.35, abs=0.01)
    assert need.order_up_to == 41 and need.qty == 36
    assert "страховой запас 12,3" in need.reasoning


def test_pack_size_rounding_and_moq():
    stats = SalesStats.from_daily([2] * 56)
    need = compute_need(stats, on_hand=5, lead_days=7, review_days=7, pack=10)
    assert need.raw_qty == 23 and need.qty == 30
    assert "кратность 10 → заказать 30" in need.reasoning
    moq = compute_need(SalesStats.from_daily([0] * 56), on_hand=0, lead_days=2, min_qty=1, moq=5)
    assert moq.qty == 5 and "минимальный заказ 5" in moq.reasoning


def test_min_qty_when_nothing_sells():
    need = compute_need(SalesStats.from_daily([0] * 56), on_hand=1, lead_days=3, min_qty=4)
    assert need.order and need.qty == 3
    assert "минимум по списку" in need.reasoning


def test_analog_and_on_order_stock_prevent_an_order():
    stats = SalesStats.from_daily([1] * 56)
    need = compute_need(stats, on_hand=0, analog_stock=10, lead_days=3, review_days=7, min_qty=2)
    assert not need.order and need.qty == 0
    assert "аналоги 10" in need.reasoning and "не заказываем" in need.reasoning
    need = compute_need(stats, on_hand=0, on_order=10, lead_days=3, review_days=7, min_qty=2)
    assert not need.order


def test_high_price_flag_against_the_median():
    quotes = [("d1", 1000), ("d1", 1200), ("d2", 1100), ("d3", 900), ("d4", 1000)]
    median = median_best_price(quotes)  # daily best: 1000, 1100, 900, 1000
    assert median == 1000
    assert is_high_price(1600, median, 1.5, days_known=4)
    assert not is_high_price(1400, median, 1.5, days_known=4)
    assert not is_high_price(5000, median, 1.5, days_known=2)  # too little history to judge
