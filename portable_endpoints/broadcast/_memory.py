"""``memory://``: one process, for tests and development. Hubs with the same URL share messages.

``memory://`` and ``memory://room`` are separate namespaces. Nothing leaves the process, there is
no size limit, and the connection is never lost.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from portable_endpoints.broadcast._backend import Deliver

# namespace -> topic -> backends subscribed to it
_namespaces: defaultdict[str, defaultdict[str, set[MemoryBackend]]] = defaultdict(lambda: defaultdict(set))


class MemoryBackend:
    max_message_size: int | None = None

    def __init__(self, url: str, deliver: Deliver) -> None:
        self._topics = _namespaces[url.partition("://")[2]]
        self._deliver = deliver
        self._subscribed: set[str] = set()
        self._closed = asyncio.Event()

    async def connect(self) -> None:
        pass

    async def listen(self) -> None:
        await self._closed.wait()

    async def subscribe(self, topic: str) -> None:
        self._topics[topic].add(self)
        self._subscribed.add(topic)

    async def unsubscribe(self, topic: str) -> None:
        self._subscribed.discard(topic)
        subscribers = self._topics.get(topic)
        if subscribers is not None:
            subscribers.discard(self)
            if not subscribers:
                del self._topics[topic]

    async def publish(self, topic: str, payload: bytes) -> None:
        for backend in tuple(self._topics.get(topic, ())):
            backend._deliver(topic, payload)

    async def disconnect(self) -> None:
        for topic in tuple(self._subscribed):
            await self.unsubscribe(topic)
        self._closed.set()
