"""The neutral request and websocket over Quart's own ``Request`` / ``Websocket`` (``.native``).

The URL, headers, query and cookies are read from the ASGI scope, which Quart passes through
unchanged. What Quart owns comes from Quart: the request body (Quart's receiver task reads the
ASGI channel), the per-request state (``g``) and URL building (its url map knows the blueprint
prefixes and the app's native routes too).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import quart
from quart.sessions import NullSession
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BuildError

from portable_endpoints.datastructures import URL
from portable_endpoints.requests import ClientDisconnect, HTTPConnection, Request
from portable_endpoints.routing import NoMatchFound, RouteTable
from portable_endpoints.websockets import WebSocket
from portable_endpoints_quart._asgi import installed

try:  # Quart >= 0.23 raises it when the client has gone; earlier versions cancel the request
    from quart.wrappers.base import ClientDisconnectedError
except ImportError:  # pragma: no cover - depends on the installed Quart

    class ClientDisconnectedError(Exception):  # type: ignore[no-redef]
        """Never raised by this Quart."""


#: Quart's "the client has gone, nobody to answer" (a stand-in before Quart 0.23).
CLIENT_GONE: type[Exception] = ClientDisconnectedError


def endpoint_name(route_name: str) -> str:
    """A Quart endpoint name for a Starlette route name (Quart's may not contain ".")."""
    return route_name.replace("%", "%25").replace(".", "%2E")


class _QuartConnection(HTTPConnection):
    __slots__ = ()

    @property
    def state(self) -> Any:
        """Quart's ``g``: per request or websocket, shared with hooks and extensions."""
        return quart.g._get_current_object()

    session_hint = "set the app's secret_key (app.secret_key = ...), which Quart's cookie session needs"

    @property
    def session(self) -> Any:
        """Quart's ``session``: saved by Quart into its cookie after the response, as for any view."""
        session = quart.session._get_current_object()
        if isinstance(session, NullSession):
            raise RuntimeError(f"request.session needs a session on this host: {self.session_hint}")
        return session

    @property
    def app(self) -> quart.Quart:
        """The Quart app serving this connection."""
        return quart.current_app._get_current_object()

    def _tables(self) -> list[tuple[RouteTable, str | None]]:
        """This connection's table under its blueprint, then the app's other portable tables."""
        own = [] if self.route_table is None else [(self.route_table, self._native.blueprint)]
        others = [(table, bp) for table, bp, _ in installed(quart.current_app).tables if table is not self.route_table]
        return own + others

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """A route of this table by its Starlette name, else any endpoint Quart knows by that name.

        Quart builds the path (blueprint prefixes, root path); scheme and host come from this
        connection's URL, with Starlette's ``ws``/``wss`` for a WebSocket route.
        """
        protocol, endpoint, named = "http", None, False
        for table, blueprint in self._tables():
            named = named or name in table.by_name
            found = table.find(name, path_params)
            if found is not None:
                protocol = found[0].protocol
                native_name = endpoint_name(table.native_name(found[0]))
                endpoint = f"{blueprint}.{native_name}" if blueprint else native_name
                break
        if endpoint is None:
            if named:  # a portable route of that name, but none whose params fit: no query-string build
                raise NoMatchFound(name, path_params)
            endpoint = name
        try:
            built = quart.url_for(endpoint, **path_params)
        except (BuildError, ValueError, AssertionError) as exc:
            raise NoMatchFound(name, path_params) from exc
        if not built.startswith("/") or built.startswith("//"):
            # Werkzeug always builds WebSocket routes with a scheme and host: keep the path.
            parts = urlsplit(built)
            if parts.scheme in ("ws", "wss"):
                protocol = "websocket"
            built = parts.path + (f"?{parts.query}" if parts.query else "")
        secure = self.url.is_secure
        scheme = ("wss" if secure else "ws") if protocol == "websocket" else ("https" if secure else "http")
        return URL(f"{scheme}://{self.url.netloc}{built}")


class QuartRequest(_QuartConnection, Request):
    __slots__ = ()

    @property
    def native(self) -> quart.Request:
        return self._native  # type: ignore[no-any-return]

    async def _chunks(self) -> AsyncIterator[bytes]:
        body = self._native.body
        complete = getattr(body, "_complete", None)
        if complete is not None and complete.is_set():
            # All of it has arrived, maybe read already by a hook (iterating Quart 0.23's Body
            # after that yields nothing): Quart's reader has it, with its limits applied.
            if data := await self._read_all():
                yield data
            return
        # Quart 0.23 checks MAX_CONTENT_LENGTH against the body only when it is awaited.
        limit = quart.current_app.config["MAX_CONTENT_LENGTH"]
        received = 0
        try:
            async for chunk in body:
                if chunk:
                    received += len(chunk)
                    if limit is not None and received > limit:
                        raise RequestEntityTooLarge()
                    yield chunk
        except ClientDisconnectedError as exc:
            raise ClientDisconnect("The client disconnected before the whole body arrived") from exc

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            if self._stream_consumed:
                raise RuntimeError("Stream consumed")
            self._body = await self._read_all()
        return self._body

    async def _read_all(self) -> bytes:
        try:
            # Quart's reader: its BODY_TIMEOUT and MAX_CONTENT_LENGTH apply, and its cache serves
            # hooks and error handlers that read the body too.
            data: bytes = await self._native.get_data(cache=True, as_text=False, parse_form_data=False)
        except ClientDisconnectedError as exc:
            raise ClientDisconnect("The client disconnected before the whole body arrived") from exc
        return data


class QuartWebSocket(_QuartConnection, WebSocket):
    __slots__ = ()

    @property
    def native(self) -> quart.Websocket:
        return self._native  # type: ignore[no-any-return]
