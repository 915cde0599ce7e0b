"""One local subscriber: a bounded queue with a declared overflow policy, read with ``async for``."""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from portable_endpoints.broadcast._errors import SubscriberOverflow

if TYPE_CHECKING:
    from portable_endpoints.broadcast._hub import Broadcast

Overflow = Literal["drop-oldest", "close"]
OVERFLOW_POLICIES: tuple[Overflow, ...] = ("drop-oldest", "close")


class Subscription:
    """``async with hub.subscribe(topic) as messages: async for message in messages: ...``.

    Messages wait in a queue of at most ``queue_size``. When a message arrives at a full queue,
    ``overflow="drop-oldest"`` drops the oldest one (counted in ``dropped``); ``overflow="close"``
    ends the subscription: the ``async for`` raises ``SubscriberOverflow``. Either way the hub never
    waits for a slow subscriber, so one cannot slow the others. Leaving the ``async with`` (or the
    hub closing) ends the iteration.
    """

    __slots__ = (
        "_active",
        "_closed",
        "_hub",
        "_overflowed",
        "_queue",
        "_waiter",
        "dropped",
        "overflow",
        "queue_size",
        "topic",
    )

    def __init__(self, hub: Broadcast, topic: str, queue_size: int, overflow: Overflow) -> None:
        self._hub = hub
        self.topic = topic
        self.queue_size = queue_size
        self.overflow = overflow
        #: how many messages ``drop-oldest`` has dropped so far
        self.dropped = 0
        self._queue: deque[Any] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._active = False
        self._closed = False
        self._overflowed = False

    async def __aenter__(self) -> Subscription:
        if self._active or self._closed:
            raise RuntimeError("A Subscription can be entered only once")
        await self._hub._attach(self)
        self._active = True
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Leave the topic; the iteration ends. Safe to call more than once."""
        if self._active:
            self._active = False
            self._end()
            await self._hub._detach(self)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Any:
        queue = self._queue
        while not queue:
            if self._overflowed:
                raise SubscriberOverflow(
                    f"The subscriber to {self.topic!r} fell {self.queue_size} messages behind (overflow='close')"
                )
            if self._closed:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return queue.popleft()

    def _put(self, message: Any) -> None:
        """Queue ``message`` without ever blocking the caller (the hub's receive loop)."""
        if self._closed:
            return
        queue = self._queue
        if len(queue) >= self.queue_size:
            if self.overflow == "close":
                queue.clear()
                self._overflowed = True
                self._end()
                return
            queue.popleft()
            self.dropped += 1
        queue.append(message)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _end(self) -> None:
        self._closed = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def __repr__(self) -> str:
        return f"<Subscription {self.topic!r} queued={len(self._queue)} dropped={self.dropped}>"
