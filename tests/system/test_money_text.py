"""Money on every page reads as a shop writes it: «1 500 ₽», «1 500,50 ₽», never «1 500,5 ₽»."""
import pytest

from web import formatting

NBSP = "\u00a0"


@pytest.mark.parametrize("kop,text", [
    (150000, f"1{NBSP}500{NBSP}₽"),
    (150050, f"1{NBSP}500,50{NBSP}₽"),
    (4339250, f"43{NBSP}392,50{NBSP}₽"),
    (256168, f"2{NBSP}561,68{NBSP}₽"),
    (5, f"0,05{NBSP}₽"),
    (-220100, f"-2{NBSP}201{NBSP}₽"),
    (None, "—"),
])
def test_money(app, kop, text):
    with app.test_request_context("/"):
        assert formatting.money(kop) == text


@pytest.mark.parametrize("kop,text", [
    (220100, f"2{NBSP}201{NBSP}₽"), (150050, f"1{NBSP}500,50{NBSP}₽"), (-150050, f"-1{NBSP}500,50{NBSP}₽"),
    (-5, f"-0,05{NBSP}₽"), (0, f"0{NBSP}₽"),
])
def test_money_outside_a_page(kop, text):
    from appliance import audit, money

    assert money.text(kop) == text == audit.money_text(kop)
