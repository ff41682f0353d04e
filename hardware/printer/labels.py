"""A label as plain data: size in millimetres, print resolution, and what is on it.

Positions and sizes are in millimetres from the top-left corner of the label, so the
same layout prints on a 203 dpi and a 300 dpi head; renderers convert to dots.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MM_PER_INCH = 25.4


@dataclass
class TextBlock:
    """One line of text. ``size_mm`` is the font's em height; ``width_mm`` is the box the
    text is aligned in and shrunk to fit (None: from ``x_mm`` to the right edge)."""

    text: str
    x_mm: float
    y_mm: float
    size_mm: float = 3.0
    bold: bool = False
    width_mm: float | None = None
    align: str = "left"  # left | center | right


@dataclass
class Barcode:
    """A Code 128 barcode. ``module_mm`` is the narrow bar width (rounded to whole dots)."""

    data: str
    x_mm: float
    y_mm: float
    height_mm: float = 8.0
    module_mm: float = 0.25
    human_readable: bool = True
    text_size_mm: float = 2.6


@dataclass
class QRCode:
    """A QR code; ``module_mm`` is one cell (rounded to whole dots)."""

    data: str
    x_mm: float
    y_mm: float
    module_mm: float = 0.5
    error: str = "M"  # L | M | Q | H
    side_mm: float = 0.0  # filled in by layouts that size the symbol; renderers ignore it


@dataclass
class Box:
    """A rectangle: filled when ``thickness_mm`` is None, otherwise an outline."""

    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    thickness_mm: float | None = None


@dataclass
class Label:
    width_mm: float = 58.0
    height_mm: float = 40.0
    dpi: int = 203
    texts: list[TextBlock] = field(default_factory=list)
    barcodes: list[Barcode] = field(default_factory=list)
    qrcodes: list[QRCode] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    copies: int = 1

    def dots(self, mm: float) -> int:
        return int(round(mm * self.dpi / MM_PER_INCH))

    @property
    def width_dots(self) -> int:
        return self.dots(self.width_mm)

    @property
    def height_dots(self) -> int:
        return self.dots(self.height_mm)

    def module_dots(self, mm: float) -> int:
        return max(1, self.dots(mm))

    def text_box(self, block: TextBlock) -> tuple[int, int]:
        """(x, width) in dots of the box a text block is aligned in."""
        x = self.dots(block.x_mm)
        if block.width_mm is not None:
            return x, self.dots(block.width_mm)
        return x, max(1, self.width_dots - x)

    def all_text(self) -> str:
        return "\n".join(t.text for t in self.texts)
