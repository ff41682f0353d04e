"""What a printer would print from the bytes it received: ZPL, TSPL, ESC/POS -> image.

Enough of each language for what our renderers and common label software send:
ZPL ``^XA ^XZ ^CI ^PW ^LL ^LH ^FO ^FT ^A ^CF ^FB ^FH ^FD ^FS ^BY ^BC ^BQ ^GB ^GFA ^PQ``;
TSPL ``SIZE GAP DIRECTION REFERENCE CLS CODEPAGE TEXT BAR BOX BITMAP BARCODE QRCODE PRINT``;
ESC/POS ``ESC @``, line text, ``ESC t/a/E/d``, ``GS !``, ``GS v 0``, ``GS V``. The rest is
skipped, as a real printer skips what it does not know. Compressed ^GF data and
rotated fields are not drawn.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from PIL import Image

from hardware.printer import code128
from hardware.printer.raster import (
    draw_box,
    draw_code128,
    draw_code128_values,
    draw_qr,
    draw_text,
    new_canvas,
    to_1bit,
    unpack_rows,
)

log = logging.getLogger(__name__)


@dataclass
class Rendered:
    language: str
    image: Image.Image
    labels: int = 1
    texts: list[str] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    qrcodes: list[str] = field(default_factory=list)


def detect_language(data: bytes) -> str:
    head = data[:4096]
    if b"^XA" in head or b"^xa" in head:
        return "zpl"
    if re.search(rb"(^|\n)\s*(SIZE|CLS|GAP)\b", head):
        return "tspl"
    return "escpos"


def interpret(data: bytes, language: str | None = None) -> Rendered:
    language = language or detect_language(data)
    if language == "zpl":
        return interpret_zpl(data)
    if language == "tspl":
        return interpret_tspl(data)
    return interpret_escpos(data)


# --- ZPL -----------------------------------------------------------------------------

def _zpl_commands(text: str):
    """Yield (command, params) with ^FD data read up to the next ^FS."""
    i, n = 0, len(text)
    while i < n:
        if text[i] not in "^~":
            i += 1
            continue
        cmd = text[i + 1:i + 3].upper()
        if cmd.startswith("A") and cmd != "A@":
            cmd = "A"  # ^Afo,h,w: the font name is the next character
            j = i + 2
        else:
            j = i + 3
        if cmd == "FD":
            end = text.find("^FS", j)
            end = n if end < 0 else end
            yield cmd, text[j:end]
            i = end
            continue
        k = j
        while k < n and text[k] not in "^~":
            k += 1
        yield cmd, text[j:k].strip("\r\n")
        i = k


def _unhex_fh(data: str, indicator: str = "_") -> str:
    raw = data.encode("utf-8")
    out = bytearray()
    ind = indicator.encode()
    i = 0
    while i < len(raw):
        if raw[i:i + 1] == ind and i + 3 <= len(raw):
            try:
                out.append(int(raw[i + 1:i + 3], 16))
                i += 3
                continue
            except ValueError:
                pass
        out.append(raw[i])
        i += 1
    return out.decode("utf-8", errors="replace")


def _zpl_code128_values(data: str) -> list[int]:
    values = [code128.START_B]
    subset = "B"
    i = 0
    starts = {">9": (code128.START_A, "A"), ">:": (code128.START_B, "B"), ">;": (code128.START_C, "C")}
    if data[:2] in starts:
        values[0], subset = starts[data[:2]]
        i = 2
    while i < len(data):
        pair = data[i:i + 2]
        if pair == ">5":
            values.append(code128.CODE_C)
            subset, i = "C", i + 2
        elif pair == ">6":
            values.append(code128.CODE_B)
            subset, i = "B", i + 2
        elif pair == ">7":
            values.append(code128.CODE_A)
            subset, i = "A", i + 2
        elif pair == ">8":
            values.append(102)
            i += 2
        elif pair == "><":
            values.append(ord(">") - 32)
            i += 2
        elif subset == "C":
            values.append(int(data[i:i + 2]))
            i += 2
        else:
            values.append(ord(data[i]) - 32)
            i += 1
    check = (values[0] + sum(k * v for k, v in enumerate(values[1:], start=1))) % 103
    return values + [check, code128.STOP]


def _ints(params: str, defaults: list) -> list:
    parts = params.split(",")
    out = []
    for k, d in enumerate(defaults):
        p = parts[k].strip() if k < len(parts) else ""
        try:
            out.append(type(d)(p) if p else d)
        except ValueError:
            out.append(d)
    return out


def interpret_zpl(data: bytes) -> Rendered:
    text = data.decode("utf-8", errors="replace")
    labels = [seg for seg in re.split(r"\^XZ", text, flags=re.IGNORECASE) if "^XA" in seg.upper()]
    width, height = 464, 320
    m = re.search(r"\^PW(\d+)", text)
    if m:
        width = int(m.group(1))
    m = re.search(r"\^LL(\d+)", text)
    if m:
        height = int(m.group(1))
    img = new_canvas(width, height)
    out = Rendered("zpl", img, labels=max(1, len(labels)))
    first = labels[0] if labels else text
    copies = 1
    home = (0, 0)
    fo = (0, 0)
    font_h = 30
    fb = None
    fh = None
    field_kind, field_params = "text", ""
    by_module, by_height = 2, 10
    for cmd, params in _zpl_commands(first):
        if cmd == "LH":
            home = tuple(_ints(params, [0, 0]))
        elif cmd in ("FO", "FT"):
            x, y = _ints(params, [0, 0])
            fo = (x + home[0], y + home[1])
            if cmd == "FT":  # ^FT is the baseline; close enough for a preview
                fo = (fo[0], max(0, fo[1] - font_h))
        elif cmd in ("A", "A@", "CF"):
            p = params.split(",")
            if cmd == "CF":
                p = ["N"] + p[1:]
            else:
                p = p if cmd == "A@" else [params[1:2] or "N"] + params[2:].lstrip(",").split(",")
            font_h = _ints(",".join(p[1:3]), [font_h])[0] or font_h
        elif cmd == "FB":
            w, _lines, _sp, just = (params.split(",") + ["", "", "", "L"])[:4]
            fb = (int(w or 0), (just or "L").upper())
        elif cmd == "FH":
            fh = params[:1] or "_"
        elif cmd == "BY":
            by_module, _ratio, by_height = _ints(params, [by_module, 3.0, by_height])
        elif cmd in ("BC", "BQ"):
            field_kind, field_params = cmd, params
        elif cmd == "GB":
            w, h, t = _ints(params, [1, 1, 1])
            draw_box(img, fo[0], fo[1], max(w, t), max(h, t), t)
        elif cmd == "GF":
            p = params.split(",", 4)
            if len(p) == 5 and p[0].upper() == "A" and re.fullmatch(r"[0-9A-Fa-f\s]*", p[4] or ""):
                row_bytes = int(p[3])
                raw = bytes.fromhex(re.sub(r"\s", "", p[4]))
                bitmap = unpack_rows(raw, row_bytes, len(raw) // max(1, row_bytes), dark_bit=1)
                _paste_dark(img, bitmap, fo)
            else:
                log.info("ZPL ^GF in a compressed form is not drawn in the preview")
        elif cmd == "PQ":
            copies = _ints(params, [1])[0]
        elif cmd == "FD":
            value = _unhex_fh(params, fh) if fh else params
            if field_kind == "BC":
                p = (field_params.split(",") + [""] * 6)[:6]
                h = int(p[1]) if p[1].strip().isdigit() else by_height
                mode = (p[5] or "N").strip().upper()
                values = code128.encode(value) if mode == "A" else _zpl_code128_values(value)
                draw_code128_values(img, fo[0], fo[1], values, by_module, h)
                try:
                    out.barcodes.append(code128.text_of(values))
                except code128.Code128Error as exc:
                    log.info("ZPL barcode %r does not decode: %s", value, exc)
            elif field_kind == "BQ":
                p = (field_params.split(",") + ["", "", ""])[:3]
                mag = int(p[2]) if p[2].strip().isdigit() else 2
                ecc, _, payload = value.partition(",")
                ecc = (ecc[:1] or "M").upper()
                draw_qr(img, fo[0], fo[1], payload, mag, ecc if ecc in "LMQH" else "M")
                out.qrcodes.append(payload)
            else:
                box_w, just = fb if fb else (None, "L")
                align = {"C": "center", "R": "right", "J": "left"}.get(just, "left")
                draw_text(img, fo[0], fo[1], value, font_h, False, box_w or None, align, face="wide")
                out.texts.append(value)
        elif cmd == "FS":
            fb, fh, field_kind, field_params = None, None, "text", ""
    out.image = to_1bit(img)
    out.labels = max(1, len(labels)) * max(1, copies)
    return out


def _paste_dark(img: Image.Image, bitmap: Image.Image, at: tuple[int, int]) -> None:
    """OR a 1-bit bitmap's dark dots onto the canvas."""
    mask = bitmap.convert("L").point(lambda p: 255 if p == 0 else 0)
    img.paste(0, (at[0], at[1]), mask)


# --- TSPL ----------------------------------------------------------------------------

FONT_SIZES = {"1": 12, "2": 20, "3": 24, "4": 32, "5": 48, "6": 19, "7": 27, "8": 19}


def _split_args(s: str) -> list[str]:
    """Split TSPL arguments on commas outside double quotes; unquote strings."""
    args, cur, quoted, i = [], [], False, 0
    while i < len(s):
        ch = s[i]
        if quoted and s.startswith('\\["]', i):
            cur.append('"')
            i += 4
            continue
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    args.append("".join(cur).strip())
    return args


def _dots(value: str, dpi: int = 203) -> int:
    v = value.strip().lower()
    if v.endswith("mm"):
        return int(round(float(v[:-2]) * dpi / 25.4))
    if v.endswith("dot"):
        return int(float(v[:-3]))
    return int(round(float(v or 0) * dpi))  # inches by default


def interpret_tspl(data: bytes, dpi: int = 203) -> Rendered:
    img = None
    out = Rendered("tspl", new_canvas(464, 320), labels=0)
    encoding = "cp1252"
    ref = (0, 0)
    pos, n = 0, len(data)
    printed = False
    while pos < n:
        eol = data.find(b"\n", pos)
        eol = n if eol < 0 else eol
        head = data[pos:min(eol, pos + 16)].lstrip().upper()
        if head.startswith(b"BITMAP"):
            # BITMAP x,y,width_bytes,height,mode,<raw bytes>
            comma, idx = pos, 0
            for _ in range(5):
                idx = data.find(b",", comma)
                comma = idx + 1
            x, y, wb, h, _mode = (int(v) for v in data[pos:idx].decode().split(None, 1)[1].split(","))
            raw = data[comma:comma + wb * h]
            if img is not None and not printed:
                _paste_dark(img, unpack_rows(raw, wb, h, dark_bit=0), (x + ref[0], y + ref[1]))
            pos = comma + wb * h
            while pos < n and data[pos:pos + 1] in (b"\r", b"\n"):
                pos += 1
            continue
        line = data[pos:eol].decode(encoding, errors="replace").strip()
        pos = eol + 1
        if not line:
            continue
        word, _, rest = line.partition(" ")
        word = word.upper()
        args = _split_args(rest)
        if word == "SIZE":
            w = _dots(args[0], dpi)
            h = _dots(args[1], dpi) if len(args) > 1 else w
            img = new_canvas(w, h)
        elif word == "CLS":
            img = new_canvas(*(img.size if img else (464, 320)))
            printed = False
        elif word == "REFERENCE":
            ref = (int(args[0]), int(args[1]))
        elif word == "CODEPAGE":
            encoding = {"UTF-8": "utf-8", "1251": "cp1251", "866": "cp866", "437": "cp437",
                        "850": "cp850", "1252": "cp1252"}.get(args[0].upper(), "cp1252")
        elif img is None:
            continue
        elif word == "BAR":
            x, y, w, h = (int(a) for a in args[:4])
            draw_box(img, x + ref[0], y + ref[1], w, h)
        elif word == "BOX":
            x, y, x2, y2, t = (int(a) for a in args[:5])
            draw_box(img, x + ref[0], y + ref[1], x2 - x + 1, y2 - y + 1, t)
        elif word == "TEXT":
            x, y = int(args[0]), int(args[1])
            size = FONT_SIZES.get(args[2], 24) * max(1, int(float(args[5] or 1)))
            draw_text(img, x + ref[0], y + ref[1], args[-1], size)
            out.texts.append(args[-1])
        elif word == "BARCODE" and args[2].upper() in ("128", "128M"):
            x, y, h, _readable, _rot, narrow = (int(a) for a in (args[0], args[1], *args[3:7]))
            draw_code128(img, x + ref[0], y + ref[1], args[-1], narrow, h)
            out.barcodes.append(args[-1])
        elif word == "QRCODE":
            x, y, ecc, cell = int(args[0]), int(args[1]), args[2].upper(), int(args[3])
            draw_qr(img, x + ref[0], y + ref[1], args[-1], cell, ecc if ecc in "LMQH" else "M")
            out.qrcodes.append(args[-1])
        elif word == "PRINT":
            sets = int(args[0] or 1)
            copies = int(args[1]) if len(args) > 1 and args[1] else 1
            if out.labels == 0:
                out.image = to_1bit(img)
            out.labels += sets * copies
            printed = True
    if out.labels == 0 and img is not None:
        out.image = to_1bit(img)  # a format without PRINT: show what was built
    return out


# --- ESC/POS -------------------------------------------------------------------------

ESCPOS_CODEPAGES = {0: "cp437", 2: "cp850", 17: "cp866", 46: "cp1251", 16: "cp1252"}
ESC, GS, LF = 0x1B, 0x1D, 0x0A


def interpret_escpos(data: bytes, width: int = 576) -> Rendered:
    pieces: list[Image.Image] = []
    out = Rendered("escpos", new_canvas(width, 1), labels=0)
    line = bytearray()
    encoding = "cp437"
    bold = False
    scale = 1

    def flush_line():
        if line:
            text = bytes(line).decode(encoding, errors="replace")
            canvas = new_canvas(width, 30 * scale)
            draw_text(canvas, 0, 2, text, 24 * scale, bold)
            pieces.append(canvas)
            out.texts.append(text)
            line.clear()

    first_slip = None
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == ESC and i + 1 < n:
            op = data[i + 1]
            arg = data[i + 2] if i + 2 < n else 0
            if op == ord("@"):
                encoding, bold, scale = "cp437", False, 1
                i += 2
                continue
            if op == ord("t"):
                encoding = ESCPOS_CODEPAGES.get(arg, "cp437")
            elif op == ord("E"):
                bold = bool(arg & 1)
            elif op == ord("d"):
                flush_line()
                pieces.append(new_canvas(width, 30 * arg))
            i += 3
            continue
        if b == GS and i + 1 < n:
            op = data[i + 1]
            if op == ord("v") and data[i + 2:i + 3] == b"0" and i + 8 <= n:
                flush_line()
                wb = data[i + 4] | (data[i + 5] << 8)
                h = data[i + 6] | (data[i + 7] << 8)
                raw = data[i + 8:i + 8 + wb * h]
                pieces.append(unpack_rows(raw, wb, h, dark_bit=1).convert("L"))
                i += 8 + wb * h
                continue
            if op == ord("V"):
                flush_line()
                out.labels += 1
                if out.labels == 1:
                    first_slip = len(pieces)
                i += 4 if data[i + 2:i + 3] in (b"A", b"B", b"\x41", b"\x42", b"e", b"f", b"g", b"h") else 3
                continue
            if op == ord("!"):
                scale = max(1, (data[i + 2] & 0x0F) + 1) if i + 2 < n else 1
            i += 3
            continue
        if b == LF:
            flush_line()
        elif b >= 0x20:
            line.append(b)
        i += 1
    flush_line()
    out.labels = max(out.labels, 1 if pieces else 0)
    if first_slip:
        pieces = pieces[:first_slip]  # the preview shows the first slip
    if pieces:
        total = sum(p.height for p in pieces)
        canvas = new_canvas(max(p.width for p in pieces), total)
        y = 0
        for p in pieces:
            canvas.paste(p, (0, y))
            y += p.height
        out.image = to_1bit(canvas)
    return out
