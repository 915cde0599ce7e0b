"""Portable routes as native Starlette routes.

Starlette is the reference semantics, so this adapter mostly gets out of the way: each portable
route becomes a Starlette ``Route`` / ``WebSocketRoute`` whose endpoint is a small ASGI app.
Starlette's router walks the routes (full match, else first partial, then ``redirect_slashes``);
each route answers ``matches()`` with the core's path rule and verb table, so a method the route
does not serve is a partial match, as on every host. The neutral request reads the scope directly,
and Starlette's own ``Request`` is built only if the endpoint asks for ``request.native``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeGuard, cast

import starlette.exceptions
import starlette.requests
import starlette.responses
import starlette.routing
import starlette.websockets
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Match

from portable_endpoints.convertors import CONVERTOR_TYPES
from portable_endpoints.datastructures import URL
from portable_endpoints.exceptions import HTTPException, NoMatchFound
from portable_endpoints.hosting import run_endpoint
from portable_endpoints.requests import HTTPConnection, Request
from portable_endpoints.routing import Route, RouteTable, WebSocketRoute, enter_mount, path_below_root
from portable_endpoints.types import ASGIApp, Receive, Scope, Send
from portable_endpoints.websockets import WebSocket
from portable_endpoints_starlette import _compat
from portable_endpoints_starlette._table import PortableRoutes

SESSION_HINT = (
    "install Starlette's SessionMiddleware: create_app(..., middleware=[Middleware(SessionMiddleware, "
    "secret_key=...)]) (starlette.middleware.Middleware, starlette.middleware.sessions.SessionMiddleware)"
)


class StarletteRequest(Request[starlette.requests.Request]):
    __slots__ = ()
    session_hint = SESSION_HINT

    @property
    def native(self) -> starlette.requests.Request:
        # Built on first access from the request's own channel: no factory closure per request.
        native = self._native
        if native is None:
            native = self._native = starlette.requests.Request(self.scope, self.receive, self.send)
        return native

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        return _url_for(self, name, path_params)


class StarletteWebSocket(WebSocket[starlette.websockets.WebSocket]):
    __slots__ = ()
    session_hint = SESSION_HINT

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        return _url_for(self, name, path_params)


def _url_for(connection: StarletteRequest | StarletteWebSocket, name: str, path_params: dict[str, Any]) -> URL:
    """This table's route first when the adapter placed the table itself (``create_app``, ``mount``),
    then whatever Starlette's router knows, portable or not (it alone knows how routes from
    ``native_routes`` were composed)."""
    table = cast("RouteTable | None", connection.route_table)  # this adapter passes its RouteTable
    if table is not None and table.resolves_here:
        try:
            return HTTPConnection[Any].url_for(connection, name, **path_params)
        except NoMatchFound:
            pass
    if table is not None:
        # The portable route's own params rule (a Mount(app=...) route strips the leading "/" of path).
        for route in table.by_name.get(name, ())[:1]:
            path_params = route.url_params(path_params)
    try:
        return URL(str(connection.native.url_for(name, **path_params)))
    except (starlette.routing.NoMatchFound, ValueError, AssertionError):
        # Starlette's convertors assert (or ours raise ValueError) on a value they refuse.
        raise NoMatchFound(name, path_params) from None


def starlette_error(exc: HTTPException) -> NoReturn:
    """Starlette's own exception, so the app's ``exception_handlers`` apply to it."""
    raise starlette.exceptions.HTTPException(exc.status_code, exc.detail, exc.headers) from exc


def is_starlette_response(value: object) -> TypeGuard[starlette.responses.Response]:
    return isinstance(value, starlette.responses.Response)


class HTTPApp:
    """The ASGI endpoint Starlette routes to; Starlette has already matched the path."""

    __slots__ = ("route", "table")

    def __init__(self, route: Route, table: RouteTable) -> None:
        self.route = route
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.route.mount_compiled is not None:
            enter_mount(scope, self.route, path_below_root(scope))
        request = StarletteRequest(scope, receive, send, route_table=self.table)
        response = await run_endpoint(
            self.route.dispatcher, request, http_error=starlette_error, is_native_response=is_starlette_response
        )
        if response is not None:
            await response(scope, receive, send)


class WebSocketApp:
    __slots__ = ("route", "table")

    def __init__(self, route: WebSocketRoute, table: RouteTable) -> None:
        self.route = route
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.route.mount_compiled is not None:
            enter_mount(scope, self.route, path_below_root(scope))
        websocket = StarletteWebSocket(
            scope,
            receive,
            send,
            native_factory=lambda: starlette.websockets.WebSocket(scope, receive, send),
            route_table=self.table,
        )
        await self.route.session(websocket)


class PortableRoute(starlette.routing.Route):
    """A Starlette route that matches as the core does: path by the core's rule, method by the
    route's verb table (another method is ``Match.PARTIAL``, so a later route may still match)."""

    def __init__(self, route: Route, table: RouteTable) -> None:
        super().__init__(
            starlette_path(route), HTTPApp(route, table), name=route.name, include_in_schema=route.include_in_schema
        )
        self.portable = route

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        params = self.portable.compiled.match(path_below_root(scope))
        if params is None:
            return Match.NONE, {}
        child_scope = {"endpoint": self.endpoint, "path_params": {**scope.get("path_params", {}), **params}}
        return (Match.FULL if scope["method"] in self.portable.method_set else Match.PARTIAL), child_scope


class PortableWebSocketRoute(starlette.routing.WebSocketRoute):
    """A Starlette WebSocket route that matches the path by the core's rule."""

    def __init__(self, route: WebSocketRoute, table: RouteTable) -> None:
        super().__init__(starlette_path(route), WebSocketApp(route, table), name=route.name)
        self.portable = route

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "websocket":
            return Match.NONE, {}
        params = self.portable.compiled.match(path_below_root(scope))
        if params is None:
            return Match.NONE, {}
        return Match.FULL, {"endpoint": self.endpoint, "path_params": {**scope.get("path_params", {}), **params}}


def native_route(route: Route | WebSocketRoute, table: RouteTable) -> tuple[starlette.routing.BaseRoute, ASGIApp]:
    """The Starlette route object of a portable route, and the ASGI app serving it."""
    native = PortableRoute(route, table) if isinstance(route, Route) else PortableWebSocketRoute(route, table)
    return native, native.endpoint


def starlette_path(route: Route | WebSocketRoute) -> str:
    """The route's path with the core's own convertors, registered in Starlette as ``pe_<kind>``.

    Starlette's convertors have changed across versions (uuid case, for one); the core's are the
    reference, so Starlette matches and converts with exactly those.
    """
    for kind in {kind for _, kind in route.compiled.param_kinds}:
        _compat.ensure_convertor(f"pe_{kind}", CONVERTOR_TYPES[kind])
    return route.compiled.template(lambda param: "{" + f"{param.name}:pe_{param.kind}" + "}")


#: Starlette's own exception classes: handlers keyed by them are Starlette's (``create_app``).
NATIVE_EXCEPTION_TYPES: tuple[type, ...] = (starlette.exceptions.HTTPException, starlette.exceptions.WebSocketException)


def wrap_user_middleware(app: Starlette, wrap: Callable[[ASGIApp], ASGIApp]) -> None:
    """``wrap`` as the innermost of the app's own middleware: Starlette's exact stack
    (``ServerErrorMiddleware``, user middleware, ``ExceptionMiddleware``, router)."""
    app.user_middleware.append(Middleware(wrap))


class StarletteAdapter:
    name = "starlette"
    #: ``create_app(exception_handlers=)`` keys that stay Starlette's own (its handlers, its request)
    native_exception_types: tuple[type, ...] = NATIVE_EXCEPTION_TYPES
    #: Starlette's router and ``ExceptionMiddleware`` let an endpoint's exception out to the app's
    #: middleware and ``ServerErrorMiddleware``
    raises_endpoint_exceptions = True
    #: Starlette's ``ServerErrorMiddleware`` is outermost, outside the stack ``wrap_asgi`` appends
    answers_server_errors = True

    def native_routes(self, table: RouteTable) -> list[starlette.routing.BaseRoute]:
        # An ASGI-app endpoint with methods=None: a partial match still reaches the portable
        # dispatcher, which answers 405 with Starlette's Allow itself.
        return [native_route(route, table)[0] for route in table]

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> Starlette:
        table.resolves_here = True
        # One route object for the whole table, matched through the core's index (see _table).
        app = Starlette(routes=[PortableRoutes(table, lambda route: native_route(route, table))], **options)
        _compat.set_redirect_slashes(app, table.redirect_slashes)
        return app

    def mount(self, app: Any, table: RouteTable) -> None:
        """Append the routes to the app's router; its own ``redirect_slashes`` applies to them."""
        table.resolves_here = True
        router = app.router if isinstance(app, Starlette) else app
        router.routes.append(PortableRoutes(table, lambda route: native_route(route, table)))

    def wrap_asgi(self, app: Starlette, wrap: Callable[[ASGIApp], ASGIApp]) -> None:
        wrap_user_middleware(app, wrap)

    def host_paths(self, table: RouteTable) -> list[str]:
        """Each route's path as Starlette matches it (``portable-endpoints routes`` shows these)."""
        return [starlette_path(route) for route in table]


ADAPTER = StarletteAdapter()
