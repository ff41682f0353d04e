"""Label -> bytes for the printer: ZPL II, TSPL, ESC/POS; and PNG/PDF previews.

Choices, and why (written against the Zebra ZPL II Programming Guide 45541L-004, the TSC
TSPL/TSPL2 Programming Manual, and Epson's ESC/POS Application Programming Guide):

* ZPL: ``^CI28`` (UTF-8) and a Unicode font called by name with ``^A@`` (default
  ``E:TT0003M_.FNT``, Swiss 721, resident on Zebra GK/GX/ZD printers) for text, so
  Cyrillic prints as text; with ``zpl_font=""`` text goes as ``^GFA`` graphics instead,
  for ZPL clones (Mertech, Xprinter, Godex emulation) without a Cyrillic font. Field data
  goes through ``^FH`` so ``^``/``~`` in a customer's name cannot break the format.
  Code 128 is sent in mode N with explicit subset codes (``>:`` start B, ``>;`` start C,
  ``>5``/``>6`` switch) so the printer draws exactly the bars our preview shows.
* TSPL: Cyrillic text is sent as ``BITMAP`` (rendered here with DejaVu), not ``TEXT``
  with ``CODEPAGE 1251``: TSC printers have Cyrillic in their resident fonts, but most
  Xprinter/HPRT/"no-name" TSPL clones do not, or ignore CODEPAGE; a bitmap prints the
  same everywhere. Barcode and QR stay native (``BARCODE "128"``, ``QRCODE``) — sharper
  and a few bytes. In BITMAP data a 0 bit burns a dot.
* ESC/POS: the slip is sent as a raster image (``GS v 0``), in bands: code page numbers
  for CP866 differ between Epson, Xprinter, Atol and others, and a label layout (QR
  beside text) cannot be made with line-mode text. Then feed and partial cut (``GS V 66``).
"""

from __future__ import annotations

from hardware.printer import code128
from hardware.printer.labels import Label, TextBlock
from hardware.printer.raster import (
    barcode_text_block,
    fit_size,
    pack_rows,
    pdf_bytes,
    png_bytes,
    render,
    text_block_image,
)

LANGUAGES = ("zpl", "tspl", "escpos")
DEFAULT_ZPL_FONT = "E:TT0003M_.FNT"
ESCPOS_BAND_ROWS = 128


def render_bytes(label: Label, language: str, **options) -> bytes:
    if language == "zpl":
        return render_zpl(label, **options)
    if language == "tspl":
        return render_tspl(label, **options)
    if language == "escpos":
        return render_escpos(label, **options)
    raise ValueError(f"неизвестный язык принтера: {language!r} (нужен zpl, tspl или escpos)")


def preview_png(label: Label) -> bytes:
    return png_bytes(render(label), label.dpi)


def preview_pdf(label: Label) -> bytes:
    return pdf_bytes(render(label), label.dpi)


def _texts(label: Label) -> list[TextBlock]:
    return list(label.texts) + [barcode_text_block(label, bc) for bc in label.barcodes if bc.human_readable]


# --- ZPL ---------------------------------------------------------------------------

def zpl_field_data(text: str) -> str:
    """Escape for ``^FH^FD``: the command prefixes and the hex indicator itself."""
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def zpl_code128_data(data: str) -> str:
    """Field data for ``^BC...,N`` with explicit start/subset codes from our encoder."""
    values = code128.encode(data)[:-2]  # the printer adds check digit and stop
    out = []
    subset = ""
    for v in values:
        if v in (code128.START_B, code128.START_C, code128.START_A):
            subset = {code128.START_A: "A", code128.START_B: "B", code128.START_C: "C"}[v]
            out.append({"A": ">9", "B": ">:", "C": ">;"}[subset])
        elif v == code128.CODE_C and subset != "C":
            subset = "C"
            out.append(">5")
        elif v == code128.CODE_B and subset != "B":
            subset = "B"
            out.append(">6")
        elif subset == "C":
            out.append(f"{v:02d}")
        else:
            ch = chr(v + 32)
            out.append("><" if ch == ">" else ch)
    return "".join(out)


def _zpl_graphic(x: int, y: int, img) -> str:
    width_bytes, raw = pack_rows(img, dark_bit=1)
    return f"^FO{x},{y}^GFA,{len(raw)},{len(raw)},{width_bytes},{raw.hex().upper()}^FS"


def render_zpl(label: Label, font: str | None = DEFAULT_ZPL_FONT) -> bytes:
    out = ["^XA", "^CI28", f"^PW{label.width_dots}", f"^LL{label.height_dots}", "^LH0,0"]
    for b in label.boxes:
        w, h = label.dots(b.width_mm), label.dots(b.height_mm)
        t = min(w, h) if b.thickness_mm is None else label.module_dots(b.thickness_mm)
        out.append(f"^FO{label.dots(b.x_mm)},{label.dots(b.y_mm)}^GB{w},{h},{t}^FS")
    for t in _texts(label):
        if not font:
            x, y, img = text_block_image(label, t)
            out.append(_zpl_graphic(x, y, img))
            continue
        box_x, box_w = label.text_box(t)
        size = fit_size(t.text, label.dots(t.size_mm), t.bold, box_w, face="wide")
        just = {"left": "L", "center": "C", "right": "R"}.get(t.align, "L")
        strikes = [0, max(2, size // 16)] if t.bold else [0]  # Swiss 721 has no bold: double-strike
        for dx in strikes:
            out.append(f"^FO{box_x + dx},{label.dots(t.y_mm)}^A@N,{size},{size},{font}"
                       f"^FB{box_w},1,0,{just},0^FH^FD{zpl_field_data(t.text)}^FS")
    for bc in label.barcodes:
        out.append(f"^FO{label.dots(bc.x_mm)},{label.dots(bc.y_mm)}^BY{label.module_dots(bc.module_mm)}"
                   f"^BCN,{label.dots(bc.height_mm)},N,N,N,N^FD{zpl_code128_data(bc.data)}^FS")
    for q in label.qrcodes:
        mag = min(10, label.module_dots(q.module_mm))
        out.append(f"^FO{label.dots(q.x_mm)},{label.dots(q.y_mm)}^BQN,2,{mag}"
                   f"^FH^FD{q.error}A,{zpl_field_data(q.data)}^FS")
    if label.copies > 1:
        out.append(f"^PQ{label.copies}")
    out.append("^XZ")
    return ("\n".join(out) + "\n").encode("utf-8")


# --- TSPL --------------------------------------------------------------------------

def tspl_string(text: str) -> str:
    """A quoted TSPL string; a double quote inside is written ``\\["]``."""
    return '"' + text.replace('"', '\\["]') + '"'


def render_tspl(label: Label, gap_mm: float = 2.0) -> bytes:
    def line(s: str) -> bytes:
        return s.encode("ascii") + b"\r\n"

    out = [
        line(f"SIZE {label.width_mm:g} mm,{label.height_mm:g} mm"),
        line(f"GAP {gap_mm:g} mm,0 mm"),
        line("DIRECTION 1,0"),
        line("REFERENCE 0,0"),
        line("CLS"),
    ]
    for b in label.boxes:
        x, y, w, h = label.dots(b.x_mm), label.dots(b.y_mm), label.dots(b.width_mm), label.dots(b.height_mm)
        if b.thickness_mm is None:
            out.append(line(f"BAR {x},{y},{w},{h}"))
        else:
            out.append(line(f"BOX {x},{y},{x + w - 1},{y + h - 1},{label.module_dots(b.thickness_mm)}"))
    for t in _texts(label):
        x, y, img = text_block_image(label, t)
        width_bytes, raw = pack_rows(img, dark_bit=0)
        out.append(f"BITMAP {x},{y},{width_bytes},{img.height},1,".encode("ascii") + raw + b"\r\n")
    for bc in label.barcodes:
        code128.encode(bc.data)  # refuse what the printer could not print
        m = label.module_dots(bc.module_mm)
        out.append(line(f"BARCODE {label.dots(bc.x_mm)},{label.dots(bc.y_mm)},\"128\","
                        f"{label.dots(bc.height_mm)},0,0,{m},{m},{tspl_string(bc.data)}"))
    for q in label.qrcodes:
        out.append(f"QRCODE {label.dots(q.x_mm)},{label.dots(q.y_mm)},{q.error},"
                   f"{min(10, label.module_dots(q.module_mm))},A,0,{tspl_string(q.data)}".encode() + b"\r\n")
    out.append(line(f"PRINT 1,{max(1, label.copies)}"))
    return b"".join(out)


# --- ESC/POS -----------------------------------------------------------------------

ESC, GS = b"\x1b", b"\x1d"


def render_escpos(label: Label, max_width_dots: int = 576, cut: bool = True) -> bytes:
    """Raster slip for a receipt printer. ``max_width_dots``: 384 for 58 mm rolls
    (48 mm printable), 576 for 80 mm rolls (72 mm printable) at 203 dpi."""
    if label.width_dots > max_width_dots:
        raise ValueError(
            f"этикетка шириной {label.width_mm:g} мм не помещается в чековый принтер "
            f"(печатает {max_width_dots} точек); уменьшите ширину в настройках")
    img = render(label)
    width_bytes, raw = pack_rows(img, dark_bit=1)
    out = [ESC + b"@"]
    for _ in range(max(1, label.copies)):
        for top in range(0, img.height, ESCPOS_BAND_ROWS):
            rows = min(ESCPOS_BAND_ROWS, img.height - top)
            band = raw[top * width_bytes:(top + rows) * width_bytes]
            out.append(GS + b"v0\x00" + bytes([width_bytes & 0xFF, width_bytes >> 8, rows & 0xFF, rows >> 8]) + band)
        out.append(ESC + b"d\x03")
        if cut:
            out.append(GS + b"V\x42\x00")
    return b"".join(out)
