"""WebSocket: a Litestar websocket handler that runs the portable session over ASGI messages.

Litestar's ``WebSocket`` methods lose what the portable protocol needs: ``receive_text`` returns
``""`` for a binary frame, a client's close code never reaches the handler, and closing is tied to
its own state machine. The session therefore speaks ASGI messages through the socket's ``receive``
and ``send``, which Litestar only observes, so frame types, close codes and reasons, subprotocols,
accept headers and handshake rejections travel exactly. The native socket (the app's own
``websocket_class``) stays usable as ``websocket.native``.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import litestar
from litestar.exceptions import WebSocketException as LitestarWebSocketException
from litestar.handlers import WebsocketRouteHandler

from portable_endpoints import status
from portable_endpoints.routing import RouteTable, WebSocketRoute, enter_mount, first_match
from portable_endpoints.websockets import WebSocketState
from portable_endpoints_litestar import _compat
from portable_endpoints_litestar._connection import LitestarWebSocket
from portable_endpoints_litestar._paths import LitestarPath, original_paths

_ids = itertools.count()


class PortableWebSocketHandler(WebsocketRouteHandler):
    """A websocket handler of portable routes, on the app's own ``websocket_class``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={sorted(self.paths)[0]!r}, name={self.name!r})"

    def resolve_websocket_class(self) -> type[litestar.WebSocket[Any, Any, Any]]:
        cls = super().resolve_websocket_class()
        try:
            return _SERVER_SEND[cls]
        except KeyError:
            return _SERVER_SEND.setdefault(cls, _with_server_send(cls))


_SERVER_SEND: dict[type[litestar.WebSocket[Any, Any, Any]], type[litestar.WebSocket[Any, Any, Any]]] = {}


def _with_server_send(cls: type[litestar.WebSocket[Any, Any, Any]]) -> type[litestar.WebSocket[Any, Any, Any]]:
    """``cls`` sending through the server's own ``send``.

    Litestar's send wrapper only refuses to send after the client's disconnect; without it a late
    send meets the server, as on every other host (the portable WebSocket reports a vanished
    transport as ``WebSocketDisconnect(1006)``), and each message saves a call. Its receive
    wrapper stays: it keeps the native socket's own state right for code that uses it.
    """

    return _compat.without_send_wrapper(cls)


def session_runner(routes: Sequence[WebSocketRoute], table: RouteTable) -> Callable[..., Awaitable[None]]:
    """The handler function for one Litestar path: the first of ``routes`` matching the request."""
    candidates = tuple(routes)

    def connect(socket: litestar.WebSocket[Any, Any, Any]) -> tuple[WebSocketRoute, LitestarWebSocket] | None:
        # A plain function: its locals are gone once the session starts, where the endpoint's
        # frame lives as long as the connection.
        native: Any = socket  # Litestar types the scope and channels more narrowly than the core
        scope = native.scope
        full_path, path = original_paths(scope)
        target_table = table
        if table.app_routes is not None and table.neighbours:
            across = table.app_routes.match_websocket(path)
            found, target_table = across if across is not None else (None, table)
        else:
            found = first_match(candidates, path)
        if found is None:
            return None
        route, params = found.route, found.params
        enter_mount(scope, route, path)
        scope["path_params"] = params
        websocket = LitestarWebSocket(
            scope, native.receive, native.send, native=socket, path_params=params, route_table=target_table
        )
        websocket._full_path = full_path
        return route, websocket

    async def endpoint(socket: litestar.WebSocket[Any, Any, Any]) -> None:
        connected = connect(socket)
        if connected is None:
            # Closing before accepting rejects the handshake (403), as Starlette's router does.
            await socket.send({"type": "websocket.close", "code": status.WS_1000_NORMAL_CLOSURE, "reason": ""})
            return
        route, websocket = connected
        del connected
        try:
            await route.session(websocket)
        except Exception as exc:
            if websocket.client_state is WebSocketState.DISCONNECTED:
                _compat.set_disconnected(socket)
            if websocket.application_state is WebSocketState.CONNECTED:
                # Let Litestar close with 1011, after its after_exception hooks and logging.
                raise LitestarWebSocketException(detail="", code=status.WS_1011_INTERNAL_ERROR) from exc
            # Already closed, or never accepted: a second close from Litestar would be a protocol
            # error, so the exception goes on to the server, as on any other host.
            _compat.mark_response_started(websocket.scope)
            raise
        if websocket.client_state is WebSocketState.DISCONNECTED:
            _compat.set_disconnected(socket)

    endpoint.__annotations__ = {"socket": litestar.WebSocket, "return": None}
    endpoint.__name__ = "portable_websocket"
    endpoint.__qualname__ = f"portable_websocket_{next(_ids)}"
    return endpoint


def websocket_handler(target: LitestarPath, table: RouteTable, name: str | None) -> PortableWebSocketHandler:
    fn = session_runner(target.websocket_candidates, table)
    handler = PortableWebSocketHandler(target.path, name=name)
    handler(fn)
    return handler
