"""The neutral request and websocket over Litestar's own ``Request`` / ``WebSocket`` (``.native``).

Litestar owns the body stream (its limit, its cache), the per-request state and the route names, so
these classes take those from it; headers, query and cookies are read lazily from the scope, as on
every host. The one thing not to take from Litestar is the path: it rewrites ``scope["path"]`` to
its normalised route path, so the original (from ``raw_path``) is what ``path`` and ``url`` show.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any, TypeVar, cast

import litestar
from litestar.exceptions import InternalServerException, NoRouteMatchFoundException

from portable_endpoints.datastructures import URL
from portable_endpoints.exceptions import NoMatchFound
from portable_endpoints.requests import ClientDisconnect, HTTPConnection, Request, read_asgi_body
from portable_endpoints.routing import RouteTable
from portable_endpoints.websockets import WebSocket
from portable_endpoints_litestar import _compat

N = TypeVar("N", litestar.Request[Any, Any, Any], litestar.WebSocket[Any, Any, Any])


class _LitestarConnection(HTTPConnection[N]):
    __slots__ = ()
    session_hint = (
        "install Litestar's session middleware: create_app(..., middleware=[CookieBackendConfig(secret=...)"
        ".middleware]) or ServerSideSessionConfig (litestar.middleware.session)"
    )
    # Set right after construction by the handler: the request's original path.
    _full_path: str

    @property
    def path(self) -> str:
        return self._full_path

    @property
    def url(self) -> URL:
        try:
            return self._url
        except AttributeError:
            scope = self.scope
            self._url = URL.from_scope(
                {
                    "scheme": scope.get("scheme", "http"),
                    "server": scope.get("server"),
                    "path": self._full_path,
                    "query_string": scope.get("query_string", b""),
                    "headers": scope["headers"],
                }
            )
            return self._url

    @property
    def state(self) -> Any:
        """Litestar's own per-request ``State``, shared with its middleware and dependencies."""
        return self.native.state

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """A portable route by its Starlette name (this table, then the app's other portable tables),
        else any route Litestar knows by that handler name."""
        table = cast("RouteTable | None", self.route_table)  # this adapter passes its RouteTable
        if table is not None and table.knows(name):
            # Starlette's rule, not Litestar's (which would ignore parameters that do not fit).
            return super().url_for(name, **path_params)
        try:
            return URL(str(self.native.url_for(name, **path_params)))
        except (NoRouteMatchFoundException, ValueError, TypeError):
            raise NoMatchFound(name, path_params) from None


class LitestarRequest(_LitestarConnection[litestar.Request[Any, Any, Any]], Request[litestar.Request[Any, Any, Any]]):
    __slots__ = ("_full_path",)
    #: Litestar sends an ASGI response once its own response handling (hooks, layered headers) ran
    sends_response_at_once = False


def litestar_request(
    native: litestar.Request[Any, Any, Any], params: dict[str, Any], table: Any, full_path: str
) -> LitestarRequest:
    """The neutral request over Litestar's: Litestar's limit, and its body cache shared both ways."""
    # Litestar types the ASGI scope and channels more narrowly than the core's plain mappings.
    scope: Any = native.scope
    receive: Any = native.receive
    limit = _compat.request_body_limit(native)

    async def read_all() -> bytes:
        cached = _compat.cached_body(scope)
        if cached is not None:  # read earlier, by a middleware or a hook
            return cached
        if not native.is_connected:
            raise RuntimeError("Stream consumed")
        try:
            # The core's reader, without Litestar's generator layers (a third of a small JSON
            # request's time); the core applies the limit.
            body = await read_asgi_body(receive, limit)
        finally:
            native.is_connected = False
        _compat.cache_body(scope, body)
        return body

    async def chunks() -> AsyncIterator[bytes]:
        cached = _compat.cached_body(scope)
        if cached is not None:
            yield cached
            return
        if not native.is_connected:
            raise RuntimeError("Stream consumed")
        try:
            async for chunk in native.stream():
                yield chunk
        except InternalServerException as exc:  # Litestar's name for a client gone mid-body
            native.is_connected = False
            raise ClientDisconnect("The client disconnected before the whole body arrived") from exc

    send: Any = native.send
    request = LitestarRequest(
        scope,
        receive,
        send,
        native=native,
        path_params=params,
        route_table=table,
        body_chunks=chunks,
        read_body=read_all,
        max_body_size=limit,
    )
    request._full_path = full_path
    return request


class LitestarWebSocket(
    _LitestarConnection[litestar.WebSocket[Any, Any, Any]], WebSocket[litestar.WebSocket[Any, Any, Any]]
):
    __slots__ = ("_full_path",)

    async def accept(
        self, subprotocol: str | None = None, headers: Iterable[tuple[bytes, bytes]] | None = None
    ) -> None:
        await super().accept(subprotocol, headers)
        # Past the handshake, messages come straight from the server: Litestar's receive wrapper
        # only tracks its socket's state, which the handler sets once the session is over.
        receive = _compat.server_receive(self.native)
        if receive is not None:
            self._receive = receive
