"""``BaseHTTPMiddleware``: middleware written as ``async def dispatch(request, call_next)``.

Ported from Starlette 1.10 (``starlette.middleware.base``, BSD-3-Clause, (c) Encode OSS Ltd), over
the portable ``Request`` and ``Response``. As there: ``call_next(request)`` runs the rest of the app
in a task and returns its response as a streaming response as soon as its headers are sent; a body
the dispatch read is replayed to the app; ``request.state`` is ``scope["state"]``, shared with the
endpoint; an exception the app raises reaches the dispatch from ``call_next``, and the client's
disconnect reaches the app once the response is sent.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from contextlib import aclosing, asynccontextmanager
from typing import Any, TypeVar

import anyio
import anyio.abc

from portable_endpoints.requests import ClientDisconnect, Request
from portable_endpoints.responses import Response
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup

RequestResponseEndpoint = Callable[[Request], Awaitable[Response]]
DispatchFunction = Callable[[Request, RequestResponseEndpoint], Awaitable[Response]]
BodyStreamGenerator = AsyncGenerator[bytes | MutableMapping[str, Any], None]
AsyncContentStream = AsyncIterable[str | bytes | memoryview | MutableMapping[str, Any]]
T = TypeVar("T")


@asynccontextmanager
async def _collapsing_task_group() -> AsyncIterator[anyio.abc.TaskGroup]:
    """A task group that raises a lone exception as itself, not in an exception group."""
    try:
        async with anyio.create_task_group() as task_group:
            yield task_group
    except BaseExceptionGroup as excs:
        if len(excs.exceptions) != 1:
            raise
        exc = excs.exceptions[0]
        context = None if exc.__suppress_context__ else exc.__context__
        raise exc from exc.__cause__ or context


class _CachedRequest(Request):
    """The dispatch's request, whose body reads follow Starlette's.

    If the dispatch reads the body, the whole body is replayed to the app; if it reads the stream,
    the app gets an empty body so that it does not wait forever. The stream counts as consumed
    once its last chunk has arrived (not when reading starts), so the dispatch and the app may
    share one stream chunk by chunk, as in Starlette.
    """

    __slots__ = ("_is_disconnected", "_wrapped_rcv_consumed", "_wrapped_rcv_disconnected")

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        super().__init__(scope, receive, send)
        self._is_disconnected = False
        self._wrapped_rcv_disconnected = False
        self._wrapped_rcv_consumed = False

    async def stream(self) -> AsyncGenerator[bytes, None]:
        if self._body is not None:
            yield self._body
            yield b""
            return
        if self._stream_consumed:
            raise RuntimeError("Stream consumed")
        while not self._stream_consumed:
            message = await self.receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                if not message.get("more_body", False):
                    self._stream_consumed = True
                if body:
                    yield body
            elif message["type"] == "http.disconnect":
                self._is_disconnected = True
                raise ClientDisconnect()
        yield b""

    async def body(self) -> bytes:
        if self._body is None:
            chunks: list[bytes] = []
            async with aclosing(self.stream()) as stream:
                async for chunk in stream:
                    chunks.append(chunk)
            self._body = b"".join(chunks)
        return self._body

    async def is_disconnected(self) -> bool:
        """Whether the client has left: a ``http.disconnect`` seen, or waiting in the channel now."""
        if not self._is_disconnected:
            message: Message = {}
            # If message isn't immediately available, move on
            with anyio.CancelScope() as cs:
                cs.cancel()
                message = await self.receive()
            if message.get("type") == "http.disconnect":
                self._is_disconnected = True
        return self._is_disconnected

    async def send_early_hints(self, link: str, /, *additional_links: str) -> None:
        """Send a 103 Early Hints with these ``Link`` values, if the server supports them (as Starlette's)."""
        if "http.response.early_hint" in self.scope.get("extensions", {}):
            raw_links = [value.encode("latin-1") for value in (link, *additional_links)]
            await self.send({"type": "http.response.early_hint", "links": raw_links})

    async def wrapped_receive(self) -> Message:
        """The app's ``receive``: what the dispatch left of the body, then the disconnect."""
        if self._wrapped_rcv_disconnected:
            # The app has had its disconnect; no need to wait for another one.
            return {"type": "http.disconnect"}
        if self._wrapped_rcv_consumed:
            # The app has the whole body: all that is left is the disconnect.
            if self._is_disconnected:
                self._wrapped_rcv_disconnected = True
                return {"type": "http.disconnect"}
            msg = await self.receive()
            if msg["type"] != "http.disconnect":
                raise RuntimeError(f"Unexpected message received: {msg['type']}")
            self._wrapped_rcv_disconnected = True
            return msg

        if self._body is not None:
            # body() was called: the app gets it, even if the client has left.
            self._wrapped_rcv_consumed = True
            return {"type": "http.request", "body": self._body, "more_body": False}
        elif self._stream_consumed:
            # stream() was read to the end: an empty body, so that the app does not wait for a disconnect.
            self._wrapped_rcv_consumed = True
            return {"type": "http.request", "body": b"", "more_body": False}
        else:
            # Neither was read: pass the next chunk on.
            try:
                async with aclosing(self.stream()) as stream:
                    chunk = await stream.__anext__()
                self._wrapped_rcv_consumed = self._stream_consumed
                return {"type": "http.request", "body": chunk, "more_body": not self._stream_consumed}
            except ClientDisconnect:
                self._wrapped_rcv_disconnected = True
                return {"type": "http.disconnect"}


class BaseHTTPMiddleware:
    """Subclass it and define ``dispatch``, or pass ``dispatch=`` a function of ``(request, call_next)``.

    WebSocket and lifespan connections pass through untouched.
    """

    def __init__(self, app: ASGIApp, dispatch: DispatchFunction | None = None) -> None:
        self.app = app
        self.dispatch_func = self.dispatch if dispatch is None else dispatch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request = _CachedRequest(scope, receive, send)
        wrapped_receive = request.wrapped_receive
        response_sent = anyio.Event()
        app_exc: Exception | None = None
        exception_already_raised = False

        async def call_next(request: Request) -> Response:
            async def receive_or_disconnect() -> Message:
                if response_sent.is_set():
                    return {"type": "http.disconnect"}

                async with anyio.create_task_group() as task_group:

                    async def wrap(func: Callable[[], Awaitable[T]]) -> T:
                        result = await func()
                        task_group.cancel_scope.cancel()
                        return result

                    task_group.start_soon(wrap, response_sent.wait)
                    message = await wrap(wrapped_receive)

                if response_sent.is_set():
                    return {"type": "http.disconnect"}

                return message

            async def send_no_error(message: Message) -> None:
                try:
                    await send_stream.send(message)
                except anyio.BrokenResourceError:
                    # recv_stream has been closed, i.e. response_sent has been set.
                    return

                if message["type"] == "http.response.pathsend" or (
                    message["type"] == "http.response.body" and not message.get("more_body", False)
                ):
                    await response_sent.wait()

            async def coro() -> None:
                nonlocal app_exc

                with send_stream:
                    try:
                        await self.app(scope, receive_or_disconnect, send_no_error)
                    except Exception as exc:
                        app_exc = exc

            task_group.start_soon(coro)

            try:
                info = None
                while True:
                    message = await recv_stream.receive()
                    if message["type"] == "http.response.debug":
                        info = message["info"]
                        continue
                    elif message["type"] == "http.response.early_hint":
                        await send(message)
                        continue
                    break
            except anyio.EndOfStream:
                if app_exc is not None:
                    nonlocal exception_already_raised
                    exception_already_raised = True
                    # Re-raised without anyio.EndOfStream in its context: its own cause, or
                    # its context as the cause.
                    raise app_exc from app_exc.__cause__ or app_exc.__context__
                raise RuntimeError("No response returned.") from None

            assert message["type"] == "http.response.start"

            async def body_stream() -> BodyStreamGenerator:
                async for message in recv_stream:
                    if message["type"] == "http.response.pathsend":
                        yield message
                        break
                    assert message["type"] == "http.response.body", f"Unexpected message: {message}"
                    body = message.get("body", b"")
                    if body:
                        yield body
                    if not message.get("more_body", False):
                        break

            response = _StreamingResponse(status_code=message["status"], content=body_stream(), info=info)
            # Lower-case names, as ASGI wants them (Django sends them capitalised).
            response.raw_headers = [(bytes(key).lower(), bytes(value)) for key, value in message.get("headers", [])]
            return response

        send_stream, recv_stream = anyio.create_memory_object_stream[Message]()
        with recv_stream, send_stream:
            async with _collapsing_task_group() as task_group:
                response = await self.dispatch_func(request, call_next)
                await response(scope, wrapped_receive, send)
                response_sent.set()
                recv_stream.close()
        if app_exc is not None and not exception_already_raised:
            raise app_exc

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """The middleware's work: ``response = await call_next(request)``, before and after which it acts."""
        raise NotImplementedError()


class _StreamingResponse(Response):
    """What ``call_next`` returns: the app's response, its body streamed as the app sends it."""

    def __init__(
        self,
        content: AsyncContentStream,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> None:
        self.info = info
        self.body_iterator = content
        self.status_code = status_code
        self.media_type = media_type
        self.init_headers(headers)
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.info is not None:
            await send({"type": "http.response.debug", "info": self.info})
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})

        should_close_body = True
        async for chunk in self.body_iterator:
            if isinstance(chunk, MutableMapping):
                # An ASGI message that is not a body (pathsend)
                should_close_body = False
                await send(chunk)
                continue
            await send({"type": "http.response.body", "body": chunk, "more_body": True})

        if should_close_body:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        if self.background:
            await self.background()


__all__ = ["BaseHTTPMiddleware", "DispatchFunction", "RequestResponseEndpoint"]
