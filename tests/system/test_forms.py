"""The input parsers every view and rule uses: what they accept and the Russian refusals."""
from decimal import Decimal

import pytest

from appliance import forms
from appliance.errors import InputError


@pytest.mark.parametrize("raw,expected", [("12", 12), (" 1 500 ", 1500), ("", None), (None, None), (7, 7)])
def test_whole_accepts_what_people_type(raw, expected):
    assert forms.whole(raw, "qty", "Количество", 0, 10_000) == expected


@pytest.mark.parametrize("raw,message", [
    ("abc", "Количество: «abc» — не число; нужно целое число"), ("1e308", "не число"), ("NaN", "не число"),
    ("²", "не число"), ("1.5", "не число"), ("-1", "Количество: от 0 до 10\u00a0000."),
    (str(10**23), "от 0 до 10\u00a0000"), ("9" * 5000, "от 0 до 10\u00a0000")])
def test_whole_refuses_junk_and_out_of_range(raw, message):
    with pytest.raises(InputError) as exc:
        forms.whole(raw, "qty", "Количество", 0, 10_000)
    assert message in exc.value.message and exc.value.field == "qty"


@pytest.mark.parametrize("raw", ["NaN", "sNaN", "-nan", "Infinity", "-inf", "1e308", "1" * 40, "½"])
def test_number_never_lets_nan_or_infinity_through(raw):
    with pytest.raises(InputError):
        forms.number(raw, "norm_hours", "Нормо-часы", 0, 1000)


def test_number_reads_commas_and_spaces_and_knows_an_open_lower_bound():
    assert forms.number("1 500,25", "price", "Цена", 0, 10_000) == Decimal("1500.25")
    assert forms.number("", "price", "Цена", 0, 10, default=Decimal(1)) == 1
    with pytest.raises(InputError) as exc:
        forms.number("0", "qty", "Количество", 0, 1000, above_lo=True)
    assert exc.value.message == "Количество: больше 0 до 1\u00a0000."


def test_text_trims_and_has_a_maximum():
    assert forms.text("  Chery \n Tiggo  ", "make", "Марка", 60) == "Chery Tiggo"
    assert forms.text(" строка 1\nстрока 2 ", "notes", "Заметки", 100, multiline=True) == "строка 1\nстрока 2"
    with pytest.raises(InputError) as exc:
        forms.text("Ч" * 20000, "make", "Марка", 60)
    assert exc.value.message == "Марка: не длиннее 60 знаков (сейчас 20\u00a0000)."
    with pytest.raises(InputError):
        forms.text("  ", "name", "Имя", required=True)


def test_ids_fit_64_bits_and_are_ascii_digits():
    assert forms.row_id("42") == 42 and forms.row_id(str(2**63 - 1)) == 2**63 - 1
    for junk in ("", None, "0", "-1", "abc", "1e3", "²", "٣", str(2**63), str(10**23)):
        assert forms.row_id(junk) is None, junk
    assert forms.row_ids(["1", "x", "3", str(10**23)]) == [1, 3]
    assert forms.ref("", "bay", "Пост") is None
    with pytest.raises(InputError) as exc:
        forms.ref(str(10**23), "bay", "Пост")
    assert exc.value.message == "Пост: выберите из списка."


def test_choice_and_keep():
    assert forms.choice("", "kind", "Тип", ("person", "company"), default="person") == "person"
    with pytest.raises(InputError):
        forms.choice("robot", "kind", "Тип", ("person", "company"))
    assert not forms.KEEP and repr(forms.KEEP) == "KEEP"
