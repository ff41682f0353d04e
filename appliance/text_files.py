"""Which encoding a text file people or 1C hand the shop is in: one rule for every upload.

1C, Excel and supplier price lists on Windows write cp1251; newer ones write UTF-8, often
with a BOM. The CSV import of 1C, the supplier price lists and the uploads of the stock
pages all read files through here.
"""
from __future__ import annotations

import codecs


def detect_encoding(head: bytes, complete: bool = False) -> str:
    """``utf-8-sig`` for a BOM, ``utf-8`` when the bytes read as UTF-8, else ``cp1251``.

    ``head`` may be the first block of a longer file: a character cut at its end does not
    count against UTF-8 unless ``complete`` says these are all the bytes.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1251"


def decode(raw: bytes, encoding: str = "auto") -> str:
    """A whole file as text; ``auto`` detects. The one byte cp1251 lacks (0x98) becomes '\ufffd'
    instead of turning the whole Russian file into Latin-1 mojibake."""
    if encoding and encoding != "auto":
        return raw.decode(encoding)
    enc = detect_encoding(raw, complete=True)
    return raw.decode(enc, errors="replace" if enc == "cp1251" else "strict")
