"""In-process events between areas of the shop, with the subscribers named here.

Subscribers are listed by dotted path so that a process never misses one because a
module happened not to be imported. A handler runs in the publisher's transaction.
"""
from __future__ import annotations

import logging

from appliance import hooks

log = logging.getLogger(__name__)

SUBSCRIBERS: dict[str, list[str]] = {
    # A goods receipt was committed: parts orders mark the matching lines arrived.
    "goods_arrived": ["appliance.orders.arrival:on_goods_arrived"],
    # A customer's SMS was assembled and stored (message=SmsMessage). Offered in this order;
    # the first handler that returns True has taken it (a rating reply is not a question
    # for the counter). Handlers are added by the areas that read replies.
    "sms_received": [
        "appliance.ratings.replies:on_sms_received",  # a reply to a rating request (within [ratings] reply_hours)
        "appliance.sms.replies:on_sms_received",  # last: whatever no area took is a question for a person
    ],
}


def publish(event: str, **payload) -> list:
    results = []
    for handler in hooks.load_all(SUBSCRIBERS.get(event, [])):
        results.append(handler(**payload))
    return results


def offer(event: str, **payload) -> bool:
    """Hand the payload to the subscribers in order until one takes it (returns True)."""
    for handler in hooks.load_all(SUBSCRIBERS.get(event, [])):
        if handler(**payload):
            return True
    return False
