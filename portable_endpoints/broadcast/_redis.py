"""``redis://`` (and ``rediss://``): Redis pub/sub through redis-py's asyncio client.

One pub/sub connection per hub carries every topic (SUBSCRIBE once per topic); publishing uses
the client's connection pool. redis-py's own retries are off: the hub reconnects, with backoff,
and subscribes every topic again. Messages are limited by the server's ``proto-max-bulk-len``
(512 MiB by default).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import anyio
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from portable_endpoints.broadcast._backend import Deliver

MAX_MESSAGE_SIZE = 512 * 1024 * 1024
#: How long a subscribe waits for the server's confirmation before going on regardless.
CONFIRM_TIMEOUT = 5.0


class RedisBackend:
    max_message_size: int | None = MAX_MESSAGE_SIZE

    def __init__(self, url: str, deliver: Deliver) -> None:
        self._url = url
        self._deliver = deliver
        self._client: redis.asyncio.Redis | None = None
        self._pubsub: Any = None
        self._listening = False
        # topic -> subscribe calls waiting for the server to confirm
        self._confirmations: defaultdict[str, list[asyncio.Future[None]]] = defaultdict(list)

    async def connect(self) -> None:
        self._client = redis.asyncio.Redis.from_url(self._url, retry=Retry(NoBackoff(), 0), socket_keepalive=True)
        await self._client.ping()
        self._pubsub = self._client.pubsub()
        await self._pubsub.connect()

    async def listen(self) -> None:
        pubsub, deliver = self._pubsub, self._deliver
        self._listening = True
        try:
            while True:
                message = await pubsub.get_message(timeout=None)
                if message is None:
                    continue
                kind = message["type"]
                if kind == "message":
                    deliver(message["channel"].decode("utf-8"), message["data"])
                elif kind == "subscribe":
                    for waiter in self._confirmations.pop(message["channel"].decode("utf-8"), ()):
                        if not waiter.done():
                            waiter.set_result(None)
        finally:
            self._listening = False

    async def subscribe(self, topic: str) -> None:
        if not self._listening:  # (re)connecting: nobody reads the confirmation yet
            await self._pubsub.subscribe(topic)
            return
        # Wait for the server's confirmation, so what is published after this returns arrives.
        waiter = asyncio.get_running_loop().create_future()
        self._confirmations[topic].append(waiter)
        await self._pubsub.subscribe(topic)
        # Without a confirmation the connection is going down: the hub subscribes again after reconnecting.
        with anyio.move_on_after(CONFIRM_TIMEOUT):
            await waiter

    async def unsubscribe(self, topic: str) -> None:
        await self._pubsub.unsubscribe(topic)

    async def publish(self, topic: str, payload: bytes) -> None:
        assert self._client is not None
        await self._client.publish(topic, payload)

    async def disconnect(self) -> None:
        try:
            if self._pubsub is not None:
                await self._pubsub.aclose()
        except Exception:  # the connection is already gone
            pass
        try:
            if self._client is not None:
                await self._client.aclose()
        except Exception:
            pass
