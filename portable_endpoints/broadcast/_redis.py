"""``redis://`` (and ``rediss://``): Redis pub/sub through redis-py's asyncio client.

One pub/sub connection per hub carries every topic (SUBSCRIBE once per topic); publishing uses
the client's connection pool. redis-py's own retries are off: the hub reconnects, with backoff,
and subscribes every topic again. Messages are limited by the server's ``proto-max-bulk-len``
(512 MiB by default).
"""

from __future__ import annotations

from typing import Any

import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from portable_endpoints.broadcast._backend import Deliver

MAX_MESSAGE_SIZE = 512 * 1024 * 1024


class RedisBackend:
    max_message_size: int | None = MAX_MESSAGE_SIZE

    def __init__(self, url: str, deliver: Deliver) -> None:
        self._url = url
        self._deliver = deliver
        self._client: redis.asyncio.Redis | None = None
        self._pubsub: Any = None

    async def connect(self) -> None:
        self._client = redis.asyncio.Redis.from_url(self._url, retry=Retry(NoBackoff(), 0), socket_keepalive=True)
        await self._client.ping()
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.connect()

    async def listen(self) -> None:
        pubsub, deliver = self._pubsub, self._deliver
        while True:
            message = await pubsub.get_message(timeout=None)
            if message is not None and message["type"] == "message":
                deliver(message["channel"].decode("utf-8"), message["data"])

    async def subscribe(self, topic: str) -> None:
        await self._pubsub.subscribe(topic)

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
