"""Drawing a label into a 1-bit image, the way a thermal head prints it.

Shared by the PNG/PDF preview, the bitmap parts of TSPL and ESC/POS output, and the
printer simulator (which draws what it parsed from ZPL/TSPL with these same routines).
Text uses DejaVu Sans Condensed (Debian's fonts-dejavu-core); without it Pillow's
built-in font is used, which still has Cyrillic but looks plainer.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from hardware.printer import code128
from hardware.printer.labels import Label, TextBlock

log = logging.getLogger(__name__)

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
FACES = {
    # Condensed fits more on a 58 mm label; "wide" stands in for a Zebra's Swiss 721.
    ("condensed", False): "DejaVuSansCondensed.ttf",
    ("condensed", True): "DejaVuSansCondensed-Bold.ttf",
    ("wide", False): "DejaVuSans.ttf",
    ("wide", True): "DejaVuSans-Bold.ttf",
}
WHITE, BLACK = 255, 0


@lru_cache(maxsize=128)
def font(size_px: int, bold: bool = False, face: str = "condensed") -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    size_px = max(4, int(size_px))
    name = FACES[(face, bool(bold))]
    for d in FONT_DIRS:
        path = d / name
        if path.exists():
            return ImageFont.truetype(str(path), size_px)
    log.warning("font %s not found in %s; using Pillow's default font", name, FONT_DIRS)
    return ImageFont.load_default(size=size_px)


def text_width(text: str, size_px: int, bold: bool = False, face: str = "condensed") -> int:
    return int(round(font(size_px, bold, face).getlength(text)))


def fit_size(text: str, size_px: int, bold: bool, max_width: int, face: str = "condensed") -> int:
    """The largest font size up to ``size_px`` at which the text fits ``max_width`` dots."""
    size = int(size_px)
    while size > 8 and text_width(text, size, bold, face) > max_width:
        size -= 1
    return size


def new_canvas(width: int, height: int) -> Image.Image:
    return Image.new("L", (max(1, width), max(1, height)), WHITE)


def draw_text(img: Image.Image, x: int, y: int, text: str, size_px: int, bold: bool = False,
              box_width: int | None = None, align: str = "left", face: str = "condensed") -> int:
    """Draw text with its cell's top-left at (x, y); returns the width drawn."""
    w = text_width(text, size_px, bold, face)
    if box_width is not None:
        if align == "center":
            x += max(0, (box_width - w) // 2)
        elif align == "right":
            x += max(0, box_width - w)
    ImageDraw.Draw(img).text((x, y), text, fill=BLACK, font=font(size_px, bold, face), anchor="la")
    return w


def text_block_image(label: Label, block: TextBlock) -> tuple[int, int, Image.Image]:
    """A text block as a tight 1-bit image and where it goes: (x, y, image).

    This is what TSPL and ZPL (graphic mode) send as a bitmap for Cyrillic text.
    """
    box_x, box_w = label.text_box(block)
    size = fit_size(block.text, label.dots(block.size_mm), block.bold, box_w)
    f = font(size, block.bold)
    ascent, descent = f.getmetrics() if hasattr(f, "getmetrics") else (size, 0)
    canvas = new_canvas(box_w, ascent + descent)
    draw_text(canvas, 0, 0, block.text, size, block.bold, box_w, block.align)
    bw = to_1bit(canvas)
    bbox = bw.point(lambda p: 255 - p).getbbox()
    if bbox is None:
        return box_x, label.dots(block.y_mm), bw.crop((0, 0, 1, 1))
    left = bbox[0] - bbox[0] % 8  # keep byte alignment of the text's own position
    crop = bw.crop((left, 0, bbox[2], bw.height))
    return box_x + left, label.dots(block.y_mm), crop


def draw_code128(img: Image.Image, x: int, y: int, data: str, module: int, height: int) -> int:
    """Draw the bars (no quiet zone) with the first bar at x; returns the symbol width."""
    return draw_code128_values(img, x, y, code128.encode(data), module, height)


def draw_code128_values(img: Image.Image, x: int, y: int, values: list[int], module: int, height: int) -> int:
    draw = ImageDraw.Draw(img)
    row = code128.modules(values)
    for i, bar in enumerate(row):
        if bar:
            x0 = x + i * module
            draw.rectangle((x0, y, x0 + module - 1, y + height - 1), fill=BLACK)
    return len(row) * module


def qr_matrix(data: str, error: str = "M") -> list[list[bool]]:
    qr = segno.make_qr(data, error=error.lower(), boost_error=False)
    return [[bool(c) for c in row] for row in qr.matrix]


def draw_qr(img: Image.Image, x: int, y: int, data: str, module: int, error: str = "M") -> int:
    """Draw a QR code (no quiet zone) at (x, y); returns its side in dots."""
    draw = ImageDraw.Draw(img)
    matrix = qr_matrix(data, error)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                x0, y0 = x + c * module, y + r * module
                draw.rectangle((x0, y0, x0 + module - 1, y0 + module - 1), fill=BLACK)
    return len(matrix) * module


def draw_box(img: Image.Image, x: int, y: int, w: int, h: int, thickness: int | None = None) -> None:
    draw = ImageDraw.Draw(img)
    if thickness is None or thickness * 2 >= min(w, h):
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=BLACK)
    else:
        draw.rectangle((x, y, x + w - 1, y + h - 1), outline=BLACK, width=thickness)


def barcode_text_block(label: Label, bc) -> TextBlock:
    """The human-readable line under a barcode, centred on the bars."""
    module = label.module_dots(bc.module_mm)
    width_mm = code128.module_count(bc.data) * module * 25.4 / label.dpi
    return TextBlock(bc.data, bc.x_mm, bc.y_mm + bc.height_mm + 0.4, bc.text_size_mm,
                     width_mm=width_mm, align="center")


def render(label: Label) -> Image.Image:
    """The whole label as a 1-bit image at the label's dpi (what the head would burn)."""
    img = new_canvas(label.width_dots, label.height_dots)
    for b in label.boxes:
        thickness = None if b.thickness_mm is None else label.module_dots(b.thickness_mm)
        draw_box(img, label.dots(b.x_mm), label.dots(b.y_mm), label.dots(b.width_mm),
                 label.dots(b.height_mm), thickness)
    texts = list(label.texts) + [barcode_text_block(label, bc) for bc in label.barcodes if bc.human_readable]
    for t in texts:
        box_x, box_w = label.text_box(t)
        size = fit_size(t.text, label.dots(t.size_mm), t.bold, box_w)
        draw_text(img, box_x, label.dots(t.y_mm), t.text, size, t.bold, box_w, t.align)
    for bc in label.barcodes:
        draw_code128(img, label.dots(bc.x_mm), label.dots(bc.y_mm), bc.data,
                     label.module_dots(bc.module_mm), label.dots(bc.height_mm))
    for q in label.qrcodes:
        draw_qr(img, label.dots(q.x_mm), label.dots(q.y_mm), q.data, label.module_dots(q.module_mm), q.error)
    return to_1bit(img)


def to_1bit(img: Image.Image) -> Image.Image:
    if img.mode == "1":
        return img
    return img.convert("L").point(lambda p: 255 if p >= 128 else 0).convert("1", dither=Image.Dither.NONE)


def png_bytes(img: Image.Image, dpi: int = 203) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def pdf_bytes(img: Image.Image, dpi: int = 203) -> bytes:
    """A one-page PDF the size of the label (for printing on an office printer)."""
    buf = io.BytesIO()
    img.convert("L").save(buf, format="PDF", resolution=float(dpi))
    return buf.getvalue()


def pack_rows(img: Image.Image, dark_bit: int = 1) -> tuple[int, bytes]:
    """Pack a 1-bit image into rows of bytes, MSB = leftmost dot.

    ``dark_bit`` is what a printed dot is: 1 for ESC/POS raster and ZPL ^GF, 0 for
    TSPL BITMAP (where 0 burns a dot). Returns (bytes per row, data).
    """
    bw = to_1bit(img)
    width_bytes = (bw.width + 7) // 8
    padded = Image.new("1", (width_bytes * 8, bw.height), 1)
    padded.paste(bw, (0, 0))
    raw = padded.tobytes()  # PIL "1": bit 1 = white, MSB first, rows padded to bytes
    if dark_bit == 1:
        raw = bytes(b ^ 0xFF for b in raw)
    return width_bytes, raw


def unpack_rows(data: bytes, width_bytes: int, height: int, dark_bit: int = 1) -> Image.Image:
    """The inverse of :func:`pack_rows` (used by the simulator)."""
    need = width_bytes * height
    data = bytes(data[:need]).ljust(need, b"\x00" if dark_bit == 1 else b"\xff")
    if dark_bit == 1:
        data = bytes(b ^ 0xFF for b in data)
    return Image.frombytes("1", (width_bytes * 8, height), data)


def scan_code128(img: Image.Image, box: tuple[int, int, int, int] | None = None) -> list[str]:
    """Read Code 128 symbols from an image, like a scanner sweeping every other row.

    Returns the distinct texts that decode (the simulator reports what it printed; the
    tests prove the bars are right). ``box`` limits the search to (left, top, right, bottom).
    """
    bw = to_1bit(img if box is None else img.crop(box))
    width = bw.width
    pixels = bw.tobytes()
    stride = (width + 7) // 8
    found: list[str] = []
    for y in range(0, bw.height, 2):
        row_bytes = pixels[y * stride:(y + 1) * stride]
        row = [not (row_bytes[x >> 3] >> (7 - (x & 7)) & 1) for x in range(width)]
        for segment in _dark_segments(row):
            try:
                text = code128.decode_runs(code128.runs_from_row(segment))
            except code128.Code128Error:
                continue
            if text not in found:
                found.append(text)
    return found


def _dark_segments(row: list[bool], gap: int = 20) -> list[list[bool]]:
    """Split a row at white gaps wider than ``gap`` dots (quiet zones), so text beside
    a barcode does not spoil the scan of the bars."""
    segments, start, white = [], None, 0
    for x, dark in enumerate(row):
        if dark:
            if start is None:
                start = x
            white = 0
        elif start is not None:
            white += 1
            if white > gap:
                segments.append(row[start:x - white + 1])
                start, white = None, 0
    if start is not None:
        segments.append(row[start:len(row) - white])
    return [s for s in segments if len(s) > 30]
