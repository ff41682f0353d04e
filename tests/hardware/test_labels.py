"""Label model, Code 128, and the ZPL/TSPL/ESC-POS/PNG/PDF renderers.

Barcodes are checked by reading the rendered bars back, with our own scanner and, where
installed, with zxing-cpp (an independent decoder that also reads the QR code).
"""

import io
import re

import pytest
from PIL import Image, ImageChops

from hardware.printer import code128
from hardware.printer.labels import Barcode, Box, Label, QRCode, TextBlock
from hardware.printer.raster import qr_matrix, render, scan_code128
from hardware.printer.render import (
    LANGUAGES,
    preview_pdf,
    preview_png,
    render_bytes,
    render_escpos,
    render_tspl,
    render_zpl,
    zpl_code128_data,
)
from hardware.sim.label_interpreter import interpret

CYRILLIC = "Заказ № 1234: Иванов Пётр"
BARCODE = "Z-00001234"
QR = "http://prilavok.local/orders/1234"


def slip(**kw) -> Label:
    label = Label(
        texts=[
            TextBlock(CYRILLIC, 2, 1.5, 3.4, bold=True, width_mm=36),
            TextBlock("Фильтр масляный Chery Tiggo 4", 2, 8, 2.8, width_mm=36),
        ],
        barcodes=[Barcode(BARCODE, 9, 20, 10, 0.25)],
        qrcodes=[QRCode(QR, 40, 1.5, 0.5)],
        boxes=[Box(2, 18.5, 54, 0.3)],
    )
    for k, v in kw.items():
        setattr(label, k, v)
    return label


def zxing_read(img: Image.Image) -> dict[str, str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    framed = Image.new("L", (img.width + 40, img.height + 40), 255)
    framed.paste(img.convert("L"), (20, 20))
    return {r.format.name: r.text for r in zxingcpp.read_barcodes(framed)}


# --- Code 128 ------------------------------------------------------------------------

def test_code128_table_is_well_formed():
    assert len(code128.PATTERNS) == 107
    assert all(sum(map(int, p)) == 11 for p in code128.PATTERNS[:106])
    assert sum(map(int, code128.PATTERNS[code128.STOP])) == 13
    assert len(set(code128.PATTERNS)) == 107


def test_code128_check_digit_by_hand():
    # "PJJ123C" in subset B (ISO/IEC 15417 weighting): 104 + 48*1 + 42*2 + 42*3
    # + 17*4 + 18*5 + 19*6 + 35*7 = 879; 879 mod 103 = 55.
    assert code128.encode("PJJ123C") == [104, 48, 42, 42, 17, 18, 19, 35, 55, 106]


def test_code128_uses_subset_c_for_digits():
    values = code128.encode("123456")
    assert values[:4] == [code128.START_C, 12, 34, 56]
    mixed = code128.encode("Z-00001234")
    assert code128.CODE_C in mixed and len(mixed) < len("Z-00001234") + 3


@pytest.mark.parametrize("text", ["A", "Z-00001234", "12345", "order 77 / b", "0000", "X>Y~1"])
@pytest.mark.parametrize("module", [1, 2, 3])
def test_code128_round_trip_through_bars(text, module):
    row = [bar for bar in code128.modules(code128.encode(text)) for _ in range(module)]
    assert code128.decode_runs(code128.runs_from_row(row)) == text


def test_code128_refuses_cyrillic_with_a_russian_reason():
    with pytest.raises(code128.Code128Error, match="нельзя закодировать"):
        code128.encode("Заказ")


# --- preview -------------------------------------------------------------------------

def test_preview_is_the_label_in_dots_with_readable_barcode_and_qr():
    label = slip()
    img = Image.open(io.BytesIO(preview_png(label)))
    assert img.size == (464, 320)  # 58 x 40 mm at 203 dpi
    assert round(img.info["dpi"][0]) == 203
    bars = img.convert("L").crop((label.dots(9), label.dots(20), label.dots(45), label.dots(30)))
    assert bars.getextrema() == (0, 255)  # ink where the barcode is
    assert scan_code128(img) == [BARCODE]
    assert zxing_read(img) == {"Code128": BARCODE, "QRCode": QR}


def test_preview_at_300_dpi_scales_dots():
    img = render(slip(dpi=300))
    assert img.size == (685, 472)
    assert scan_code128(img) == [BARCODE]


def test_qr_in_preview_matches_the_symbol_module_for_module():
    label = slip()
    img = render(label).convert("L")
    matrix = qr_matrix(QR, "M")
    m, x0, y0 = label.module_dots(0.5), label.dots(40), label.dots(1.5)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            px = img.getpixel((x0 + c * m + m // 2, y0 + r * m + m // 2))
            assert (px == 0) == dark


def test_pdf_page_is_the_label_size():
    pdf = preview_pdf(slip())
    assert pdf.startswith(b"%PDF")
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
    w_pt, h_pt = float(box.group(1)), float(box.group(2))
    assert abs(w_pt - 58 / 25.4 * 72) < 1.5 and abs(h_pt - 40 / 25.4 * 72) < 1.5


def test_long_text_is_shrunk_to_its_box():
    label = slip(texts=[TextBlock("Очень длинное название запчасти для Great Wall Hover H5", 2, 2, 4, width_mm=30)],
                 barcodes=[], qrcodes=[], boxes=[])
    img = render(label).convert("L")
    ink = img.point(lambda p: 255 - p).getbbox()
    assert ink[2] <= label.dots(32) + 1


# --- printer languages ---------------------------------------------------------------

def test_zpl_is_utf8_with_ci28_and_exact_code128_subsets():
    zpl = render_zpl(slip())
    text = zpl.decode("utf-8")
    assert text.startswith("^XA") and text.rstrip().endswith("^XZ")
    assert "^CI28" in text and "^PW464" in text and "^LL320" in text
    assert CYRILLIC.encode("utf-8") in zpl
    assert "^FO72,160^BY2^BCN,80,N,N,N,N^FD>:Z->500001234^FS" in text
    assert f"^BQN,2,4^FH^FDMA,{QR}^FS" in text


def test_zpl_escapes_caret_and_tilde_in_field_data():
    label = slip(texts=[TextBlock("ООО ^Ромашка~ _x", 2, 2, 3)])
    text = render_zpl(label).decode("utf-8")
    assert "^FH^FDООО _5EРомашка_7E _5Fx^FS" in text


def test_zpl_subset_codes_match_the_zebra_table():
    assert zpl_code128_data("123456") == ">;123456"
    assert zpl_code128_data("AB>1") == ">:AB><1"


def test_zpl_without_font_sends_text_as_graphics():
    text = render_zpl(slip(), font="").decode("ascii")
    assert "^GFA," in text and "^A@" not in text


def test_tspl_sends_cyrillic_as_bitmaps_and_native_barcode_and_qr():
    tspl = render_tspl(slip())
    assert tspl.startswith(b"SIZE 58 mm,40 mm\r\nGAP 2 mm,0 mm\r\n")
    assert b"CLS\r\n" in tspl and tspl.endswith(b"PRINT 1,1\r\n")
    assert tspl.count(b"BITMAP ") == 3  # two text blocks and the line under the barcode
    assert b'BARCODE 72,160,"128",80,0,0,2,2,"Z-00001234"\r\n' in tspl
    assert f'QRCODE 320,12,M,4,A,0,"{QR}"\r\n'.encode() in tspl
    for enc in ("utf-8", "cp1251", "cp866"):
        assert "Заказ".encode(enc) not in tspl


def test_escpos_is_a_raster_slip_with_a_cut():
    data = render_escpos(slip())
    assert data.startswith(b"\x1b@")
    assert b"\x1dv0\x00\x3a\x00\x80\x00" in data  # 58 bytes (464 dots) wide, 128-row band
    assert data.endswith(b"\x1bd\x03\x1dV\x42\x00")


def test_escpos_refuses_a_label_wider_than_the_roll():
    with pytest.raises(ValueError, match="не помещается"):
        render_escpos(slip(), max_width_dots=384)


def test_copies():
    label = slip(copies=3)
    assert b"PRINT 1,3" in render_tspl(label)
    assert "^PQ3" in render_zpl(label).decode()
    assert render_escpos(label).count(b"\x1dV\x42\x00") == 3


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_the_printer_would_print_reads_back(language):
    label = slip()
    done = interpret(render_bytes(label, language))
    assert done.language == language and done.labels == 1
    assert scan_code128(done.image) == [BARCODE]
    assert zxing_read(done.image) == {"Code128": BARCODE, "QRCode": QR}
    if language != "zpl":  # ZPL text is drawn in the printer's font, not ours
        ours = render(label).convert("L")
        theirs = done.image.convert("L").crop((0, 0, ours.width, ours.height))
        differing = sum(ImageChops.difference(ours, theirs).histogram()[1:])
        assert differing < ours.width * ours.height * 0.002


def test_zpl_graphic_text_prints_exactly_the_preview():
    label = slip()
    done = interpret(render_zpl(label, font=""))
    ours = render(label).convert("L")
    theirs = done.image.convert("L").crop((0, 0, ours.width, ours.height))
    assert sum(ImageChops.difference(ours, theirs).histogram()[1:]) < ours.width * ours.height * 0.002
    assert scan_code128(done.image) == [BARCODE]
