"""Any ASGI application answering an HTTP request on a host that gives the adapter no ASGI ``send``.

Quart and Django send a response object they built themselves; they never hand a view the raw
``send``. To answer with an ASGI response (Starlette's, sse-starlette's, a mounted app, a
``dispatch()`` that writes to ``self.send``), the app runs in a task of its own, with a ``send``
that hands its messages over one by one: ``bridge`` waits for ``http.response.start`` and gives
the adapter the status, the raw headers and the body chunks as they come, for its own streaming
response. The task finishes the app's remaining work (its background) after the last body chunk;
when the host stops reading early (the client left, the host cancelled), the task is cancelled.

The request body reaches the app through ``request_receive``: the host's ASGI ``receive`` when
the request has one, else ``http.request`` messages made from the body the host read. Response
extensions of the server (``http.response.pathsend`` and the like) are hidden from the scope the
bridge passes on; an app that sends a ``pathsend`` anyway (from the request's own scope) has its
file read by the bridge.

asyncio only: the hosts without a raw ``send`` (Quart, Django) run on asyncio.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from typing import Any, NoReturn

from portable_endpoints.requests import Request, _no_receive
from portable_endpoints.types import ASGIApp, Message, Receive, Scope

RawHeaders = list[tuple[bytes, bytes]]

#: Response extensions the bridge cannot pass on: it carries the start and body messages only.
_UNBRIDGED_EXTENSIONS = (
    "http.response.pathsend",
    "http.response.zerocopysend",
    "http.response.trailers",
    "http.response.push",
    "http.response.early_hint",
)
_NOTHING: Any = object()
_FILE_CHUNK = 64 * 1024
#: Strong references to running app tasks: asyncio keeps only weak ones.
_RUNNING: set[asyncio.Task[None]] = set()


class _Exchange:
    """What the app's task and the host's body iterator share (never the iterator itself, so an
    iterator the host drops can be collected, which cancels the app)."""

    __slots__ = ("chunks", "complete", "drained", "headers", "started", "status")

    def __init__(self) -> None:
        self.started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        #: body chunks, then None after the last; the app waits for the host to take each chunk
        #: before it goes on, except after the last, when its background work may start at once
        self.chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.status = 500
        self.headers: RawHeaders = []
        #: the app sent its last body message (or returned): what follows is its background
        self.complete = False
        #: the host has taken every chunk: the response is out
        self.drained = False

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self.started.done():
                raise RuntimeError("ASGI app sent 'http.response.start' twice")
            self.status = int(message["status"])
            self.headers = [(bytes(key), bytes(value)) for key, value in message.get("headers", ())]
            self.started.set_result(None)
        elif kind == "http.response.body":
            if not self.started.done():
                raise RuntimeError("ASGI app sent 'http.response.body' before 'http.response.start'")
            if self.complete:
                raise RuntimeError("ASGI app sent 'http.response.body' after the response was complete")
            body = bytes(message.get("body", b""))
            if body:
                self.chunks.put_nowait(body)
            if message.get("more_body", False):
                await self.chunks.join()  # back-pressure: the host has taken what was sent
            else:
                self.complete = True
                self.chunks.put_nowait(None)
        elif kind == "http.response.pathsend":
            # The server's file-sending extension, which an app may use when the host's scope
            # offers it (apps answering with the request's own scope): the file, read here.
            if not self.started.done() or self.complete:
                raise RuntimeError("ASGI app sent 'http.response.pathsend' outside a response")
            await self._send_file(message["path"])
        elif kind != "http.response.debug":  # test clients' template context: nothing to send
            raise RuntimeError(f"Unexpected ASGI message {kind!r} for an HTTP response")

    async def _send_file(self, path: str) -> None:
        opening = asyncio.ensure_future(asyncio.to_thread(open, path, "rb"))
        try:
            file = await asyncio.shield(opening)
        except asyncio.CancelledError:
            # The thread opens the file all the same: it is closed once it is open.
            opening.add_done_callback(_close_opened)
            raise
        try:
            while chunk := await asyncio.to_thread(file.read, _FILE_CHUNK):
                self.chunks.put_nowait(chunk)
                await self.chunks.join()
        finally:
            file.close()  # a file opened for reading closes at once
        self.complete = True
        self.chunks.put_nowait(None)


def _close_opened(opening: asyncio.Future[Any]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        opening.result().close()


class BridgedResponse:
    """An ASGI app's answer, for a host to send as its own streaming response.

    ``status`` and ``headers`` (raw, in order, repeated ones kept) come from the app's
    ``http.response.start``; ``body`` yields the body chunks as the app sends them. Once the host
    has sent the last body message it awaits ``finish()``: the app's remaining work (a background
    task) ends there. Closing ``body`` early, or ``finish()`` before the body is complete, cancels
    the app.
    """

    __slots__ = ("_exchange", "_task", "body", "headers", "status")

    def __init__(self, exchange: _Exchange, task: asyncio.Task[None]) -> None:
        self._exchange = exchange
        self._task = task
        self.status = exchange.status
        self.headers = exchange.headers
        self.body: AsyncIterator[bytes] = _Body(exchange, task)

    async def finish(self) -> None:
        """Wait for the app to return (its background work), or cancel it if the body was not all sent."""
        task = self._task
        if not self._exchange.drained and not task.done():
            task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            if not task.cancelled():
                raise
        finally:
            _RUNNING.discard(task)

    def __repr__(self) -> str:
        return f"BridgedResponse(status={self.status!r}, headers={self.headers!r})"


class _Body:
    """The body chunks of a ``BridgedResponse``; cancels the app when closed or dropped early."""

    __slots__ = ("__weakref__", "_done", "_exchange", "_task")

    def __init__(self, exchange: _Exchange, task: asyncio.Task[None]) -> None:
        self._exchange = exchange
        self._task = task
        self._done = False
        weakref.finalize(self, _cancel_unless_drained, exchange, task)

    def __aiter__(self) -> _Body:
        return self

    async def __anext__(self) -> bytes:
        if self._done:
            raise StopAsyncIteration
        chunks = self._exchange.chunks
        task = self._task
        chunk = self._next_chunk(chunks)
        while chunk is _NOTHING:
            if task.done():
                self._done = self._exchange.drained = True
                _raise_failure(task)
                raise StopAsyncIteration  # the app returned without a final body message
            getter = asyncio.ensure_future(chunks.get())
            try:
                await asyncio.wait((getter, task), return_when=asyncio.FIRST_COMPLETED)
            except BaseException:
                getter.cancel()
                task.cancel()  # the host gave up on the response: so does the app
                raise
            if getter.done():
                chunk = getter.result()
                chunks.task_done()
            else:
                getter.cancel()
                chunk = self._next_chunk(chunks)
        if chunk is None:
            self._done = self._exchange.drained = True
            raise StopAsyncIteration
        body: bytes = chunk
        return body

    @staticmethod
    def _next_chunk(chunks: asyncio.Queue[bytes | None]) -> Any:
        if chunks.empty():
            return _NOTHING
        chunk = chunks.get_nowait()
        chunks.task_done()
        return chunk

    async def aclose(self) -> None:
        self._done = True
        _cancel_unless_drained(self._exchange, self._task)


def _cancel_unless_drained(exchange: _Exchange, task: asyncio.Task[None]) -> None:
    if not exchange.drained and not task.done():
        task.cancel()


def _raise_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        exc = task.exception()
        if exc is not None:
            raise exc


def bridge_scope(scope: Scope) -> Scope:
    """``scope`` without the response extensions the bridge cannot carry (the app then falls back)."""
    extensions = scope.get("extensions")
    if not extensions or not any(name in extensions for name in _UNBRIDGED_EXTENSIONS):
        return scope
    kept = {name: value for name, value in extensions.items() if name not in _UNBRIDGED_EXTENSIONS}
    return {**scope, "extensions": kept}


async def bridge(app: ASGIApp, scope: Scope, receive: Receive) -> BridgedResponse:
    """Run ``app`` for an HTTP request and return its answer once it has sent ``http.response.start``.

    An exception the app raises before starting its response propagates here; one raised later
    comes out of the body iterator. An app that returns without starting a response is a
    ``RuntimeError``.
    """
    exchange = _Exchange()

    async def run() -> None:
        await app(bridge_scope(scope), receive, exchange.send)

    task = asyncio.ensure_future(run())
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    try:
        await asyncio.wait((exchange.started, task), return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        task.cancel()
        raise
    if not exchange.started.done():
        exchange.started.cancel()
        _raise_failure(task)
        raise RuntimeError(f"ASGI app {app!r} returned without starting a response")
    return BridgedResponse(exchange, task)


async def _wait_forever() -> NoReturn:
    await asyncio.get_running_loop().create_future()
    raise AssertionError("unreachable")  # pragma: no cover


def request_receive(request: Request[Any]) -> Receive:
    """An ASGI ``receive`` for an app answering ``request``: the request's own when the host gave it
    one and the body is unread, else the body (as ``request.stream()`` yields it) as
    ``http.request`` messages; after the body, the request's own ``receive`` (which says when the
    client leaves, for a host that does not listen itself), or where the host gave none, it waits
    until the app is done (or cancelled)."""
    own = request.receive
    if own is not _no_receive and not request._stream_consumed:
        return own
    chunks: AsyncIterator[bytes] | None = None
    finished = False

    async def receive() -> Message:
        nonlocal chunks, finished
        if finished:
            if own is not _no_receive:
                return await own()
            await _wait_forever()
        if chunks is None:
            chunks = request.stream()
        async for chunk in chunks:
            if chunk:
                return {"type": "http.request", "body": chunk, "more_body": True}
        finished = True
        return {"type": "http.request", "body": b"", "more_body": False}

    return receive


async def bridge_asgi_response(app: ASGIApp, request: Request[Any]) -> BridgedResponse:
    """``app``'s answer to ``request``, for a host with no raw ASGI ``send`` to send as its own response.

    ``app`` is any ASGI app: what an endpoint returned (Starlette's responses, sse-starlette's, a
    neutral ``Response``), or a mounted app. It runs with ``request.scope`` and
    ``request_receive(request)``. See ``BridgedResponse`` for what the host does with the answer.
    """
    return await bridge(app, request.scope, request_receive(request))
