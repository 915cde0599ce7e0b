"""``postgres://`` (and ``postgresql://``): PostgreSQL LISTEN/NOTIFY through asyncpg.

A dedicated connection LISTENs to every topic of the hub; publishing is ``pg_notify`` on a small
pool. NOTIFY carries text of fewer than 8,000 bytes: a larger message raises ``MessageTooLarge``
(bytes, and text with a NUL, travel base64-encoded, a third larger). A topic is a channel name of
at most 63 bytes.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import asyncpg

from portable_endpoints.broadcast._backend import Deliver
from portable_endpoints.broadcast._errors import MessageTooLarge

#: NOTIFY's payload limit in a default PostgreSQL build: "must be shorter than 8000 bytes".
MAX_PAYLOAD = 7999
MAX_CHANNEL = 63
_BASE64 = "\x1e~"


def _to_text(payload: bytes) -> str:
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text or text.startswith(_BASE64):
        return _BASE64 + base64.b64encode(payload).decode("ascii")
    return text


def _from_text(text: str) -> bytes:
    if text.startswith(_BASE64):
        return base64.b64decode(text[len(_BASE64) :])
    return text.encode("utf-8")


def _check_channel(topic: str) -> None:
    if len(topic.encode("utf-8")) > MAX_CHANNEL:
        raise ValueError(f"A postgres:// topic is a channel name of at most {MAX_CHANNEL} bytes, not {topic!r}")


class PostgresBackend:
    max_message_size: int | None = MAX_PAYLOAD

    def __init__(self, url: str, deliver: Deliver) -> None:
        self._url = url
        self._deliver = deliver
        self._listener: Any = None
        self._pool: Any = None
        self._lost = asyncio.Event()

    async def connect(self) -> None:
        self._listener = await asyncpg.connect(self._url)
        self._listener.add_termination_listener(self._on_terminated)
        self._pool = await asyncpg.create_pool(self._url, min_size=1, max_size=4)

    def _on_terminated(self, connection: Any) -> None:
        self._lost.set()

    def _on_notify(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        self._deliver(channel, _from_text(payload))

    async def listen(self) -> None:
        await self._lost.wait()

    async def subscribe(self, topic: str) -> None:
        _check_channel(topic)
        await self._listener.add_listener(topic, self._on_notify)

    async def unsubscribe(self, topic: str) -> None:
        await self._listener.remove_listener(topic, self._on_notify)

    async def publish(self, topic: str, payload: bytes) -> None:
        _check_channel(topic)
        text = _to_text(payload)
        size = len(text.encode("utf-8"))
        if size > MAX_PAYLOAD:
            raise MessageTooLarge(
                f"PostgreSQL NOTIFY carries at most 7999 bytes; this message takes {size} "
                "(bytes travel base64-encoded): send a smaller one, or use redis://"
            )
        await self._pool.execute("SELECT pg_notify($1, $2)", topic, text)

    async def disconnect(self) -> None:
        if self._listener is not None:
            try:
                await asyncio.wait_for(self._listener.close(), 2)
            except Exception:  # already gone
                self._listener.terminate()
        if self._pool is not None:
            try:
                await asyncio.wait_for(self._pool.close(), 2)
            except Exception:
                self._pool.terminate()
