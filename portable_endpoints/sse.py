"""Server-sent events: sse-starlette's ``EventSourceResponse`` and ``ServerSentEvent``, on every host.

Porting from sse-starlette is a change of imports (``sse_starlette.sse`` -> ``portable_endpoints.sse``);
the names, options, headers and wire format are sse-starlette 3.7's (BSD-3, Sysid; its event
encoding is ported here). The response is a portable ``StreamingResponse``: the hosts that send a
neutral response themselves (Starlette, FastAPI, Litestar, the bare ASGI host) call it, the hosts
that convert it (Quart, Django) stream its ``chunks()``; each event is flushed as it is produced,
and the stream stops (its iterator closed, ``finally`` run) as soon as the client leaves.

The pings and ``data_sender_callable`` run beside the body iterator in asyncio tasks: the response
needs an asyncio event loop, which every supported server runs.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable, Coroutine, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

import anyio

from portable_endpoints.background import BackgroundTask
from portable_endpoints.datastructures import MutableHeaders
from portable_endpoints.responses import StreamingResponse, close_iterator
from portable_endpoints.types import Message, Scope, Send

__all__ = ["EventSourceResponse", "JSONServerSentEvent", "SendTimeoutError", "ServerSentEvent", "ensure_bytes"]

_LINE_SEP = re.compile(r"\r\n|\r|\n")
_SEPARATORS = ("\r\n", "\r", "\n")
#: the keyword arguments of an event (a yielded dict's keys)
_FIELDS = frozenset({"data", "event", "id", "retry", "comment", "sep"})


class ServerSentEvent:
    """One event, encoded by ``encode()`` as the SSE wire format: ``comment`` lines, ``id``,
    ``event``, one ``data:`` line per line of ``data``, ``retry``, then a blank line.

    ``sep`` ends each line (``"\\r\\n"`` by default). Line breaks are removed from ``id`` and
    ``event``, and split ``data`` and ``comment`` into several lines, as sse-starlette does.
    """

    DEFAULT_SEPARATOR = "\r\n"

    def __init__(
        self,
        data: Any | None = None,
        *,
        event: str | None = None,
        id: str | None = None,
        retry: int | None = None,
        comment: str | None = None,
        sep: str | None = None,
    ) -> None:
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry
        self.comment = comment
        self._sep = sep if sep is not None else self.DEFAULT_SEPARATOR

    def encode(self) -> bytes:
        """The event as UTF-8 bytes; a ``retry`` that is not an ``int`` is a ``TypeError``."""
        return _encode(self.data, self.event, self.id, self.retry, self.comment, self._sep)


def _encode(
    data: Any | None = None,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
    sep: str = ServerSentEvent.DEFAULT_SEPARATOR,
) -> bytes:
    """An event's fields on the wire (``ServerSentEvent.encode``; a yielded dict's, without an object)."""
    parts: list[str] = []
    if comment is not None:
        parts.extend(f": {line}{sep}" for line in _lines(str(comment)))
    if id is not None:
        parts.append("id: " + _one_line(id) + sep)
    if event is not None:
        parts.append("event: " + _one_line(event) + sep)
    if data is not None:
        parts.extend(f"data: {line}{sep}" for line in _lines(str(data)))
    if retry is not None:
        if not isinstance(retry, int):
            raise TypeError("retry argument must be int")
        parts.append(f"retry: {retry}{sep}")
    parts.append(sep)
    return "".join(parts).encode("utf-8")


def _lines(text: str) -> list[str]:
    """``text`` split at its line breaks (most events have none: no regular expression then)."""
    if "\n" in text or "\r" in text:
        return _LINE_SEP.split(text)
    return [text]


def _one_line(text: str) -> str:
    """``text`` with its line breaks removed (anything but a ``str`` is the regular expression's error)."""
    if type(text) is str and "\n" not in text and "\r" not in text:
        return text
    return _LINE_SEP.sub("", text)


class JSONServerSentEvent(ServerSentEvent):
    """An event whose ``data`` is serialised as compact JSON (non-ASCII kept, NaN refused)."""

    def __init__(self, data: Any | None = None, **kwargs: Any) -> None:
        text = None if data is None else json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        super().__init__(text, **kwargs)


def ensure_bytes(data: Any, sep: str) -> bytes:
    """What the body iterator yielded, as bytes on the wire: bytes as they are, an event encoded, a
    dict as the keyword arguments of an event, anything else as the ``data`` of an event."""
    if isinstance(data, bytes | memoryview):
        return bytes(data)
    if isinstance(data, ServerSentEvent):
        return data.encode()
    if isinstance(data, dict):
        if data.keys() <= _FIELDS:
            return _encode(**{**data, "sep": sep})
        return ServerSentEvent(**{**data, "sep": sep}).encode()  # the constructor's error for a bad key
    return ServerSentEvent(str(data), sep=sep).encode()


class SendTimeoutError(TimeoutError):
    """An event (or ping) could not be sent within ``send_timeout`` seconds: the client stalls."""


class EventSourceResponse(StreamingResponse):
    """A ``text/event-stream`` response: each item of ``content`` is one event (see ``ensure_bytes``).

    :param ping: seconds between keep-alive comments sent while no event comes (15; 0: none).
    :param sep: the line separator, ``"\\r\\n"`` (default), ``"\\r"`` or ``"\\n"``.
    :param ping_message_factory: makes the ping event (default: a ``ping - <time>`` comment).
    :param data_sender_callable: a coroutine function run beside the stream (it typically feeds
        the channel the body iterator reads), cancelled when the stream ends.
    :param send_timeout: seconds one send may take before ``SendTimeoutError`` ends the stream (on
        the hosts that send the chunks themselves, Quart and Django, their sending is cancelled and
        the error logged: the stream ends, its iterator closed).
    """

    DEFAULT_PING_INTERVAL = 15
    DEFAULT_SEPARATOR = "\r\n"
    media_type = "text/event-stream"
    # As sse-starlette: the disconnect is listened for on every ASGI spec version, so a stream
    # waiting for its next event stops at once, and the background task runs after it.
    always_listens = True

    def __init__(
        self,
        content: AsyncIterable[Any] | Iterable[Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str = "text/event-stream",
        background: BackgroundTask | None = None,
        ping: float | None = None,
        sep: str | None = None,
        ping_message_factory: Callable[[], ServerSentEvent] | None = None,
        data_sender_callable: Callable[[], Coroutine[None, None, None]] | None = None,
        send_timeout: float | None = None,
    ) -> None:
        if sep not in (None, *_SEPARATORS):
            raise ValueError(f"sep must be one of: \\r\\n, \\r, \\n, got: {sep!r}")
        self.sep = sep or self.DEFAULT_SEPARATOR
        sse_headers = MutableHeaders()
        if headers is not None:
            sse_headers.update(headers)
        # The user may allow caching (a fan-out proxy); the rest is what an event stream needs.
        sse_headers.setdefault("Cache-Control", "no-store")
        sse_headers["Connection"] = "keep-alive"
        sse_headers["X-Accel-Buffering"] = "no"
        super().__init__(content, status_code, dict(sse_headers.items()), media_type, background)
        self.ping_interval = self.DEFAULT_PING_INTERVAL if ping is None else ping
        self.ping_message_factory = ping_message_factory
        self.data_sender_callable = data_sender_callable
        self.send_timeout = send_timeout

    @property
    def ping_interval(self) -> float:
        """Seconds between pings (0: no pings)."""
        return self._ping_interval

    @ping_interval.setter
    def ping_interval(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError("ping interval must be int or float")
        if value < 0:
            raise ValueError("ping interval must be >= 0 (0 disables ping)")
        self._ping_interval = value

    @property
    def _host_send_limit(self) -> float | None:  # type: ignore[override]
        return self.send_timeout

    def _ping(self) -> bytes:
        factory = self.ping_message_factory
        event = factory() if factory is not None else ServerSentEvent(comment=f"ping - {datetime.now(timezone.utc)}")
        return ensure_bytes(event, self.sep)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The events as bytes, with a ping whenever none has come for ``ping`` seconds."""
        events = aiter(self.body_iterator)
        interval = self.ping_interval or None
        if interval is None and self.data_sender_callable is None:
            # Nothing runs beside the events: read them directly (a task per event, as below,
            # costs three event-loop turns each, and made an event 1.7x sse-starlette's).
            try:
                async for event in events:
                    yield ensure_bytes(event, self.sep)
            finally:
                await close_iterator(events)
            return
        sender = asyncio.ensure_future(self.data_sender_callable()) if self.data_sender_callable else None
        # The next event is awaited in a task of its own, so that a ping's timer never cancels
        # the iterator mid-await (its state would be lost).
        following: asyncio.Future[Any] | None = None
        try:
            while True:
                if following is None:
                    following = asyncio.ensure_future(anext(events))
                waited = {following} if sender is None else {following, sender}
                done, _ = await asyncio.wait(waited, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
                if sender is not None and sender in done:
                    sender.result()  # its error, if it failed, ends the stream
                    sender = None
                if following not in done:
                    if not done:
                        yield self._ping()
                    continue
                ready, following = following, None
                try:
                    event = ready.result()
                except StopAsyncIteration:
                    return
                yield ensure_bytes(event, self.sep)
        finally:
            for task in (following, sender):
                if task is not None and not task.done():
                    task.cancel()  # the iterator's (or sender's) pending await ends here
                    await asyncio.wait({task})
            await close_iterator(events)

    async def send_chunks(self, scope: Scope, send: Send) -> None:
        """Send the events, each send limited to ``send_timeout`` seconds."""
        await super().send_chunks(scope, send if self.send_timeout is None else self._timed(send))

    def _timed(self, send: Send) -> Send:
        timeout = self.send_timeout

        async def timed_send(message: Message) -> None:
            with anyio.move_on_after(timeout) as scope:
                await send(message)
            if scope.cancelled_caught:
                raise SendTimeoutError()

        return timed_send
