"""The parser over replies as customers write them: (text, score, needs_person, opt_out)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from appliance.ratings.parsing import parse

ROOT = Path(__file__).resolve().parents[2]
R = None  # needs a person, no score

TABLE = [
    # plain scores, digits
    ("10", 10, False, False), ("9", 9, False, False), ("1", 1, False, False), ("10!!!", 10, False, False),
    ("  8  ", 8, False, False), ("10 спасибо", 10, False, False), ("Спасибо, 10", 10, False, False),
    ("9, всё отлично", 9, False, False), ("10ка", 10, False, False), ("На 10", 10, False, False),
    ("Ставлю 9 баллов", 9, False, False), ("оценка 10", 10, False, False), ("10 👍", 10, False, False),
    ("🔟", 10, False, False), ("9️⃣", 9, False, False), ("10 10 10", 10, False, False),
    ("7, долго ждал заказ", 7, False, False), ("6 привезли не то", 6, False, False),
    ("3. Не перезвонили как обещали", 3, False, False),
    # words, with typos
    ("десять!!!", 10, False, False), ("Десять", 10, False, False), ("десятка", 10, False, False),
    ("на десяточку", 10, False, False), ("дисять", 10, False, False), ("девять", 9, False, False),
    ("оценка восемь, долго ждали", 8, False, False), ("восем", 8, False, False), ("Семь", 7, False, False),
    ("четыре, грубили", 4, False, False), ("Твёрдая девятка", 9, False, False), ("восемь из десяти", 8, False, False),
    # scales
    ("5 из 5", 10, False, False), ("5/5", 10, False, False), ("4/5", 8, False, False), ("4 из 5", 8, False, False),
    ("3 из 5 дорого", 6, False, False), ("пять из пяти", 10, False, False), ("10 из 10", 10, False, False),
    ("10/10", 10, False, False), ("9/10", 9, False, False), ("7 из 10, долго", 7, False, False),
    ("4,5 из 5", 9, False, False),
    # half points
    ("8,5", 8.5, False, False), ("8.5", 8.5, False, False), ("9,5 спасибо", 9.5, False, False),
    # Latin transliteration
    ("desyat", 10, False, False), ("Desyat!", 10, False, False), ("10 iz 10", 10, False, False),
    ("vosem", 8, False, False), ("devyat, vse ok", 9, False, False), ("spasibo 10", 10, False, False),
    # a bare five: stored as 5, flagged
    ("5", 5, True, False), ("пять", 5, True, False), ("5!", 5, True, False), ("5+", 5, True, False),
    ("Пятёрка", 5, True, False), ("на пятерку", 5, True, False),
    ("5, дорого", 5, False, False),
    # opt-outs
    ("СТОП", R, False, True), ("стоп", R, False, True), ("Stop", R, False, True), ("STOP!", R, False, True),
    ("Отписаться", R, False, True), ("отписка", R, False, True),
    # for a person
    ("заеду в 14:45", R, True, False), ("заказ 5312", R, True, False), ("Спасибо!", R, True, False),
    ("👍👍", R, True, False), ("🙂", R, True, False), ("", R, True, False), ("0", R, True, False),
    ("11", R, True, False), ("100", R, True, False), ("на все 100", R, True, False), ("6-7", R, True, False),
    ("8 или 9", R, True, False), ("7, но за заказ 10", R, True, False), ("12.11 приеду", R, True, False),
    ("а когда будут свечи?", R, True, False), ("Позвоните мне +79161234567", R, True, False),
    ("11 из 10", R, True, False), ("Всё хорошо, спасибо большое", R, True, False), ("otlichno", R, True, False),
    ("8,7", R, True, False),
]


def test_table_is_big_enough():
    assert len(TABLE) >= 60


@pytest.mark.parametrize("text,score,needs_person,opt_out", TABLE)
def test_reply(text, score, needs_person, opt_out):
    got = parse(text).as_json()
    assert (got["score"], got["needs_person"], got["opt_out"]) == (score, needs_person, opt_out), got


@pytest.mark.parametrize("text,comment", [
    ("7, долго ждал заказ", "долго ждал заказ"),
    ("оценка восемь, долго ждали", "долго ждали"),
    ("Спасибо, 10", "Спасибо"),
    ("Ставлю 9 баллов", ""),
    ("5 из 5", ""),
    ("заказ 5312", "заказ 5312"),
    ("devyat, vse ok", "devyat, vse ok"),
])
def test_comment_is_the_rest(text, comment):
    assert parse(text).comment == comment


def test_multipart_reply_joined_reads_as_one():
    long = "9. " + "Очень понравилось, что менеджер Анна сама перезвонила и подобрала аналог. " * 3
    p = parse(long)
    assert p.score == 9 and not p.needs_person and p.comment.startswith("Очень понравилось")


def test_reason_says_why_a_person_must_look():
    assert "разные числа: 6, 7" in parse("6-7").reason
    assert "14:45" in parse("заеду в 14:45").reason
    assert "5 из 5" in parse("5").reason


def test_cli_parse_prints_exactly_the_four_fields():
    out = subprocess.run([sys.executable, "-m", "appliance.cli", "ratings", "parse", "оценка восемь, долго ждали"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"score": 8, "needs_person": False, "opt_out": False, "comment": "долго ждали"}


def test_no_text_breaks_the_parser():
    """Whatever a phone sends, the parser answers (a fault here would hold the SMS on the SIM)."""
    import random

    rng = random.Random(15)
    alphabet = "0123456789 ,./:-+!?абвгдеёжзийклмнопрстуфхцчшщъыьэюяABCxyz'😀👍🔟\u20e3\ufe0f"
    words = ["из", "пять", "десять", "5", "10", "/", "iz", "desyat", "стоп", "8,5", "14:45", "заказ", "1000", "0"]
    for i in range(3000):
        text = ("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) if i % 2
                else " ".join(rng.choice(words) for _ in range(rng.randint(0, 6))))
        p = parse(text)
        assert p.score is None or 1 <= p.score <= 10
        assert p.needs_person or p.opt_out or p.score is not None
