"""The period a person picks, the two it is compared with, growth, and the refusals."""
from __future__ import annotations

import datetime as dt

import pytest

from appliance.analytics import period
from appliance.errors import InputError

TODAY = dt.date(2026, 11, 24)


def spans(p):
    return [(x.first, x.last) for x in (p, p.previous(), p.year_ago())]


def test_this_month_is_compared_with_the_same_days_before():
    p = period.make("month", today=TODAY)
    assert spans(p) == [(dt.date(2026, 11, 1), TODAY), (dt.date(2026, 10, 1), dt.date(2026, 10, 24)),
                        (dt.date(2025, 11, 1), dt.date(2025, 11, 24))]


def test_last_month_whole_months():
    p = period.make("last_month", today=dt.date(2026, 3, 10))
    assert spans(p) == [(dt.date(2026, 2, 1), dt.date(2026, 2, 28)), (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
                        (dt.date(2025, 2, 1), dt.date(2025, 2, 28))]


def test_quarter_year_and_custom():
    assert spans(period.make("quarter", today=TODAY))[:2] == [(dt.date(2026, 10, 1), TODAY),
                                                              (dt.date(2026, 7, 1), dt.date(2026, 8, 24))]
    assert spans(period.make("year", today=TODAY))[1] == (dt.date(2025, 1, 1), dt.date(2025, 11, 24))
    p = period.make("custom", "10.11.2026", "2026-11-19", today=TODAY)
    assert spans(p) == [(dt.date(2026, 11, 10), dt.date(2026, 11, 19)), (dt.date(2026, 10, 31), dt.date(2026, 11, 9)),
                        (dt.date(2025, 11, 10), dt.date(2025, 11, 19))]
    leap = period.make("custom", "29.02.2028", "29.02.2028", today=TODAY)
    assert leap.year_ago().first == dt.date(2027, 2, 28)


@pytest.mark.parametrize(("kind", "first", "last", "message"), [
    ("custom", "20.11.2026", "10.11.2026", "Период перевёрнут: «с» 20.11.2026 позже, чем «по» 10.11.2026."),
    ("custom", "01.01.2000", "01.01.2026", "Период длиннее 20 лет: выберите короче."),
    ("custom", "0001-01-01", "01.01.2026", "Дата 01.01.0001: магазин считает с 2000 по 2100 год."),
    ("custom", "вчера", "10.11.2026", "Дата «вчера»: нужно вида 22.11.2026."),
    ("custom", "", "10.11.2026", "Для своего периода укажите обе даты: с и по."),
    ("decade", "", "", "Период «decade» не знаю: выберите месяц, квартал, год или свой."),
])
def test_refusals(kind, first, last, message):
    with pytest.raises(InputError) as exc:
        period.make(kind, first, last, today=TODAY)
    assert exc.value.message == message


def test_growth_never_divides_by_zero():
    assert period.growth(150, 100) == 50.0
    assert period.growth(50, -100) == 150.0
    assert period.growth(10, 0) is None and period.growth(None, 10) is None and period.growth(10, None) is None
