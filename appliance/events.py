"""In-process events between areas of the shop, with the subscribers named here.

Subscribers are listed by dotted path so that a process never misses one because a
module happened not to be imported. A handler runs in the publisher's transaction.
"""
from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

SUBSCRIBERS: dict[str, list[str]] = {
    # A goods receipt was committed: parts orders mark the matching lines arrived.
    "goods_arrived": ["appliance.orders.arrival:on_goods_arrived"],
}


def _resolve(path: str):
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None  # that area is not installed in this build
        raise
    return getattr(module, attr)


def publish(event: str, **payload) -> list:
    results = []
    for path in SUBSCRIBERS.get(event, []):
        handler = _resolve(path)
        if handler is None:
            log.debug("event %s: subscriber %s not present", event, path)
            continue
        results.append(handler(**payload))
    return results
