"""Peewee models, one module per area of the shop."""
from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    """Import every model module, so that relations (backrefs) to a model are all known."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
