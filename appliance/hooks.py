"""Extension points named by dotted path ("package.module:function").

Areas plug into shared lists (event subscribers, status probes, scan resolvers, device
drainers, demo steps) by path, so nothing depends on import order and an area that is
not installed is simply skipped.
"""
from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)


def load(path: str):
    """The function named by `path`, or None when its module is not part of this build."""
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            log.debug("hook %s: module not present", path)
            return None
        raise
    return getattr(module, attr)


def load_all(paths) -> list:
    return [fn for fn in (load(p) for p in paths) if fn is not None]
