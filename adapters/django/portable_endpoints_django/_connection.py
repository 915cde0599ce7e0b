"""The neutral request and websocket on Django: ``request.native`` is Django's ``HttpRequest``.

Django reads the whole body before any view runs (into memory, or a temporary file past
``FILE_UPLOAD_MAX_MEMORY_SIZE``), so ``body()`` takes it from the ``HttpRequest`` and ``stream()``
yields it in one piece: the ``django`` adapter does not declare ``http.streaming_request_body``.
Headers, query and cookies are read from the ASGI scope, as on every host.

URLs: a table may sit under a Django ``include()`` prefix (or a Channels ``URLRouter`` nest), so
each connection knows the part of its path above the table (``_prefix``); ``url_for`` puts it
between the script prefix and the route's own path, and falls back to Django's ``reverse()``
for names the table does not have.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeVar, cast

from portable_endpoints.datastructures import URL
from portable_endpoints.exceptions import NoMatchFound, SessionNotInstalled
from portable_endpoints.requests import HTTPConnection, Request, absolute_url
from portable_endpoints.routing import RouteTable
from portable_endpoints.websockets import WebSocket
from portable_endpoints_django._compat import (
    HttpRequest,
    NoReverseMatch,
    body_is_on_disk,
    cached_body,
    reverse,
    to_thread,
)

N = TypeVar("N")
#: Bytes read at a time from the body Django has buffered, for ``stream()`` and forms.
CHUNK_SIZE = 64 * 1024


class _DjangoConnection(HTTPConnection[N]):
    __slots__ = ()
    #: the path above the route table (a Django include() prefix), "" at the top
    _prefix: str

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        table = cast("RouteTable | None", self.route_table)  # this adapter passes its RouteTable
        base = self.base_url
        if table is not None and name in table.by_name:
            found = table.url_path_for(name, **path_params)
            return absolute_url(base, self._prefix + found, getattr(found, "protocol", "http"))
        try:
            # Django's reverse() already puts the script prefix (root_path) in front.
            path = reverse(name, kwargs=path_params)
        except NoReverseMatch:
            raise NoMatchFound(name, path_params) from None
        return base.replace(path=path)


class DjangoRequest(_DjangoConnection[HttpRequest], Request[HttpRequest]):
    """``request.native`` is Django's request: ``.user``, ``.session``, ``.COOKIES`` and so on."""

    __slots__ = ("_prefix",)

    @property
    def session(self) -> Any:
        """Django's session (``request.native.session``), when its SessionMiddleware is installed.

        A session middleware around the app (the portable ``SessionMiddleware``) wins: ``scope["session"]``.
        """
        if "session" in self.scope:
            return super().session
        session = getattr(self.native, "session", None)
        if session is None:
            raise SessionNotInstalled("Django's SessionMiddleware must be in MIDDLEWARE to access request.session")
        return session


async def read_body(native: HttpRequest) -> bytes:
    """``request.body``: Django's cached body (its ``DATA_UPLOAD_MAX_MEMORY_SIZE`` applies)."""
    if body_is_on_disk(native):
        body: bytes = await to_thread(lambda: native.body)
        return body
    return native.body


async def body_chunks(native: HttpRequest) -> AsyncIterator[bytes]:
    """The body Django has buffered, in blocks: a large upload is not held in memory at once."""
    cached = cached_body(native)
    if cached is not None:  # read earlier, by a middleware or the endpoint
        if cached:
            yield cached
        return
    on_disk = body_is_on_disk(native)
    while True:
        chunk: bytes = await to_thread(lambda: native.read(CHUNK_SIZE)) if on_disk else native.read(CHUNK_SIZE)
        if not chunk:
            return
        yield chunk


class DjangoWebSocket(_DjangoConnection[None], WebSocket[None]):
    """A WebSocket routed by Channels; Channels' own middleware leaves its results in the scope."""

    __slots__ = ("_prefix",)

    @property
    def session(self) -> Any:
        """The session Channels' ``SessionMiddleware`` (or ``AuthMiddlewareStack``) put in the scope."""
        if "session" not in self.scope:
            raise SessionNotInstalled("Channels' SessionMiddleware must wrap the router to access websocket.session")
        return self.scope["session"]
