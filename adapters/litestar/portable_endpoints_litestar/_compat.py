"""Every part of Litestar this adapter touches beyond its documented API, in one place.

Each has a test in ``tests/test_litestar_compat.py``, so a Litestar release that moves one of them
fails that one named test. The route-table surgery of ``_registration`` (every method reaching a
portable handler, Starlette paths in OpenAPI) goes through the functions at the end.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.types.internal_types import PathParameterDefinition
from litestar.utils.scope.state import ScopeState


def add_lifespan_manager(app: Litestar, manager: Callable[[Litestar], Any]) -> None:
    """Add ``manager`` after the app's own ``lifespan=[...]`` managers, once the app is built."""
    app._lifespan_managers.append(manager)


def cached_body(scope: Any) -> bytes | None:
    """The body Litestar's own request (or a middleware) has read and cached in the scope, if any."""
    body = ScopeState.from_scope(scope).body
    return body if isinstance(body, bytes) else None


def cache_body(scope: Any, body: bytes) -> None:
    """Cache ``body`` where Litestar's own ``Request.body()`` finds it."""
    ScopeState.from_scope(scope).body = body


def request_body_limit(native: Any) -> int | None:
    """The handler's ``request_max_body_size`` (Litestar >= 2.10; before, a body has no limit)."""
    resolve = getattr(native.route_handler, "resolve_request_max_body_size", None)
    return resolve() if resolve is not None else None


def mark_response_started(scope: Any) -> None:
    """Tell Litestar a response has gone out, so it sends no close of its own after an error."""
    ScopeState.from_scope(scope).response_started = True


def without_send_wrapper(cls: type[Any]) -> type[Any]:
    """``cls`` (a ``litestar.WebSocket`` class) sending through the server's ``send`` (its ``send_wrapper``
    hook), and keeping the server's ``receive`` beside its wrapped one, as ``server_receive(socket)``."""

    def send_wrapper(self: Any, send: Any) -> Any:
        return send

    def receive_wrapper(self: Any, receive: Any) -> Any:
        self.pe_server_receive = receive
        return cls.receive_wrapper(self, receive)

    namespace = {"__slots__": ("pe_server_receive",), "send_wrapper": send_wrapper, "receive_wrapper": receive_wrapper}
    return type(f"Portable{cls.__name__}", (cls,), namespace)


def server_receive(socket: Any) -> Any:
    """The server's own ``receive`` under the socket's state-tracking wrapper, or None."""
    return getattr(socket, "pe_server_receive", None)


def set_disconnected(socket: Any) -> None:
    """Record on a ``litestar.WebSocket`` that the client has gone (what its receive wrapper does)."""
    socket.connection_state = "disconnect"


def path_parameter(name: str, kind: str, python_type: type) -> PathParameterDefinition:
    """Litestar's description of one path parameter, as its OpenAPI generator reads it."""
    return PathParameterDefinition(name=name, full=f"{name}:{kind}", type=python_type, parser=None)


def publish_path(route: HTTPRoute, path_format: str, parameters: dict[str, PathParameterDefinition]) -> None:
    """Make OpenAPI show ``path_format`` and ``parameters`` for ``route`` (its ``path_format``/``path_parameters``)."""
    route.path_format = path_format
    route.path_parameters = parameters


def method_tables(app: Litestar) -> Iterator[tuple[Any, str, Callable[[Any], Any]]]:
    """Every per-method lookup table of ``app``'s HTTP routing: (owner, attribute, handler-of-value).

    Litestar keeps one in each ``HTTPRoute`` (``route_handler_map``) and two in each node of its
    routing trie (``asgi_handlers``, ``path_parameters``).
    """
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            yield route, "route_handler_map", lambda value: value[0]
    pending = [app.asgi_router.root_route_map_node]
    seen = set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        pending.extend(node.children.values())
        yield node, "asgi_handlers", lambda value: value.handler


def is_default_options_handler(handler: Any) -> bool:
    """Whether ``handler`` is the OPTIONS handler Litestar adds to a path that has none (``HTTPRoute``)."""
    fn = getattr(handler, "fn", None)
    return getattr(fn, "__qualname__", "") == "HTTPRoute.create_options_handler.<locals>.options_handler"


def clear_routing_cache(app: Litestar) -> None:
    """Drop Litestar's per-(path, method) routing cache."""
    app.asgi_router.handle_routing.cache_clear()


def route_websockets_without_method(app: Litestar) -> None:
    """Make ``app`` route a WebSocket scope that carries a ``method`` (some servers add one) as a WebSocket.

    Litestar routes by ``scope.get("method")``, and a WebSocket handler is registered under no
    method: a WebSocket scope with ``"method": "GET"`` would be a 404 (close 4500). The key has no
    meaning in a WebSocket scope (ASGI defines none), so it is dropped before Litestar routes.
    Wraps ``app.asgi_handler``, the callable ``Litestar.__call__`` hands every non-lifespan scope.
    """
    handler = app.asgi_handler
    if getattr(handler, "_pe_drops_websocket_method", False):
        return

    def asgi_handler(scope: Any, receive: Any, send: Any) -> Awaitable[None]:
        # Not a coroutine itself: no frame of its own kept for the life of every connection.
        if scope["type"] == "websocket" and "method" in scope:
            del scope["method"]
        return handler(scope, receive, send)

    asgi_handler._pe_drops_websocket_method = True  # type: ignore[attr-defined]
    app.asgi_handler = asgi_handler
