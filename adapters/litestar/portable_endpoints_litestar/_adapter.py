"""Portable routes as native Litestar route handlers: ``create_app``, ``native_routes``, ``mount``.

Each Litestar path the routes need (see ``_paths``) gets HTTP handlers and, where a WebSocket route
may answer, a websocket handler. Where the handler's Litestar path is exactly the route's own, the
handler carries the route's name, so Litestar's ``route_reverse`` / ``url_for`` find portable
routes too. ``create_app`` and ``mount`` then finish what only a built app allows (``_registration``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from litestar import Litestar
from litestar.exceptions import LitestarException
from litestar.handlers import BaseRouteHandler
from litestar.routes import BaseRoute, HTTPRoute, WebSocketRoute

from portable_endpoints.exceptions import ConfigurationError
from portable_endpoints.hosting import asgi_lifespan, lifespan_complete
from portable_endpoints.routing import AppRoutes, Route, RouteTable
from portable_endpoints.routing import WebSocketRoute as PortableWebSocketRoute
from portable_endpoints.types import ASGIApp, Receive, Scope, Send
from portable_endpoints_litestar import _compat
from portable_endpoints_litestar._http import APP_ROUTES, http_handlers
from portable_endpoints_litestar._paths import LitestarPath, plan
from portable_endpoints_litestar._registration import finish_registration, with_slash_redirects
from portable_endpoints_litestar._websocket import websocket_handler

TrieKey = tuple[str | None, ...]


def _name(
    target: LitestarPath, members: list[Route] | list[PortableWebSocketRoute], table: RouteTable, taken: set[str]
) -> str | None:
    # Litestar's handler names are unique: a route sharing its name with an earlier one gets the
    # table's unique native name (url_for of the shared name still finds the first that fits).
    if len(members) != 1 or not target.is_exact_for(members[0]):
        return None
    name = table.native_name(members[0])
    return None if name in taken else name


def _trie_key(components: Iterable[object]) -> TrieKey:
    # A parameter of any kind (ours or Litestar's own definition) is one trie node.
    return tuple(part if isinstance(part, str) else None for part in components)


def build_handlers(
    table: RouteTable,
    *,
    taken_names: set[str] | None = None,
    occupied: dict[TrieKey, set[type[BaseRoute]]] | None = None,
    every_verb: bool = True,
) -> list[BaseRouteHandler]:
    """The handlers for ``table``; ``occupied`` holds the trie leaves an app's own routes already use.

    ``every_verb=False``: for an app ``finish_registration`` completes (see ``http_handlers``).
    """
    taken, occupied = taken_names or set(), occupied or {}
    handlers: list[BaseRouteHandler] = []
    for target in plan(table):
        kinds = occupied.get(_trie_key(target.segments), set())
        for kind, members in ((HTTPRoute, target.http_members), (WebSocketRoute, target.websocket_members)):
            if kind in kinds and members:
                raise ConfigurationError(
                    f"The app already routes {target.path!r} to its own handlers; {members[0]!r} cannot be "
                    "mounted there (Litestar keeps one handler per path and method)"
                )
        if HTTPRoute not in kinds:
            name = _name(target, target.http_members, table, taken)
            handlers += http_handlers(target, table, name, every_verb=every_verb)
        if WebSocketRoute not in kinds and target.websocket_candidates:
            handlers.append(websocket_handler(target, table, _name(target, target.websocket_members, table, taken)))
    return handlers


def _link(app: Litestar, table: RouteTable) -> None:
    """Serve ``table`` after the app's other portable tables: ``url_for`` in one finds the others',
    and Starlette's router chooses among the routes of all of them."""
    if APP_ROUTES not in app.state:
        app.state[APP_ROUTES] = AppRoutes()
    app.state[APP_ROUTES].include(table)


class LitestarAdapter:
    name = "litestar"
    #: ``create_app(exception_handlers=)`` keys that stay Litestar's own (its handlers, its request)
    native_exception_types: tuple[type, ...] = (LitestarException,)

    def native_routes(self, table: RouteTable) -> list[BaseRouteHandler]:
        """Handlers to pass to ``Litestar(route_handlers=...)``, in this order.

        ``pe.mount`` or ``create_app`` also serve QUERY and answer unknown methods with Starlette's
        405; handlers composed by hand leave those methods to Litestar (405, its own ``Allow``).
        """
        return build_handlers(table)

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> Litestar:
        own = list(options.pop("route_handlers", None) or ())
        if table.redirect_slashes:
            options["exception_handlers"] = with_slash_redirects(table, options.get("exception_handlers"))
        app = Litestar(route_handlers=[*build_handlers(table, every_verb=False), *own], **options)
        _link(app, table)
        finish_registration(app)
        return app

    def mount(self, app: Any, table: RouteTable) -> None:
        occupied: dict[TrieKey, set[type[BaseRoute]]] = {}
        for route in app.routes:
            occupied.setdefault(_trie_key(route.path_components), set()).add(type(route))
        names = {
            table.native_name(route)
            for route in table
            if app.get_handler_index_by_name(table.native_name(route)) is not None
        }
        for handler in build_handlers(table, taken_names=names, occupied=occupied, every_verb=False):
            app.register(handler)
        _link(app, table)
        finish_registration(app)

    def wrap_asgi(self, app: Litestar, wrap: Callable[[ASGIApp], ASGIApp]) -> None:
        """``wrap`` around ``app.asgi_handler`` (what Litestar runs before routing, after its own
        ``__call__``); the lifespan, which Litestar never passes there, reaches the same stack
        through one of Litestar's lifespan managers."""
        handler = app.asgi_handler

        async def entry(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan":
                await lifespan_complete(scope, receive, send)  # Litestar's own lifespan runs around this one
            else:
                await handler(scope, receive, send)  # type: ignore[arg-type]

        stack = wrap(entry)
        app.asgi_handler = stack  # type: ignore[assignment]
        _compat.add_lifespan_manager(app, lambda _: asgi_lifespan(stack))

    def host_paths(self, table: RouteTable) -> list[str]:
        """The Litestar path each route is registered under (``portable-endpoints routes`` shows these)."""
        owners: dict[int, str] = {}
        for target in plan(table):
            for member in (*target.http_members, *target.websocket_members):
                owners[id(member)] = target.path
        return [owners[id(route)] for route in table]


ADAPTER = LitestarAdapter()
