"""The watched drop folder (e.g. a Samba share 1C writes to): var/exchange/in.

A file is taken only once it has stopped growing (1C may still be writing it), imported,
and moved to ``done/`` or ``failed/`` beside ``in/`` with the import log id in its name.
"""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from appliance import settings
from appliance.exchange import importer, originals
from db.models.exchange import ImportLog

log = logging.getLogger(__name__)

SUFFIXES = {".xml", ".csv", ".txt"}
SETTLE_SECONDS = 5.0


def inbox() -> Path:
    custom = settings.get().get("exchange", "drop_dir") or ""
    return Path(custom) if custom else originals.exchange_dir() / "in"


def _outbox(name: str) -> Path:
    path = inbox().parent / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def ready_files(settle: float = SETTLE_SECONDS) -> list[Path]:
    folder = inbox()
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    files = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith((".", "~")) or path.suffix.lower() not in SUFFIXES:
            continue
        if now - path.stat().st_mtime < settle:
            continue  # still being written
        files.append(path)
    return files


def process(settle: float = SETTLE_SECONDS) -> list[ImportLog]:
    """Import every settled file in the inbox; safe to run again at any moment."""
    done = []
    for path in ready_files(settle):
        try:
            entry = importer.import_file(path, source="folder")
        except Exception:
            log.exception("exchange folder: %s could not be imported", path.name)
            continue
        target = _outbox("done" if entry.status == "done" else "failed") / f"{entry.id:07d}_{path.name}"
        try:
            shutil.move(str(path), target)
        except OSError:
            log.exception("exchange folder: cannot move %s to %s", path, target)
        done.append(entry)
    return done
