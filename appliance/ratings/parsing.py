"""Reading a customer's SMS reply as a 1-10 score. Pure: text in, a Parse out.

The rules, in order (issue 15):
1. an opt-out word (СТОП, STOP, ОТПИСАТЬСЯ...) is an opt-out, not a score;
2. «N из 5», «N/5» -> N×2; «N из 10», «N/10» -> N;
3. one number 1-10 in digits or Russian words (also in Latin transliteration, with the
   usual typos), any text around it kept as the comment; the same number twice counts once;
   a half point («8,5») is kept as given;
4. a bare «5» / «пять» alone -> 5, flagged for a person (customers often mean 5 of 5);
5. anything else (two different numbers, 0 or above 10, a time, an order number, words
   or emoji with no number) -> a person sorts it out («Разобрать»).
"""
from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

STOP_WORDS = {"стоп", "stop", "отписаться", "отписка", "отпишите", "отпишитесь", "otpisatsya", "otpiska",
              "unsubscribe", "stopall"}

# Russian number words (and what customers type instead), in Cyrillic after transliteration.
_WORDS = {
    1: ("один", "одна", "единица", "единичка", "кол"),
    2: ("два", "двойка", "двоечка", "двойку"),
    3: ("три", "тройка", "троечка", "тройку", "трояк"),
    4: ("четыре", "четыри", "четверка", "четверку", "четвёрка", "четвёрку", "читыре"),
    5: ("пять", "пят", "пятерка", "пятерку", "пятёрка", "пятёрку", "пятерочка", "пятёрочка"),
    6: ("шесть", "шест", "шестерка", "шестерку", "шестёрка"),
    7: ("семь", "сем", "семерка", "семерку", "семёрка", "семёрку"),
    8: ("восемь", "восем", "восьмерка", "восьмерку", "восьмёрка", "восьмёрку"),
    9: ("девять", "девеять", "девят", "девятка", "девятку"),
    10: ("десять", "десеть", "дисять", "десят", "десат", "десятка", "десятку", "десяточка", "десяточку"),
}
WORD_VALUES = {w: n for n, words in _WORDS.items() for w in words}
# Genitive forms after «из»: «пять из пяти», «9 из десяти».
_SCALE_WORDS = {"пяти": 5, "пять": 5, "десяти": 10, "десять": 10, "5": 5, "10": 10, "5ти": 5, "10ти": 10}

# Latin transliteration as people type it: longest first.
_TRANSLIT = [
    ("shch", "щ"), ("sch", "щ"), ("yo", "е"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ya", "я"),
    ("ja", "я"), ("yu", "ю"), ("ju", "ю"), ("ts", "ц"), ("a", "а"), ("b", "б"), ("c", "ц"), ("d", "д"),
    ("e", "е"), ("f", "ф"), ("g", "г"), ("h", "х"), ("i", "и"), ("j", "й"), ("k", "к"), ("l", "л"), ("m", "м"),
    ("n", "н"), ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("v", "в"),
    ("w", "в"), ("x", "кс"), ("y", "ы"), ("z", "з"), ("'", "ь"),
]
_LATIN_WORD = re.compile(r"[a-z']+")
_KEYCAPS = {"🔟": "10", **{f"{d}\ufe0f\u20e3": str(d) for d in range(10)}, **{f"{d}\u20e3": str(d) for d in range(10)}}
# Words around a score that are not a comment: «оценка восемь», «ставлю 9 баллов».
_FILLER = re.compile(r"^(?:моя\s+|ваша\s+|наша\s+)?(?:оценка|оцениваю|оцениваем|ставлю|ставим|на|балл(?:а|ов)?|"
                     r"ocenka|stavlyu|ball(?:a|ov)?)\b[\s,.:;!-]*|[\s,.:;!-]*\b(?:балл(?:а|ов)?|ball(?:a|ov)?)\b",
                     re.IGNORECASE)
_EDGE = " \t\r\n,.;:!?-—–()+*\"'«»"
HALF = Decimal("0.5")


@dataclasses.dataclass
class Parse:
    score: Decimal | None
    needs_person: bool
    opt_out: bool
    comment: str
    reason: str = ""  # why a person must look (Russian, for the «Разобрать» page)
    bare_five: bool = False

    def as_json(self) -> dict:
        score = None
        if self.score is not None:
            score = int(self.score) if self.score == self.score.to_integral_value() else float(self.score)
        return {"score": score, "needs_person": self.needs_person, "opt_out": self.opt_out, "comment": self.comment}


def _translit_word(word: str) -> str:
    out, i = [], 0
    while i < len(word):
        for lat, cyr in _TRANSLIT:
            if word.startswith(lat, i):
                out.append(cyr)
                i += len(lat)
                break
        else:
            out.append(word[i])
            i += 1
    return "".join(out)


def _normalize(text: str) -> str:
    """Lower case, ё -> е, keycap emoji -> digits, Latin words -> Cyrillic (same length not kept)."""
    s = (text or "").lower().replace("ё", "е")
    for cap, digits in _KEYCAPS.items():
        s = s.replace(cap, f" {digits} ")
    return _LATIN_WORD.sub(lambda m: _translit_word(m.group(0)), s)


def _clean_comment(text: str) -> str:
    s = re.sub(r"\s{2,}", " ", text).strip(_EDGE)
    for _ in range(3):
        s2 = _FILLER.sub(" ", s).strip(_EDGE)
        s2 = re.sub(r"\s{2,}", " ", s2)
        if s2 == s:
            break
        s = s2
    return re.sub(r"\s+([,.!?])", r"\1", s)


def _word_value(token: str) -> int | None:
    token = token.replace("ё", "е")
    if token in WORD_VALUES:
        return WORD_VALUES[token]
    # «десяточку», «пятерочка!»: endings customers add; also «10ку», handled as digits
    for n, words in _WORDS.items():
        if any(len(w) >= 5 and token.startswith(w) and len(token) - len(w) <= 3 for w in words if w not in ("один",)):
            return n
    return None


def parse(text: str) -> Parse:
    raw = (text or "").strip()
    s = _normalize(raw)
    words = re.findall(r"[а-яa-z']+(?:-[а-яa-z']+)*", s) + re.findall(r"[a-z']+", raw.lower())
    if any(w in STOP_WORDS for w in words):
        return Parse(None, False, True, raw, "")
    # Spans of `s` (the normalized text) taken by what was read; the comment is the rest of `raw`
    # when the lengths agree (no transliteration), else the whole reply.
    values: list[Decimal] = []
    taken: list[tuple[int, int]] = []
    odd: list[str] = []

    def take(m: re.Match) -> str:
        taken.append(m.span())
        return " " * (m.end() - m.start())

    # A time or a date («заеду в 14:45», «12.11»), a long number (order, phone): not a score.
    def odd_number(m: re.Match) -> str:
        odd.append(m.group(0))
        return take(m)

    work = re.sub(r"\b\d{1,2}[:.]\d{2}\b", odd_number, s)
    # «N из 5», «N/5», «N из 10», «N/10», «пять из пяти»
    num = r"(\d{1,3}(?:[.,]\d)?|[а-я]+)"
    scale_re = re.compile(num + r"\s*(?:из|/)\s*(10ти|5ти|10|5|пяти|десяти|пять|десять)(?![\d])")

    def scale(m: re.Match) -> str:
        left, right = m.group(1), m.group(2)
        n = _number(left)
        if n is None:
            return m.group(0)
        denom = _SCALE_WORDS[right]
        values.append(n * 2 if denom == 5 else n)
        if n > denom or n <= 0:
            odd.append(m.group(0))
        return take(m)

    work = scale_re.sub(scale, work)
    work = re.sub(r"\d+(?:[.,]\d+)?", lambda m: _digits(m, values, odd, take), work)
    for m in re.finditer(r"[а-я]+", work):
        n = _word_value(m.group(0))
        if n is not None:
            values.append(Decimal(n))
            take(m)
    distinct = sorted(set(values))
    comment_src = raw if len(raw) == len(s) else None

    def comment() -> str:
        chars = list(comment_src if comment_src is not None else s)
        for a, b in taken:
            for i in range(a, b):
                chars[i] = " "
        rest = _clean_comment("".join(chars))
        # transliterated: the customer's own letters, unless only the score was there
        return rest if comment_src is not None or not rest else raw

    if odd:
        kind = "время, дата или номер" if any(re.search(r"[:.]\d{2}$|\d{3,}", o) for o in odd) else "число вне 1-10"
        return Parse(None, True, False, raw, f"в ответе {kind}: «{odd[0].strip()}»")
    if not distinct:
        return Parse(None, True, False, raw, "в ответе нет оценки")
    if len(distinct) > 1:
        shown = ", ".join(format_score(v) for v in distinct)
        return Parse(None, True, False, raw, f"в ответе разные числа: {shown}")
    score = distinct[0]
    if score < 1 or score > 10:
        return Parse(None, True, False, raw, f"число вне 1-10: {format_score(score)}")
    if score % HALF != 0:
        return Parse(None, True, False, raw, f"непонятная дробная оценка: {format_score(score)}")
    rest = comment()
    if score == 5 and not re.search(r"[0-9a-zа-я]", rest.lower()) and not _was_scaled(s):
        return Parse(score, True, False, rest, "просто «5»: может быть 5 из 5, то есть 10", bare_five=True)
    return Parse(score, False, False, rest)


def _was_scaled(s: str) -> bool:
    return bool(re.search(r"(?:из|/)\s*(?:5|пяти|10|десяти)", s))


def _number(token: str) -> Decimal | None:
    token = token.strip()
    if re.fullmatch(r"\d{1,3}(?:[.,]\d)?", token):
        return Decimal(token.replace(",", "."))
    n = _word_value(token)
    return Decimal(n) if n is not None else None


def _digits(m: re.Match, values: list, odd: list, take) -> str:
    token = m.group(0)
    if re.fullmatch(r"\d{1,2}(?:[.,]\d)?", token):
        value = Decimal(token.replace(",", "."))
        if 1 <= value <= 10:
            values.append(value)
        else:
            odd.append(token)
    else:
        odd.append(token)
    return take(m)


def format_score(value) -> str:
    """8.5 -> «8,5», 10.0 -> «10»: a score as the shop writes it."""
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral_value() else str(value).replace(".", ",")
