"""`prilavok import FILE [--kind sales|receipts|returns|stock|catalog]` — take a 1C export by hand."""
from __future__ import annotations

import sys
from pathlib import Path


def cmd_import(args) -> int:
    from appliance.cli import _open_db
    from appliance.exchange import importer

    _open_db()
    path = Path(args.file)
    if not path.is_file():
        print(f"Нет такого файла: {path}", file=sys.stderr)
        return 2
    entry = importer.import_file(path, source="cli", kind=args.kind)
    if entry.status != "done":
        print(entry.error, file=sys.stderr)
        return 1
    print(f"{entry.filename}: {entry.kind_label}; строк {entry.rows}, создано {entry.created}, "
          f"обновлено {entry.updated}, без изменений {entry.skipped}"
          + (f", чеков без клиента {entry.unmatched}" if entry.unmatched else "")
          + f"; {entry.duration_ms / 1000:.1f} с")
    if entry.notes:
        print(entry.notes)
    return 0


def register(sub) -> None:
    p = sub.add_parser("import", help="загрузить файл выгрузки из 1С (CommerceML XML или CSV)")
    p.add_argument("file", help="путь к файлу")
    p.add_argument("--kind", choices=["sales", "receipts", "returns", "stock", "catalog", "orders"],
                   help="что в CSV-файле (по умолчанию — по заголовкам; XML определяется сам)")
    p.set_defaults(func=cmd_import)
