"""Neutral responses, Starlette's API. Each is also an ASGI app; adapters may convert instead.

Headers are kept as the ASGI raw list (``raw_headers``) so that converting to any host is a copy,
not a re-encode. HEAD requests get the headers and no body on every host. A chunked response
stops when its client leaves, as Starlette 1.10's do (BSD-3, Encode OSS Ltd.; its disconnect
handling is ported here); a stream also ends, complete, when the server is told to stop
(``_shutdown``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import stat
import sys
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from email.utils import format_datetime, formatdate, parsedate
from mimetypes import guess_type
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from portable_endpoints._concurrency import iterate_in_threadpool, withdraw_cancel
from portable_endpoints._json import current_codec
from portable_endpoints._shutdown import when_stopping
from portable_endpoints.background import BackgroundTask
from portable_endpoints.datastructures import URL, Headers, MutableHeaders, _encode_header
from portable_endpoints.requests import DISCONNECT_PROBE, ClientDisconnect, client_left
from portable_endpoints.types import Message, Receive, Scope, Send

logger = logging.getLogger("portable_endpoints")

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup

if TYPE_CHECKING:
    import anyio


@functools.cache
def _content_type_header(media_type: str, charset: str) -> tuple[bytes, bytes]:
    header = _encode_header_for_type(media_type, charset)
    if charset == "utf-8":
        _UTF8_CONTENT_TYPES[media_type] = header
    return header


def _encode_header_for_type(media_type: str, charset: str) -> tuple[bytes, bytes]:
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type += "; charset=" + charset
    return _encode_header("content-type", media_type)


# The content-type header of each media type in the default charset: one dict lookup per response.
_UTF8_CONTENT_TYPES: dict[str, tuple[bytes, bytes]] = {}

# The content-length header of each body length seen up to _CACHED_LENGTHS: formatting the number
# and building the pair cost more than the rest of a small response's headers.
_CONTENT_LENGTHS: dict[int, tuple[bytes, bytes]] = {}
_CACHED_LENGTHS = 4096


def _content_length(length: int) -> tuple[bytes, bytes]:
    header = (b"content-length", b"%d" % length)
    if length <= _CACHED_LENGTHS:
        _CONTENT_LENGTHS[length] = header
    return header


class Response:
    """A complete response: ``content`` (str or bytes) with a status, headers and media type."""

    media_type: str | None = None
    charset = "utf-8"
    body: bytes
    # Whether the class keeps Response's render / init_headers, so __init__ may inline them.
    _stock: bool = True
    _stock_headers: bool = True
    # Whether the class keeps Response's __call__ (two ASGI messages, then the background task),
    # so the asgi host may send those messages itself, with no coroutine in between.
    _plain_send: bool = True
    #: Whether the response listens for ``http.disconnect`` under every ASGI spec version (an event
    #: stream, as sse-starlette's), not only before 2.4 (Starlette's rule for a stream).
    always_listens = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._stock_headers = cls.init_headers is Response.init_headers
        cls._stock = cls._stock_headers and cls.render is Response.render
        cls._plain_send = cls.__call__ is Response.__call__

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        if headers is None and self._stock_headers and 200 <= status_code != 204 and status_code != 304:
            # render() (for text) and init_headers() inlined for the most common response: no extra headers.
            charset = self.charset
            if self._stock and type(content) is str:
                body = content.encode() if charset == "utf-8" else content.encode(charset)
            else:
                body = self.render(content)
            self.body = body
            if body is None:  # a subclass's render may leave the body to its __call__
                self.init_headers(None)
                return
            length = _CONTENT_LENGTHS.get(len(body)) or _content_length(len(body))
            media = self.media_type
            if media is None:
                self.raw_headers = [length]
            else:
                content_type = _UTF8_CONTENT_TYPES.get(media) if charset == "utf-8" else None
                self.raw_headers = [length, content_type or _content_type_header(media, charset)]
            return
        self.body = self.render(content)
        self.init_headers(headers)

    def render(self, content: Any) -> bytes:
        """The body bytes for ``content``; subclasses override this (``JSONResponse`` serialises)."""
        if type(content) is str:
            return content.encode(self.charset)
        if content is None:
            return b""
        if isinstance(content, bytes | bytearray | memoryview):
            return bytes(content)
        return str(content).encode(self.charset)

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        """Build the raw headers from ``headers``, adding content-length and content-type."""
        body = getattr(self, "body", None)
        if headers is None:  # the common case, kept cheap: two header tuples, one of them cached
            status = self.status_code
            media_type = self.media_type
            raw = (
                []
                if body is None or status < 200 or status == 204 or status == 304
                else [_CONTENT_LENGTHS.get(len(body)) or _content_length(len(body))]
            )
            if media_type is not None:
                content_type = _UTF8_CONTENT_TYPES.get(media_type) if self.charset == "utf-8" else None
                raw.append(content_type or _content_type_header(media_type, self.charset))
            self.raw_headers = raw
            return
        raw = [_encode_header(key, value) for key, value in headers.items()]
        keys = {key for key, _ in raw}
        if body is not None and b"content-length" not in keys and not self._bodyless_status():
            raw.append((b"content-length", b"%d" % len(body)))
        if self.media_type is not None and b"content-type" not in keys:
            raw.append(_content_type_header(self.media_type, self.charset))
        self.raw_headers = raw

    def _bodyless_status(self) -> bool:
        return self.status_code < 200 or self.status_code in (204, 304)

    @property
    def headers(self) -> MutableHeaders:
        """The response headers, mutable: ``response.headers["cache-control"] = "no-store"``."""
        return MutableHeaders(raw=self.raw_headers)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Starlette's ``set_cookie``: an ``int`` ``expires`` is seconds from now, sent as an HTTP date.

        ``partitioned`` works on every Python (Starlette's needs Python 3.14's ``http.cookies``).
        """
        import http.cookies  # on first use: most responses set no cookie

        cookie: http.cookies.BaseCookie[str] = http.cookies.SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = str(max_age)
        if expires is not None:
            if isinstance(expires, datetime):
                morsel["expires"] = format_datetime(expires, usegmt=True)
            else:
                # An int is given to http.cookies as is: it renders "now + seconds" as an HTTP date.
                morsel["expires"] = expires
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            if samesite.lower() not in ("strict", "lax", "none"):
                raise ValueError("samesite must be either 'strict', 'lax' or 'none'")
            morsel["samesite"] = samesite
        header = cookie.output(header="").strip()
        if partitioned and "partitioned" not in header.lower():
            header += "; Partitioned"
        self.raw_headers.append(_encode_header("set-cookie", header))

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header that expires the cookie ``key`` now."""
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            send = _denial_send(send)
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else self.body})
        if self.background is not None:
            await self.background()


def _denial_send(send: Send) -> Send:
    """A denial response is an HTTP response sent as ``websocket.http.response.*`` messages."""

    async def denial_send(message: Message) -> None:
        await send({**message, "type": "websocket." + message["type"]})

    return denial_send


class HTMLResponse(Response):
    """A ``text/html`` response."""

    media_type = "text/html"


class PlainTextResponse(Response):
    """A ``text/plain`` response."""

    media_type = "text/plain"


class JSONResponse(Response):
    """``content`` serialised as compact UTF-8 JSON, ``application/json``, by the app's ``json_codec``.

    The stdlib codec (the default, and outside a dispatch) refuses NaN and infinities, as Starlette.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """``content`` as compact JSON bytes, by the codec of the route being dispatched."""
        return current_codec.get().dumps(content)


class RedirectResponse(Response):
    """A redirect to ``url`` (307 by default), with the ``Location`` header percent-quoted."""

    def __init__(
        self,
        url: str | URL,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(content=b"", status_code=status_code, headers=headers, background=background)
        self.headers["location"] = quote(str(url), safe=":/%#?=@[]!$&'()*+,;")


Content = str | bytes | memoryview
ContentStream = AsyncIterable[Content] | Iterable[Content]


class ChunkedResponse(Response):
    """A response whose body is sent in chunks: ``chunks()``; adapters stream it natively.

    An adapter that converts instead of calling the response sends ``await for_request(scope)``:
    the response itself, or the one this request gets instead (a file's 206, 304 or 416).
    """

    #: Whether a send failing under spec 2.4 is raised as ``ClientDisconnect`` (Starlette's
    #: ``StreamingResponse``) or as the server's ``OSError`` (Starlette's ``FileResponse``).
    _gone_is_client_disconnect = False
    #: Whether the body ends, complete (its iterator closed), when the server is told to stop
    #: (SIGTERM, SIGINT): a stream may be endless, a file is not.
    _ends_when_server_stops = False
    #: Seconds a host that sends the chunks itself may take to send one (None: no limit).
    _host_send_limit: float | None = None

    async def prepare(self) -> None:
        """Finish the headers before they are sent (a file is stat'ed here)."""

    def chunks(self) -> AsyncIterator[bytes]:
        raise NotImplementedError

    async def for_request(self, scope: Scope) -> Response:
        """The response to send for the request of ``scope``, headers final (``prepare`` has run)."""
        await self.prepare()
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.for_request(scope)
        if response is not self:
            await response(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await self.send_chunks(scope, _denial_send(send))
        elif scope.get("method") == "HEAD" or self._server_sends_body(scope):
            await self.send_chunks(scope, send)  # no body of ours to stop sending
        elif spec_version(scope) >= (2, 4) and not self.always_listens:
            # A spec 2.4 server raises OSError from send once the client has gone.
            try:
                await self.send_chunks(scope, send)
            except OSError:
                if not self._gone_is_client_disconnect:
                    raise
                raise ClientDisconnect() from None
        else:
            await until_disconnect(functools.partial(self.send_chunks, scope, send), receive)
        if self.background is not None:
            await self.background()

    async def _close_unsent(self) -> None:
        """Close the body's source when no chunk is to be sent (``chunks()`` never runs)."""

    def _server_sends_body(self, scope: Scope) -> bool:
        """Whether the server sends the body itself (a file by ``http.response.pathsend``): then,
        as Starlette's ``FileResponse``, nothing listens for the disconnect on any spec version."""
        return False

    async def send_chunks(self, scope: Scope, send: Send) -> None:
        """Send the response start, every chunk, then the end; the chunks are closed however it ends.

        An endless kind (``_ends_when_server_stops``) also ends, complete, when the server is told to stop.
        """
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        if scope.get("method") != "HEAD":
            chunks = self.chunks()
            stop = _ServerStop() if self._ends_when_server_stops else None
            unwatch = when_stopping(stop) if stop is not None else None
            try:
                if stop is not None and stop.stopped:
                    await self._close_unsent()  # stopping already: no chunk
                elif stop is None or unwatch is None:
                    async for chunk in chunks:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                else:
                    await _send_until_stopped(chunks, send, stop)
            finally:
                if unwatch is not None:
                    unwatch()
                await close_iterator(chunks)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def host_sent_chunks(response: ChunkedResponse, scope: Scope) -> AsyncIterator[bytes]:
    """``response.chunks()`` for a host that sends them itself (Quart, Django).

    Such a host listens for the disconnect and cancels its sending when the client leaves; the
    chunks stop at once, closed, and the request remembers the client gone
    (``request.is_disconnected()``, ``runs_background``). An endless kind also ends, complete,
    when the server is told to stop. A response with a send time limit (an event stream's
    ``send_timeout``) has the host's sending of each chunk cut when it takes longer.
    """
    chunks = _host_chunks(response, scope)
    limit = response._host_send_limit
    return chunks if limit is None else _host_sends_limited(chunks, limit)


async def _host_sends_limited(chunks: AsyncGenerator[bytes, None], limit: float) -> AsyncIterator[bytes]:
    """``chunks``, each handed to a host that sends it before it asks for the next: a send that
    takes longer than ``limit`` seconds (a client that stalls) is cancelled, as a client leaving
    would cancel it, so the stream ends and its iterator is closed (logged as a ``SendTimeoutError``,
    which is what the hosts that send a response themselves raise)."""
    loop = asyncio.get_running_loop()
    stalled: list[bool] = []

    def cut(task: asyncio.Task[Any] | None) -> None:
        stalled.append(True)
        if task is not None:
            task.cancel()

    try:
        async for chunk in chunks:
            timer = loop.call_later(limit, cut, asyncio.current_task())
            try:
                yield chunk
            finally:
                timer.cancel()
    finally:
        if stalled:
            logger.error("SendTimeoutError: a send of the stream took longer than send_timeout=%s s", limit)
        await chunks.aclose()


async def _host_chunks(response: ChunkedResponse, scope: Scope) -> AsyncGenerator[bytes, None]:
    import anyio  # on first use: a host not built on anyio need not import it

    chunks = response.chunks()
    stop = _ServerStop() if response._ends_when_server_stops else None
    unwatch = when_stopping(stop) if stop is not None else None
    try:
        if stop is not None and stop.stopped:
            await response._close_unsent()  # stopping already: no chunk
        elif stop is None or unwatch is None:
            async for chunk in chunks:
                yield chunk
        else:
            while not stop.stopped:
                # Waiting for the next chunk is cancelled when the server stops; never the host's
                # sending of one (a cancel scope may not span an async generator's ``yield``).
                stop.waiting = task = asyncio.current_task()
                try:
                    chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                except asyncio.CancelledError:
                    if stop.cancelled and not withdraw_cancel(task):
                        break  # ours alone: the server is stopping
                    raise
                finally:
                    stop.waiting = None
                if stop.cancelled:  # the chunks swallowed our cancellation
                    withdraw_cancel(task)
                yield chunk
    except (anyio.get_cancelled_exc_class(), GeneratorExit):
        client_left(scope)  # cancelled, or closed by the host, before the last chunk: the client left
        raise
    finally:
        if unwatch is not None:
            unwatch()
        await close_iterator(chunks)


class _ServerStop:
    """Told that the server is stopping (``when_stopping``): cancels the task ``waiting`` for the
    next chunk (or sending one), as a client leaving would, if any; else the next wait never begins.
    The task withdraws the cancellation when it catches it."""

    __slots__ = ("cancelled", "stopped", "waiting")

    def __init__(self) -> None:
        self.waiting: asyncio.Task[Any] | None = None
        self.stopped = False
        self.cancelled = False

    def __call__(self) -> None:
        self.stopped = True
        if self.waiting is not None and not self.cancelled:
            self.waiting.cancel()
            self.cancelled = True


async def _send_until_stopped(chunks: AsyncIterator[bytes], send: Send, stop: _ServerStop) -> None:
    """Send ``chunks`` until they end or the server stops (``stop``); the caller closes them."""
    stop.waiting = task = asyncio.current_task()
    try:
        async for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if stop.stopped:
                break  # the chunks swallowed our cancellation
    except asyncio.CancelledError:
        if stop.cancelled and not withdraw_cancel(task):
            return  # ours alone: the server is stopping
        raise
    finally:
        stop.waiting = None
    if stop.cancelled:
        withdraw_cancel(task)


def runs_background(response: Response, scope: Scope) -> bool:
    """Whether ``response``'s background task runs after it, on a host that sends it itself:
    Starlette's rule. Before ASGI spec 2.4 it always runs; from 2.4 not once the client has left
    mid-response (Starlette's send raises ``ClientDisconnect`` instead), unless the response
    listens for the disconnect on every spec version (``always_listens``: an event stream).
    """
    if response.always_listens or spec_version(scope) < (2, 4):
        return True
    probe = scope.get(DISCONNECT_PROBE)
    return probe is None or not probe()


def spec_version(scope: Scope) -> tuple[int, ...]:
    """The ASGI spec version the server speaks for this connection (``(2, 0)`` when it does not say)."""
    return tuple(map(int, scope.get("asgi", {}).get("spec_version", "2.0").split(".")))


async def close_iterator(iterator: object) -> None:
    """``aclose()`` an async generator (its ``finally`` runs now), even inside a cancelled scope."""
    aclose: Callable[[], Awaitable[object]] | None = getattr(iterator, "aclose", None)
    if aclose is not None:
        import anyio  # on first use: a host not built on anyio need not import it

        with anyio.CancelScope(shield=True):
            await aclose()


async def until_disconnect(stream: Callable[[], Awaitable[None]], receive: Receive) -> None:
    """Run ``stream`` until it ends or an ``http.disconnect`` arrives, whichever comes first.

    Starlette's rule before ASGI spec 2.4: the only way to learn the client left is to read
    ``receive``; ``stream`` is cancelled as soon as it says so.
    """
    import anyio  # on first use: a host not built on anyio need not import it

    try:
        async with anyio.create_task_group() as group:

            async def run_stream() -> None:
                await stream()
                group.cancel_scope.cancel()

            group.start_soon(run_stream)
            while (await receive())["type"] != "http.disconnect":
                pass
            group.cancel_scope.cancel()
    except BaseExceptionGroup as group_error:  # one error: raise it as itself, as Starlette does
        if len(group_error.exceptions) != 1:
            raise
        error = group_error.exceptions[0]
        context = None if error.__suppress_context__ else error.__context__
        raise error from error.__cause__ or context


class StreamingResponse(ChunkedResponse):
    """A body sent chunk by chunk; a sync iterator is read in a worker thread."""

    body_iterator: AsyncIterable[Content]
    _gone_is_client_disconnect = True
    _ends_when_server_stops = True

    def __init__(
        self,
        content: ContentStream,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.body_iterator = content if isinstance(content, AsyncIterable) else iterate_in_threadpool(content)
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.init_headers(headers)

    async def _close_unsent(self) -> None:
        await close_iterator(self.body_iterator)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as bytes chunks, whatever the iterator yields; the iterator is closed when they stop."""
        iterator = self.body_iterator
        try:
            async for chunk in iterator:
                yield chunk.encode(self.charset) if isinstance(chunk, str) else bytes(chunk)
        finally:
            await close_iterator(iterator)


class MalformedRangeHeader(Exception):
    def __init__(self, content: str = "Malformed range header.") -> None:
        self.content = content


class RangeNotSatisfiable(Exception):
    def __init__(self, max_size: int) -> None:
        self.max_size = max_size


#: What a 304 keeps of the full response's headers (Starlette's ``NotModifiedResponse``).
NOT_MODIFIED_HEADERS = frozenset({"cache-control", "content-location", "date", "etag", "expires", "vary"})


class FileResponse(ChunkedResponse):
    """A file from disk, as Starlette 1.10's: ``Accept-Ranges``, ``Range`` (206, multipart/byteranges,
    416), ``If-Range``, ``ETag`` / ``Last-Modified``; and 304 on ``If-None-Match`` /
    ``If-Modified-Since`` (which Starlette answers only in ``StaticFiles``)."""

    chunk_size = 64 * 1024
    max_ranges = 100
    #: whether a conditional request is answered 304 here (``StaticFiles`` decides that itself)
    _answers_not_modified = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        content_disposition_type: str = "attachment",
    ) -> None:
        self.path = path
        self.status_code = status_code
        self.filename = filename
        self.media_type = media_type or guess_type(filename or path)[0] or "application/octet-stream"
        self.background = background
        self.init_headers(headers)
        _set_default(self.raw_headers, b"accept-ranges", b"bytes")
        if filename is not None:
            quoted = quote(filename)
            if quoted != filename:
                disposition = f"{content_disposition_type}; filename*=utf-8''{quoted}"
            else:
                disposition = f'{content_disposition_type}; filename="{filename}"'
            self.headers.setdefault("content-disposition", disposition)
        self.stat_result = stat_result
        if stat_result is not None:
            self._set_stat_headers(stat_result)

    def _set_stat_headers(self, stat_result: os.stat_result) -> None:
        import hashlib  # on first use: only file responses need it

        # headers.setdefault() of each, on the raw list: these names and values need no checking.
        raw = self.raw_headers
        etag_base = f"{stat_result.st_mtime}-{stat_result.st_size}"
        _set_default(raw, b"content-length", b"%d" % stat_result.st_size)
        _set_default(raw, b"last-modified", formatdate(stat_result.st_mtime, usegmt=True).encode("latin-1"))
        etag = hashlib.md5(etag_base.encode(), usedforsecurity=False).hexdigest()
        _set_default(raw, b"etag", b'"%s"' % etag.encode("latin-1"))

    async def prepare(self) -> None:
        """Stat the file (in a thread) and fill in the length and validators; call before sending."""
        if self.stat_result is None:
            import anyio.to_thread  # on first use: a host not built on anyio need not import it

            try:
                stat_result = await anyio.to_thread.run_sync(os.stat, self.path)
            except FileNotFoundError:
                raise RuntimeError(f"File at path {self.path} does not exist.") from None
            if not stat.S_ISREG(stat_result.st_mode):
                raise RuntimeError(f"File at path {self.path} is not a file.")
            self._set_stat_headers(stat_result)
            self.stat_result = stat_result

    async def for_request(self, scope: Scope) -> Response:
        """This file for the request of ``scope``: whole, 304, 206 (one or several ranges), 416 or 400."""
        await self.prepare()
        assert self.stat_result is not None
        if scope["type"] != "http" or self.status_code != 200:
            return self
        if scope["method"] not in ("GET", "HEAD"):
            return self
        request_headers = Headers(scope=scope)
        response_headers = self.headers
        if self._answers_not_modified and _not_modified(response_headers, request_headers):
            kept = {key: value for key, value in response_headers.items() if key in NOT_MODIFIED_HEADERS}
            return Response(status_code=304, headers=kept, background=self.background)
        http_range = request_headers.get("range")
        if http_range is None:
            return self
        if_range = request_headers.get("if-range")
        if if_range is not None and not self._should_use_range(if_range):
            return self
        size = self.stat_result.st_size
        try:
            ranges = self._parse_range_header(http_range, size)
        except MalformedRangeHeader as exc:
            return PlainTextResponse(exc.content, status_code=400)
        except RangeNotSatisfiable as exc:
            return PlainTextResponse(status_code=416, headers={"Content-Range": f"bytes */{exc.max_size}"})
        if not ranges:
            return self
        return _FileRanges(self, ranges, size)

    def _should_use_range(self, http_if_range: str) -> bool:
        if http_if_range.startswith("W/"):
            return False
        headers = self.headers
        return http_if_range == headers["last-modified"] or http_if_range == headers["etag"]

    @classmethod
    def _parse_range_header(cls, http_range: str, file_size: int) -> list[tuple[int, int]]:
        try:
            units, range_ = http_range.split("=", 1)
        except ValueError:
            raise MalformedRangeHeader() from None
        if units.strip().lower() != "bytes":
            raise MalformedRangeHeader("Only support bytes range")
        if range_.count(",") + 1 > cls.max_ranges:
            return []
        ranges = cls._parse_ranges(range_, file_size)
        if not ranges:
            raise MalformedRangeHeader("Range header: range must be requested")
        if any(not (0 <= start < file_size) for start, _ in ranges):
            raise RangeNotSatisfiable(file_size)
        if any(start >= end for start, end in ranges):
            raise MalformedRangeHeader("Range header: start must be less than end")
        if len(ranges) == 1:
            return ranges
        ranges.sort()  # overlapping ranges are merged, as Starlette does
        merged = [ranges[0]]
        for start, end in ranges[1:]:
            last_start, last_end = merged[-1]
            if start <= last_end:
                merged[-1] = (last_start, max(last_end, end))
            else:
                merged.append((start, end))
        return merged

    @classmethod
    def _parse_ranges(cls, range_: str, file_size: int) -> list[tuple[int, int]]:
        ranges: list[tuple[int, int]] = []
        for part in range_.split(","):
            part = part.strip()
            if not part or part == "-" or "-" not in part:
                continue  # ignored, as Starlette does
            start_str, end_str = (text.strip() for text in part.split("-", 1))
            try:
                start = int(start_str) if start_str else max(file_size - int(end_str), 0)
                end = int(end_str) + 1 if start_str and end_str and int(end_str) < file_size else file_size
            except ValueError:
                continue
            ranges.append((start, end))
        return ranges

    async def chunks(self) -> AsyncIterator[bytes]:
        async with _open_file(self.path) as file:
            while True:
                chunk = await file.read(self.chunk_size)
                if chunk:
                    yield chunk
                # A short read is the end of a regular file, as Starlette reads it: one more read
                # (a thread hop) for the empty chunk made a small static file 1.3x Starlette's.
                if len(chunk) < self.chunk_size:
                    return

    def _server_sends_body(self, scope: Scope) -> bool:
        return (
            scope["type"] == "http"
            and scope.get("method") != "HEAD"
            and "http.response.pathsend" in scope.get("extensions", {})
        )

    async def send_chunks(self, scope: Scope, send: Send) -> None:
        """The whole file; by the server itself (``http.response.pathsend``) when it offers to, as
        Starlette's: under granian, reading the file here made a small static file 2.8x Starlette's."""
        if self._server_sends_body(scope):
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            await send({"type": "http.response.pathsend", "path": str(self.path)})
            return
        await super().send_chunks(scope, send)


def _set_default(raw: list[tuple[bytes, bytes]], name: bytes, value: bytes) -> None:
    """``MutableHeaders(raw=raw).setdefault(name, value)`` for a lower-case ``name`` and a safe ``value``."""
    for key, _ in raw:
        if key == name:
            return
    raw.append((name, value))


@asynccontextmanager
async def _open_file(path: str | os.PathLike[str]) -> AsyncIterator[anyio.AsyncFile[bytes]]:
    """The file, open for reading; closed however the transfer ends, cancelled too (as Starlette's:
    a host that cancels the stream when the client leaves left the file open otherwise)."""
    import anyio  # on first use: a host not built on anyio need not import it

    file = await anyio.open_file(path, mode="rb")
    try:
        yield file
    finally:
        try:
            with anyio.CancelScope(shield=True):
                await file.aclose()
        except BaseException:
            # A host's own asyncio cancellation (Django's, when the client leaves) is no anyio
            # scope's to shield: the file is closed here instead (a read-only file's close() does
            # not block).
            file.wrapped.close()
            raise


def _not_modified(response_headers: MutableHeaders, request_headers: Headers) -> bool:
    """Starlette's ``StaticFiles.is_not_modified``: whether a 304 may answer instead."""
    if if_none_match := request_headers.get("if-none-match"):
        if if_none_match.strip() == "*":
            return True
        etag = response_headers["etag"]
        return etag in [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    if_modified_since = request_headers.get("if-modified-since")
    last_modified = response_headers.get("last-modified")
    if if_modified_since and last_modified:
        since, modified = parsedate(if_modified_since), parsedate(last_modified)
        return since is not None and modified is not None and since >= modified
    return False


class _FileRanges(ChunkedResponse):
    """The 206 answer of a ``FileResponse`` to a satisfiable ``Range``: one range, or several as
    ``multipart/byteranges`` (Starlette's format, its boundary, its Content-Length)."""

    def __init__(self, file: FileResponse, ranges: list[tuple[int, int]], size: int) -> None:
        self.file, self.ranges, self.size = file, ranges, size
        self.status_code = 206
        self.background = file.background
        self.media_type = file.media_type
        headers = MutableHeaders(raw=list(file.raw_headers))
        if len(ranges) == 1:
            start, end = ranges[0]
            headers["content-range"] = f"bytes {start}-{end - 1}/{size}"
            headers["content-length"] = str(end - start)
            self.boundary = ""
        else:
            from secrets import token_hex  # on first use: only multi-range answers need it

            # As browsers do: a boundary of 13 random bytes (about 100 bits).
            self.boundary = token_hex(13)
            self.part_type = headers["content-type"]
            headers["content-type"] = f"multipart/byteranges; boundary={self.boundary}"
            headers["content-length"] = str(self._multipart_length())
        self.raw_headers = headers.raw

    def _part_header(self, start: int, end: int) -> bytes:
        return (
            f"--{self.boundary}\r\nContent-Type: {self.part_type}\r\n"
            f"Content-Range: bytes {start}-{end - 1}/{self.size}\r\n\r\n"
        ).encode("latin-1")

    def _multipart_length(self) -> int:
        parts = sum(len(self._part_header(start, end)) + (end - start) + 2 for start, end in self.ranges)
        return parts + len(self.boundary) + 4

    async def chunks(self) -> AsyncIterator[bytes]:
        chunk_size = self.file.chunk_size
        async with _open_file(self.file.path) as file:
            for start, end in self.ranges:
                if self.boundary:
                    yield self._part_header(start, end)
                await file.seek(start)
                while start < end:
                    chunk = await file.read(min(chunk_size, end - start))
                    if not chunk:
                        raise RuntimeError(f"File at path {self.file.path} is shorter than expected.")
                    start += len(chunk)
                    yield chunk
                if self.boundary:
                    yield b"\r\n"
            if self.boundary:
                yield f"--{self.boundary}--".encode("latin-1")
