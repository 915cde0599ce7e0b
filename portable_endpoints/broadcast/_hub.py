"""``Broadcast``: the hub one process shares, with one upstream subscription per topic."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import anyio

from portable_endpoints.broadcast._backend import BackendFactory, BroadcastBackend, find_backend
from portable_endpoints.broadcast._codec import decode, encode
from portable_endpoints.broadcast._errors import BrokerUnavailable, MessageTooLarge
from portable_endpoints.broadcast._forwarding import Forwarding
from portable_endpoints.broadcast._subscription import OVERFLOW_POLICIES, Overflow, Subscription

logger = logging.getLogger("portable_endpoints.broadcast")


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class Broadcast:
    """A publish/subscribe hub on the broker named by ``url`` (``memory://``, ``redis://``, ``postgres://``).

    Connects on first use (``publish`` or ``subscribe``), from whichever event loop uses it, and
    keeps one upstream subscription per topic however many local subscribers it has. When the
    broker connection is lost it reconnects with exponential backoff (``reconnect_delay`` up to
    ``max_reconnect_delay`` seconds) and subscribes again; local subscribers stay. Meanwhile
    ``publish`` raises ``BrokerUnavailable`` at once. Delivery is at most once.

    :param queue_size: each local subscriber's queue bound (default for ``subscribe``).
    :param overflow: what a full queue does: ``"drop-oldest"`` (default) or ``"close"``.
    :param connect_timeout: seconds the first connection may take before ``BrokerUnavailable``.
    :param publish_timeout: seconds a publish may take before ``BrokerUnavailable``.
    """

    def __init__(
        self,
        url: str,
        *,
        queue_size: int = 1000,
        overflow: Overflow = "drop-oldest",
        connect_timeout: float = 5.0,
        publish_timeout: float = 5.0,
        reconnect_delay: float = 0.05,
        max_reconnect_delay: float = 2.0,
    ) -> None:
        self._factory: BackendFactory = find_backend(url)
        _check_policy(queue_size, overflow)
        self.url = url
        self.queue_size = queue_size
        self.overflow: Overflow = overflow
        self.connect_timeout = connect_timeout
        self.publish_timeout = publish_timeout
        self.reconnect_delay = reconnect_delay
        self.max_reconnect_delay = max_reconnect_delay
        self._topics: dict[str, set[Subscription]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reset()

    def _reset(self) -> None:
        self._backend: BroadcastBackend | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None
        self._upstream_lock: asyncio.Lock | None = None
        self._ever_connected = False
        self._last_error: BaseException | None = None

    # -- public API -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether the hub holds a live broker connection right now."""
        return self._backend is not None

    def subscribers(self, topic: str) -> int:
        """How many local subscribers ``topic`` has in this process."""
        return len(self._topics.get(topic, ()))

    async def publish(self, topic: str, message: Any) -> None:
        """Send ``message`` (``str``, ``bytes`` or a JSON value) to every subscriber of ``topic``, everywhere.

        Raises ``BrokerUnavailable`` when the broker cannot be reached (at once during an outage,
        or after ``publish_timeout``), ``MessageTooLarge`` when the backend cannot carry it.
        """
        _check_topic(topic)
        payload = encode(message)
        await self._start()
        backend = self._backend
        if backend is None:
            raise self._unavailable("cannot publish: the broker connection is lost and the hub is reconnecting")
        limit = backend.max_message_size
        if limit is not None and len(payload) > limit:
            raise MessageTooLarge(
                f"A {len(payload)}-byte message is larger than the {limit} bytes {urlsplit(self.url).scheme}:// carries"
            )
        try:
            with anyio.fail_after(self.publish_timeout):
                await backend.publish(topic, payload)
        except ValueError:  # MessageTooLarge, or a topic the backend cannot name
            raise
        except TimeoutError:
            raise self._unavailable(f"publish timed out after {self.publish_timeout} s") from None
        except Exception as exc:
            raise self._unavailable(f"publish failed ({type(exc).__name__}: {exc})") from exc

    def subscribe(self, topic: str, *, queue_size: int | None = None, overflow: Overflow | None = None) -> Subscription:
        """A subscription to ``topic``: ``async with hub.subscribe(topic) as messages: async for m in messages``.

        ``queue_size`` and ``overflow`` default to the hub's.
        """
        _check_topic(topic)
        size = self.queue_size if queue_size is None else queue_size
        policy = self.overflow if overflow is None else overflow
        _check_policy(size, policy)
        return Subscription(self, topic, size, policy)

    async def forward(self, websocket: Any, topic: str) -> Forwarding:
        """Send every message on ``topic`` to ``websocket`` until ``stop()``; ``websocket.subscribe`` calls this.

        Text goes as a text frame, bytes as a binary frame, JSON values as JSON text. A send that
        fails because the client has gone ends the forwarding quietly. Under ``overflow="close"``
        a client that falls behind is closed with 1013 (try again later).
        """
        return await Forwarding.start(self, websocket, topic)

    async def close(self) -> None:
        """Disconnect from the broker and end every local subscription. The hub may be used again."""
        supervisor = self._supervisor
        if supervisor is not None and self._loop is asyncio.get_running_loop():
            supervisor.cancel()
            with anyio.CancelScope(shield=True):
                await asyncio.gather(supervisor, return_exceptions=True)
        for subscriptions in self._topics.values():
            for subscription in subscriptions:
                subscription._end()
        self._topics.clear()
        self._reset()

    async def __aenter__(self) -> Broadcast:
        await self._start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @asynccontextmanager
    async def lifespan(self, app: object = None) -> AsyncIterator[None]:
        """A lifespan context for hosts that take one (``lifespan=hub.lifespan``): closes the hub at shutdown."""
        try:
            yield
        finally:
            await self.close()

    def __repr__(self) -> str:
        state = "connected" if self.connected else "disconnected"
        return f"<Broadcast {_redacted(self.url)!r} {state} topics={len(self._topics)}>"

    # -- connection management --------------------------------------------------------------

    async def _start(self) -> None:
        """Connect on first use in this event loop; raise ``BrokerUnavailable`` if the first attempt fails."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # First use, or a new event loop (a test run, a reloaded server): the old loop's tasks
            # and connections died with it.
            self._loop = loop
            self._reset()
        if self._ever_connected:
            return
        if self._supervisor is None:
            self._ready = asyncio.Event()
            self._upstream_lock = asyncio.Lock()
            self._supervisor = loop.create_task(self._supervise(), name=f"broadcast {_redacted(self.url)}")
        assert self._ready is not None
        await self._ready.wait()
        if not self._ever_connected:
            raise self._unavailable("cannot connect")

    def _unavailable(self, what: str) -> BrokerUnavailable:
        reason = f": {type(self._last_error).__name__}: {self._last_error}" if self._last_error is not None else ""
        return BrokerUnavailable(f"Broadcast broker {_redacted(self.url)} {what}{reason}")

    async def _supervise(self) -> None:
        """Connect, subscribe every topic, listen until the connection is lost; again, with backoff."""
        assert self._ready is not None
        assert self._upstream_lock is not None
        delay = self.reconnect_delay
        while True:
            backend = self._factory(self.url, self._deliver)
            try:
                try:
                    with anyio.fail_after(self.connect_timeout):
                        await backend.connect()
                        async with self._upstream_lock:
                            for topic in list(self._topics):
                                await backend.subscribe(topic)
                except Exception as exc:
                    self._last_error = exc
                    await backend.disconnect()
                    if not self._ever_connected:
                        # Nobody has seen this hub work: report to the caller, and let the next use retry.
                        self._supervisor = None
                        self._ready.set()
                        return
                    logger.warning("broadcast: cannot reconnect to %s (%s); retrying", _redacted(self.url), exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.max_reconnect_delay)
                    continue
                if self._ever_connected:
                    logger.warning("broadcast: reconnected to %s", _redacted(self.url))
                self._backend, self._ever_connected, self._last_error = backend, True, None
                self._ready.set()
                delay = self.reconnect_delay
                try:
                    await backend.listen()
                    self._last_error = ConnectionError("the broker closed the connection")
                except Exception as exc:
                    self._last_error = exc
                self._backend = None
                logger.warning("broadcast: lost %s (%s); reconnecting", _redacted(self.url), self._last_error)
                await backend.disconnect()
            except BaseException:
                # Cancelled by close() or by the event loop's shutdown.
                self._backend = None
                with anyio.CancelScope(shield=True):
                    await backend.disconnect()
                raise

    # -- local subscribers ------------------------------------------------------------------

    async def _attach(self, subscription: Subscription) -> None:
        await self._start()
        assert self._upstream_lock is not None
        topic = subscription.topic
        subscribers = self._topics.get(topic)
        if subscribers:
            subscribers.add(subscription)
            return
        async with self._upstream_lock:
            first = topic not in self._topics
            self._topics.setdefault(topic, set()).add(subscription)
            backend = self._backend
            if first and backend is not None:
                try:
                    await backend.subscribe(topic)
                except ValueError:  # a topic this backend cannot name
                    self._topics[topic].discard(subscription)
                    if not self._topics[topic]:
                        del self._topics[topic]
                    raise
                except Exception as exc:
                    # The connection is going down; the supervisor subscribes every topic again.
                    logger.warning("broadcast: cannot subscribe to %r yet (%s)", topic, exc)

    async def _detach(self, subscription: Subscription) -> None:
        topic = subscription.topic
        subscribers = self._topics.get(topic)
        if subscribers is None or subscription not in subscribers:
            return
        subscribers.discard(subscription)
        if subscribers:
            return
        if self._upstream_lock is None or self._loop is not asyncio.get_running_loop():
            self._topics.pop(topic, None)  # no live connection to tell
            return
        with anyio.CancelScope(shield=True):
            async with self._upstream_lock:
                if self._topics.get(topic):
                    return  # someone subscribed again meanwhile
                self._topics.pop(topic, None)
                backend = self._backend
                if backend is not None:
                    try:
                        await backend.unsubscribe(topic)
                    except Exception as exc:
                        logger.warning("broadcast: cannot unsubscribe from %r (%s)", topic, exc)

    def _deliver(self, topic: str, payload: bytes) -> None:
        subscribers = self._topics.get(topic)
        if not subscribers:
            return
        try:
            message = decode(payload)
        except ValueError:
            logger.warning("broadcast: dropped a malformed message on %r", topic)
            return
        for subscription in tuple(subscribers):
            subscription._put(message)


def _check_topic(topic: str) -> None:
    if not isinstance(topic, str) or not topic:
        raise ValueError(f"A broadcast topic is a non-empty str, not {topic!r}")


def _check_policy(queue_size: int, overflow: str) -> None:
    if not isinstance(queue_size, int) or queue_size < 1:
        raise ValueError(f"queue_size must be a positive int, not {queue_size!r}")
    if overflow not in OVERFLOW_POLICIES:
        raise ValueError(f"overflow must be one of {', '.join(map(repr, OVERFLOW_POLICIES))}, not {overflow!r}")
