"""``GZipMiddleware``: responses compressed for clients that accept gzip, streams chunk by chunk.

Ported from Starlette 1.10 (``starlette.middleware.gzip``, BSD-3-Clause, (c) Encode OSS Ltd). As
there, some content types are never compressed (``DEFAULT_EXCLUDED_CONTENT_TYPES``): already
compressed media, and ``text/event-stream``, whose events must reach the client as they are sent.
"""

from __future__ import annotations

import functools
import zlib
from typing import NoReturn

import anyio.lowlevel
import anyio.to_thread

from portable_endpoints.datastructures import Headers
from portable_endpoints.middleware._headers import message_headers
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_EXCLUDED_CONTENT_TYPES = (
    "application/grpc",
    "application/gzip",
    "application/x-gzip",
    "application/zip",
    "audio/*",
    "font/woff",
    "font/woff2",
    "image/avif",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/event-stream",
    "video/*",
)

_gzip_capacity_limiter: anyio.lowlevel.RunVar[anyio.CapacityLimiter] = anyio.lowlevel.RunVar("_gzip_capacity_limiter")


def _get_gzip_capacity_limiter() -> anyio.CapacityLimiter:
    """The capacity limiter of worker-thread compression: its own, as large as anyio's default one."""
    try:
        return _gzip_capacity_limiter.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(40)
        _gzip_capacity_limiter.set(limiter)
        return limiter


class GZipMiddleware:
    """Compress responses of at least ``minimum_size`` bytes when the request accepts gzip.

    :param minimum_size: smaller complete responses are sent as they are.
    :param compresslevel: zlib's level, 1 (fast) to 9 (small).
    :param thread_minimum_size: chunks at least this large are compressed in a worker thread.
    :param exclude_content_types: media types never compressed (``"video/*"`` matches a family).
    """

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 500,
        compresslevel: int = 9,
        thread_minimum_size: int = 128 * 1024,
        *,
        exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel
        self.thread_minimum_size = thread_minimum_size
        self.exclude_content_types = _normalize_content_types(exclude_content_types)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        headers = Headers(scope=scope)
        responder: ASGIApp
        if "gzip" in headers.get("Accept-Encoding", ""):
            responder = GZipResponder(
                self.app,
                self.minimum_size,
                compresslevel=self.compresslevel,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=self.exclude_content_types,
            )
        else:
            responder = IdentityResponder(self.app, self.minimum_size, exclude_content_types=self.exclude_content_types)

        await responder(scope, receive, send)


class IdentityResponder:
    """One response, passed through; the base of ``GZipResponder``, which compresses it."""

    content_encoding: str

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int,
        *,
        exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.exclude_content_types = _normalize_content_types(exclude_content_types)
        self.send: Send = unattached_send
        self.initial_message: Message = {}
        self.started = False
        self.content_encoding_set = False
        self.content_type_is_excluded = False
        self.partial_response = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.send = send
        await self.app(scope, receive, self.send_with_compression)

    async def send_with_compression(self, message: Message) -> None:
        """The app's ``send``: holds the response start until the first body chunk decides the headers."""
        message_type = message["type"]
        if message_type == "http.response.start":
            # Don't send the initial message until we've determined how to
            # modify the outgoing headers correctly.
            self.initial_message = message
            headers = message_headers(message)
            self.content_encoding_set = "content-encoding" in headers
            self.partial_response = message["status"] == 206
            media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
            media_types = {media_type, media_type.partition("/")[0] + "/*"}
            if media_type.startswith("application/grpc+"):
                media_types.add("application/grpc")
            self.content_type_is_excluded = not media_types.isdisjoint(self.exclude_content_types)
            if self.content_encoding_set or self.partial_response or self.content_type_is_excluded:
                await self.send(self.initial_message)
        elif message_type in ("http.response.body", "http.response.pathsend") and (
            self.content_encoding_set or self.partial_response or self.content_type_is_excluded
        ):
            await self.send(message)
        elif message_type == "http.response.body" and not self.started:
            self.started = True
            body = message.get("body", b"")
            more_body = message.get("more_body", False)
            if len(body) < self.minimum_size and not more_body:
                # Don't apply compression to small outgoing responses.
                await self.send(self.initial_message)
                await self.send(message)
            elif not more_body:
                # Standard response.
                body = await self.apply_compression(body, more_body=False)

                headers = message_headers(self.initial_message)
                headers.add_vary_header("Accept-Encoding")
                if body != message["body"]:
                    headers["Content-Encoding"] = self.content_encoding
                    if self.initial_message.get("trailers", False):
                        del headers["Content-Length"]
                    else:
                        headers["Content-Length"] = str(len(body))
                    message["body"] = body

                await self.send(self.initial_message)
                await self.send(message)
            else:
                # Initial body in streaming response.
                body = await self.apply_compression(body, more_body=True)

                headers = message_headers(self.initial_message)
                headers.add_vary_header("Accept-Encoding")
                if body != message["body"]:
                    headers["Content-Encoding"] = self.content_encoding
                    del headers["Content-Length"]
                    message["body"] = body

                await self.send(self.initial_message)
                await self.send(message)
        elif message_type == "http.response.body":
            # Remaining body in streaming response.
            body = message.get("body", b"")
            more_body = message.get("more_body", False)

            message["body"] = await self.apply_compression(body, more_body=more_body)

            await self.send(message)
        elif message_type in ("http.response.early_hint", "http.response.trailers"):
            await self.send(message)
        elif message_type == "http.response.pathsend":
            # Don't apply GZip to pathsend responses
            await self.send(self.initial_message)
            await self.send(message)

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        """``body`` encoded; the compression stream is finished when ``more_body`` is False."""
        return body


class GZipResponder(IdentityResponder):
    """One response, gzip-compressed: a complete body at once, a stream chunk by chunk (sync-flushed)."""

    content_encoding = "gzip"

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int,
        compresslevel: int = 9,
        *,
        thread_minimum_size: int = 128 * 1024,
        exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        super().__init__(app, minimum_size, exclude_content_types=exclude_content_types)

        self.compresslevel = compresslevel
        self.thread_minimum_size = thread_minimum_size
        self._compressor: zlib._Compress | None = None

    @property
    def compressor(self) -> zlib._Compress:
        """The gzip stream, made on first use: a response left uncompressed allocates none."""
        if self._compressor is None:
            self._compressor = zlib.compressobj(self.compresslevel, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        return self._compressor

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        """``body`` compressed; a large chunk in a worker thread, to keep the event loop free."""
        if len(body) >= self.thread_minimum_size:
            limiter = _get_gzip_capacity_limiter()
            return await anyio.to_thread.run_sync(self._compress_body, body, more_body, limiter=limiter)
        return self._compress_body(body, more_body)

    def _compress_body(self, body: bytes, more_body: bool) -> bytes:
        if more_body:
            return self.compressor.compress(body) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
        return self.compressor.compress(body) + self.compressor.flush()


async def unattached_send(message: Message) -> NoReturn:
    raise RuntimeError("send awaitable not set")


@functools.lru_cache(maxsize=32)
def _normalize_content_types(content_types: tuple[str, ...]) -> tuple[str, ...]:
    # Cached: every response's responder normalises the middleware's (already normal) tuple again.
    return tuple(content_type.partition(";")[0].strip().lower() for content_type in content_types)


__all__ = ["DEFAULT_EXCLUDED_CONTENT_TYPES", "GZipMiddleware", "GZipResponder", "IdentityResponder"]
