"""Broadcast: carry messages to WebSocket clients in every process, through a broker.

``hub = Broadcast("redis://localhost:6379")``, then ``await hub.publish(topic, message)``, and
either ``await websocket.subscribe(hub, topic)`` inside a ``WebSocketEndpoint`` or
``async with hub.subscribe(topic) as messages: async for message in messages: ...``.
Backends are plugins in the ``portable_endpoints.broadcast`` entry-point group, chosen by the
URL's scheme: ``memory://`` (built in), ``redis://`` (``[redis]``), ``postgres://`` (``[postgres]``).
"""

from portable_endpoints.broadcast._backend import ENTRY_POINT_GROUP, BroadcastBackend, Deliver
from portable_endpoints.broadcast._errors import (
    BackendNotFound,
    BackendUnavailable,
    BroadcastError,
    BrokerUnavailable,
    MessageTooLarge,
    SubscriberOverflow,
)
from portable_endpoints.broadcast._forwarding import Forwarding
from portable_endpoints.broadcast._hub import Broadcast
from portable_endpoints.broadcast._subscription import Overflow, Subscription

__all__ = [
    "BackendNotFound",
    "BackendUnavailable",
    "Broadcast",
    "BroadcastBackend",
    "BroadcastError",
    "BrokerUnavailable",
    "Deliver",
    "ENTRY_POINT_GROUP",
    "Forwarding",
    "MessageTooLarge",
    "Overflow",
    "SubscriberOverflow",
    "Subscription",
]
