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
from typing import Any

from portable_endpoints.datastructures import URL
from portable_endpoints.requests import HTTPConnection, Request
from portable_endpoints.routing import NoMatchFound
from portable_endpoints.websockets import WebSocket
from portable_endpoints_django._compat import HttpRequest, NoReverseMatch, body_is_on_disk, reverse, to_thread


class _DjangoConnection(HTTPConnection):
    __slots__ = ()
    #: the path above the route table (a Django include() prefix), "" at the top
    _prefix: str

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        table = self.route_table
        base = self.base_url
        if table is not None and name in table.by_name:
            path = table.url_path_for(name, **path_params)
            return base.replace(path=base.path.rstrip("/") + self._prefix + path)
        try:
            # Django's reverse() already puts the script prefix (root_path) in front.
            path = reverse(name, kwargs=path_params)
        except NoReverseMatch:
            raise NoMatchFound(name, path_params) from None
        return base.replace(path=path)


class DjangoRequest(_DjangoConnection, Request):
    __slots__ = ("_prefix",)

    @property
    def native(self) -> HttpRequest:
        """Django's own request: ``request.native.user``, ``.session``, ``.COOKIES`` and so on."""
        return self._native  # type: ignore[no-any-return]

    @property
    def session(self) -> Any:
        """Django's session (``request.native.session``), when its SessionMiddleware is installed."""
        session = getattr(self._native, "session", None)
        assert session is not None, "Django's SessionMiddleware must be in MIDDLEWARE to access request.session"
        return session

    async def _read(self) -> bytes:
        native = self._native
        if body_is_on_disk(native):
            body: bytes = await to_thread(lambda: native.body)
            return body
        return native.body  # type: ignore[no-any-return]

    async def body(self) -> bytes:
        try:
            return self._body
        except AttributeError:
            pass
        if self._stream_consumed:
            raise RuntimeError("Stream consumed")
        self._stream_consumed = True
        self._body = await self._read()
        return self._body

    async def _chunks(self) -> AsyncIterator[bytes]:
        # Django has already read the whole body: it arrives as one chunk.
        body = await self._read()
        if body:
            yield body


class DjangoWebSocket(_DjangoConnection, WebSocket):
    """A WebSocket routed by Channels; Channels' own middleware leaves its results in the scope."""

    __slots__ = ("_prefix",)

    @property
    def session(self) -> Any:
        """The session Channels' ``SessionMiddleware`` (or ``AuthMiddlewareStack``) put in the scope."""
        assert "session" in self.scope, "Channels' SessionMiddleware must wrap the router to access websocket.session"
        return self.scope["session"]
