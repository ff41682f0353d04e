"""Code 128 (ISO/IEC 15417): symbol values, bar patterns, and a decoder for run lengths.

Written here rather than pulled from a barcode package because every printer language
needs the same symbol values: ZPL gets them as explicit subset codes (``>:``, ``>;``,
``>5``, ``>6``) so the printed bars are exactly the ones our preview draws, and the
simulator and the tests decode bars back to text with the same table.
"""

from __future__ import annotations

# Bar/space widths in modules for values 0..105, then STOP (106, 7 elements).
PATTERNS = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 "
    "221312 231212 112232 122132 122231 113222 123122 123221 223211 221132 "
    "221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 "
    "231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 "
    "231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 "
    "111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 "
    "114131 311141 411131 211412 211214 211232 2331112"
).split()

CODE_C, CODE_B, CODE_A = 99, 100, 101
START_A, START_B, START_C, STOP = 103, 104, 105, 106
QUIET_ZONE_MODULES = 10


class Code128Error(ValueError):
    """The text cannot be put in a Code 128 symbol (or bars do not decode)."""


def _digit_run(text: str, i: int) -> int:
    n = 0
    while i + n < len(text) and text[i + n].isdigit():
        n += 1
    return n


def encode(text: str) -> list[int]:
    """Symbol values (start, data, check digit, stop) for printable ASCII text.

    Uses subset C for runs of digits (4+ in the middle, 2+ at the start/end of the text
    when that saves symbols) and subset B for everything else, as printers do in their
    automatic mode. Control characters (subset A) are not needed for labels.
    """
    if not text:
        raise Code128Error("пустой штрихкод")
    for ch in text:
        if not (32 <= ord(ch) <= 126):
            raise Code128Error(f"символ {ch!r} нельзя закодировать в Code 128 (только латиница и цифры)")
    values: list[int] = []
    subset = ""
    i = 0
    while i < len(text):
        run = _digit_run(text, i)
        at_start = i == 0
        at_end = i + run == len(text)
        use_c = run >= 4 or (run >= 2 and at_start and at_end)
        if use_c:
            pairs = run // 2
            # With an odd run, the lone digit goes first in subset B at the start,
            # otherwise last (after the pairs) in subset B.
            if run % 2 and at_start:
                if not subset:
                    values.append(START_B)
                    subset = "B"
                values.append(ord(text[i]) - 32)
                i += 1
            if subset != "C":
                values.append(START_C if not subset else CODE_C)
                subset = "C"
            for _ in range(pairs):
                values.append(int(text[i:i + 2]))
                i += 2
            continue
        if subset != "B":
            values.append(START_B if not subset else CODE_B)
            subset = "B"
        values.append(ord(text[i]) - 32)
        i += 1
    check = values[0] + sum(pos * v for pos, v in enumerate(values[1:], start=1))
    values.append(check % 103)
    values.append(STOP)
    return values


def modules(values: list[int]) -> list[bool]:
    """Module row (True = bar) for the symbol values, without quiet zones."""
    row: list[bool] = []
    for v in values:
        bar = True
        for w in PATTERNS[v]:
            row.extend([bar] * int(w))
            bar = not bar
    return row


def module_count(text: str) -> int:
    return len(modules(encode(text)))


_BY_PATTERN = {p: v for v, p in enumerate(PATTERNS)}


def decode_runs(runs: list[int]) -> str:
    """Text from bar/space run lengths (in pixels, starting with a bar) of one scan line.

    The module width is taken from the start character (11 modules), so any whole
    pixels-per-module scale decodes.
    """
    if len(runs) < 6 * 3 + 7:
        raise Code128Error("слишком мало штрихов")
    unit = sum(runs[:6]) / 11.0
    widths = [max(1, min(4, round(r / unit))) for r in runs]
    values: list[int] = []
    pos = 0
    while pos < len(widths):
        if len(widths) - pos >= 7 and "".join(map(str, widths[pos:pos + 7])) == PATTERNS[STOP]:
            values.append(STOP)
            break
        key = "".join(map(str, widths[pos:pos + 6]))
        if key not in _BY_PATTERN:
            raise Code128Error(f"неизвестный символ {key} на позиции {pos}")
        values.append(_BY_PATTERN[key])
        pos += 6
    if not values or values[-1] != STOP:
        raise Code128Error("нет стоп-символа")
    return text_of(values)


def text_of(values: list[int]) -> str:
    """The text a symbol carries, from its values (start .. check, stop); checks the check digit."""
    data, check = values[:-2], values[-2]
    expected = (data[0] + sum(i * v for i, v in enumerate(data[1:], start=1))) % 103
    if check != expected:
        raise Code128Error("не сходится контрольная цифра")
    subset = {START_A: "A", START_B: "B", START_C: "C"}.get(data[0])
    if subset is None:
        raise Code128Error("нет старт-символа")
    out = []
    for v in data[1:]:
        if subset == "C" and v < 100:
            out.append(f"{v:02d}")
        elif v == CODE_C:
            subset = "C"
        elif v == CODE_B and subset != "B":
            subset = "B"
        elif v == CODE_A and subset != "A":
            subset = "A"
        elif v >= 96:
            continue  # FNC1-4 / SHIFT: not used on our labels
        elif subset == "B":
            out.append(chr(v + 32))
        elif subset == "A":
            out.append(chr(v + 32) if v < 64 else chr(v - 64))
    return "".join(out)


def runs_from_row(row: list[bool]) -> list[int]:
    """Run lengths of a pixel row (True = dark), from the first dark pixel to the last."""
    try:
        first = row.index(True)
    except ValueError:
        return []
    last = len(row) - 1 - row[::-1].index(True)
    runs: list[int] = []
    current = True
    n = 0
    for px in row[first:last + 1]:
        if px == current:
            n += 1
        else:
            runs.append(n)
            current = px
            n = 1
    runs.append(n)
    return runs
