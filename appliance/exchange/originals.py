"""The exchange's originals: every file imported is kept as it came, under
``<var>/exchange/files/<year>/<month>/<log id>_<name>``, for «Обмен с 1С» to hand back."""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from appliance import clock, settings
from db.models.exchange import ImportLog


def exchange_dir() -> Path:
    """The exchange's folder in the data folder (originals, drop folder, uploads, progress marks)."""
    return settings.get().var_dir / "exchange"


def files_dir() -> Path:
    return exchange_dir() / "files"


def store_original(path: Path, filename: str, log_id: int, move: bool = False) -> str:
    """Keep the file (copy or move) and return its path relative to the store."""
    now = clock.utcnow()
    safe = re.sub(r"[^\w.\-]+", "_", filename)[-120:] or "file"
    rel = Path(f"{now:%Y}") / f"{now:%m}" / f"{log_id:07d}_{safe}"
    dest = files_dir() / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    if move:
        shutil.move(str(path), dest)
    else:
        shutil.copyfile(path, dest)
    return str(rel)


def original_path(entry: ImportLog) -> Path | None:
    """The kept original of a log row, if it is still there (never a path outside the store)."""
    if not entry.stored_path:
        return None
    path = (files_dir() / entry.stored_path).resolve()
    if files_dir().resolve() not in path.parents or not path.exists():
        return None
    return path


def sha256_of(path: Path) -> tuple[str, int]:
    """(hex digest, size) of a file, read in 1 MB pieces."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
