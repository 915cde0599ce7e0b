"""Neutral responses, Starlette's API. Each is also an ASGI app; adapters may convert instead.

Headers are kept as the ASGI raw list (``raw_headers``) so that converting to any host is a copy,
not a re-encode. HEAD requests get the headers and no body on every host.
"""

from __future__ import annotations

import functools
import hashlib
import http.cookies
import os
import stat
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from datetime import datetime
from email.utils import format_datetime, formatdate
from mimetypes import guess_type
from typing import Any, Literal
from urllib.parse import quote

import anyio

from portable_endpoints._concurrency import iterate_in_threadpool
from portable_endpoints._json import current_codec
from portable_endpoints.background import BackgroundTask
from portable_endpoints.datastructures import URL, MutableHeaders, _encode_header
from portable_endpoints.types import Message, Receive, Scope, Send


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


class Response:
    """A complete response: ``content`` (str or bytes) with a status, headers and media type."""

    media_type: str | None = None
    charset = "utf-8"
    body: bytes
    # Whether the class keeps Response's render and init_headers, so __init__ may inline them.
    _stock: bool = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._stock = cls.render is Response.render and cls.init_headers is Response.init_headers

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
        if (
            self._stock
            and headers is None
            and type(content) is str
            and 200 <= status_code != 204
            and status_code != 304
        ):
            # render() and init_headers() inlined for the most common response: text, no extra headers.
            self.body = body = content.encode(self.charset)
            media = self.media_type
            if media is None:
                self.raw_headers = [(b"content-length", b"%d" % len(body))]
            else:
                content_type = _UTF8_CONTENT_TYPES.get(media) if self.charset == "utf-8" else None
                self.raw_headers = [
                    (b"content-length", b"%d" % len(body)),
                    content_type or _content_type_header(media, self.charset),
                ]
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
                else [(b"content-length", b"%d" % len(body))]
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
    ) -> None:
        """Add a ``Set-Cookie`` header; a ``datetime`` ``expires`` is written as an HTTP date."""
        cookie: http.cookies.BaseCookie[str] = http.cookies.SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = str(max_age)
        if expires is not None:
            morsel["expires"] = format_datetime(expires, usegmt=True) if isinstance(expires, datetime) else str(expires)
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
        self.raw_headers.append(_encode_header("set-cookie", cookie.output(header="").strip()))

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
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
    """A response whose body is sent in chunks: ``chunks()``; adapters stream it natively."""

    async def prepare(self) -> None:
        """Finish the headers before they are sent (a file is stat'ed here)."""

    def chunks(self) -> AsyncIterator[bytes]:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.prepare()
        if scope["type"] == "websocket":
            send = _denial_send(send)
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        if scope.get("method") != "HEAD":
            async for chunk in self.chunks():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        if self.background is not None:
            await self.background()


class StreamingResponse(ChunkedResponse):
    """A body sent chunk by chunk; a sync iterator is read in a worker thread."""

    body_iterator: AsyncIterable[Content]

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

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as bytes chunks, whatever the iterator yields."""
        async for chunk in self.body_iterator:
            yield chunk.encode(self.charset) if isinstance(chunk, str) else bytes(chunk)


class FileResponse(ChunkedResponse):
    """A file from disk, with content-length, last-modified, etag and an optional download name."""

    chunk_size = 64 * 1024

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
        etag_base = f"{stat_result.st_mtime}-{stat_result.st_size}"
        headers = self.headers
        headers.setdefault("content-length", str(stat_result.st_size))
        headers.setdefault("last-modified", formatdate(stat_result.st_mtime, usegmt=True))
        headers.setdefault("etag", f'"{hashlib.md5(etag_base.encode(), usedforsecurity=False).hexdigest()}"')

    async def prepare(self) -> None:
        """Stat the file (in a thread) and fill in the length and validators; call before sending."""
        if self.stat_result is None:
            try:
                self.stat_result = await anyio.to_thread.run_sync(os.stat, self.path)
            except FileNotFoundError:
                raise RuntimeError(f"File at path {self.path} does not exist.") from None
            if not stat.S_ISREG(self.stat_result.st_mode):
                raise RuntimeError(f"File at path {self.path} is not a file.")
            self._set_stat_headers(self.stat_result)

    async def chunks(self) -> AsyncIterator[bytes]:
        async with await anyio.open_file(self.path, mode="rb") as file:
            while chunk := await file.read(self.chunk_size):
                yield chunk
