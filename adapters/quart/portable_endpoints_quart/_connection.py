"""The neutral request and websocket over Quart's own ``Request`` / ``Websocket`` (``.native``).

The URL, headers, query and cookies are read from the ASGI scope, which Quart passes through
unchanged. What Quart owns comes from Quart: the request body (Quart's receiver task reads the
ASGI channel), the per-request state (``g``) and URL building (its url map knows the blueprint
prefixes and the app's native routes too).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import quart
from quart.sessions import NullSession
from werkzeug.routing import BuildError

from portable_endpoints.datastructures import URL
from portable_endpoints.exceptions import NoMatchFound, SessionNotInstalled
from portable_endpoints.requests import ClientDisconnect, HTTPConnection, Request
from portable_endpoints.routing import RouteTable
from portable_endpoints.websockets import WebSocket
from portable_endpoints_quart._asgi import UNROUTED_ROOT_PATH, installed
from portable_endpoints_quart._compat import CLIENT_GONE, body_complete, body_limit, current_g, share_g

N = TypeVar("N", quart.Request, quart.Websocket)


def endpoint_name(route_name: str) -> str:
    """A Quart endpoint name for a Starlette route name (Quart's may not contain ".")."""
    return route_name.replace("%", "%25").replace(".", "%2E")


class _QuartConnection(HTTPConnection[N]):
    __slots__ = ()

    @property
    def state(self) -> Any:
        """Quart's ``g``: per request or websocket, shared with hooks and extensions, and with ASGI
        middleware around the app through ``scope["state"]`` (as Starlette's ``request.state``)."""
        g = current_g()
        share_g(g, self.scope.setdefault("state", {}))
        return g

    session_hint = "set the app's secret_key (app.secret_key = ...), which Quart's cookie session needs"

    @property
    def session(self) -> Any:
        """Quart's ``session``: saved by Quart into its cookie after the response, as for any view.

        A session middleware around the app (the portable ``SessionMiddleware``) wins: ``scope["session"]``.
        """
        if "session" in self.scope:
            return super().session
        session = quart.session._get_current_object()
        if isinstance(session, NullSession):
            raise SessionNotInstalled(f"request.session needs a session on this host: {self.session_hint}")
        return session

    @property
    def app(self) -> quart.Quart:
        """The Quart app serving this connection."""
        return quart.current_app._get_current_object()

    def _tables(self) -> list[tuple[RouteTable, str | None]]:
        """This connection's table under its blueprint, then the app's other portable tables."""
        own = [] if self.route_table is None else [(cast("RouteTable", self.route_table), self.native.blueprint)]
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
                path_params = found[0].url_params(path_params)
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
        unrouted_root: str | None = self.scope.get(UNROUTED_ROOT_PATH)
        if unrouted_root:
            built = unrouted_root.rstrip("/") + built
        secure = self.url.is_secure
        scheme = ("wss" if secure else "ws") if protocol == "websocket" else ("https" if secure else "http")
        return URL(f"{scheme}://{self.url.netloc}{built}")


class QuartRequest(_QuartConnection[quart.Request], Request[quart.Request]):
    __slots__ = ()


def quart_request(scope: Any, native: quart.Request, params: dict[str, Any], table: Any) -> QuartRequest:
    """The neutral request over Quart's: Quart's receiver task owns the body, with its limit."""

    async def chunks() -> AsyncIterator[bytes]:
        body = native.body
        if body_complete(body):
            # All of it has arrived, maybe read already by a hook (iterating Quart 0.23's Body
            # after that yields nothing): Quart's reader has it, with its limits applied.
            if data := await read_all():
                yield data
            return
        try:
            async for chunk in body:
                if chunk:
                    yield chunk
        except CLIENT_GONE as exc:
            raise ClientDisconnect("The client disconnected before the whole body arrived") from exc

    async def read_all() -> bytes:
        try:
            # Quart's reader: its BODY_TIMEOUT and MAX_CONTENT_LENGTH apply, and its cache serves
            # hooks and error handlers that read the body too.
            data: bytes = await native.get_data(cache=True, as_text=False, parse_form_data=False)
        except CLIENT_GONE as exc:
            raise ClientDisconnect("The client disconnected before the whole body arrived") from exc
        return data

    return QuartRequest(
        scope,
        native=native,
        path_params=params,
        route_table=table,
        body_chunks=chunks,
        read_body=read_all,
        max_body_size=body_limit(native),
    )


class QuartWebSocket(_QuartConnection[quart.Websocket], WebSocket[quart.Websocket]):
    __slots__ = ()
