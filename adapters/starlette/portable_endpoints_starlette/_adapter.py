"""Portable routes as native Starlette routes.

Starlette is the reference semantics, so this adapter mostly gets out of the way: each portable
route becomes a Starlette ``Route`` / ``WebSocketRoute`` whose endpoint is a small ASGI app. Starlette
matches the path (same syntax, same convertors) and fills ``scope["path_params"]``; the neutral
request reads the scope directly, and Starlette's own ``Request`` is built only if the endpoint
asks for ``request.native``.
"""

from __future__ import annotations

from typing import Any, NoReturn

import starlette.exceptions
import starlette.requests
import starlette.responses
import starlette.routing
import starlette.websockets
from starlette.applications import Starlette

from portable_endpoints.convertors import CONVERTOR_TYPES
from portable_endpoints.datastructures import URL
from portable_endpoints.exceptions import HTTPException
from portable_endpoints.hosting import run_endpoint
from portable_endpoints.requests import Request
from portable_endpoints.routing import Route, RouteTable, WebSocketRoute
from portable_endpoints.types import Receive, Scope, Send
from portable_endpoints.websockets import WebSocket
from portable_endpoints_starlette import _compat
from portable_endpoints_starlette._table import PortableRoutes


class StarletteRequest(Request[starlette.requests.Request]):
    __slots__ = ()

    @property
    def native(self) -> starlette.requests.Request:
        # Built on first access from the request's own channel: no factory closure per request.
        native = self._native
        if native is None:
            native = self._native = starlette.requests.Request(self.scope, self.receive, self.send)
        return native

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        # Starlette's router knows every route of the app, portable or not.
        return URL(str(self.native.url_for(name, **path_params)))


class StarletteWebSocket(WebSocket[starlette.websockets.WebSocket]):
    __slots__ = ()

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        return URL(str(self.native.url_for(name, **path_params)))


def starlette_error(exc: HTTPException) -> NoReturn:
    """Starlette's own exception, so the app's ``exception_handlers`` apply to it."""
    raise starlette.exceptions.HTTPException(exc.status_code, exc.detail, exc.headers) from exc


def is_starlette_response(value: object) -> bool:
    return isinstance(value, starlette.responses.Response)


class HTTPApp:
    """The ASGI endpoint Starlette routes to; Starlette has already matched the path."""

    __slots__ = ("route", "table")

    def __init__(self, route: Route, table: RouteTable) -> None:
        self.route = route
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
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
        websocket = StarletteWebSocket(
            scope,
            receive,
            send,
            native_factory=lambda: starlette.websockets.WebSocket(scope, receive, send),
            route_table=self.table,
        )
        await self.route.session(websocket)


def starlette_path(route: Route | WebSocketRoute) -> str:
    """The route's path with the core's own convertors, registered in Starlette as ``pe_<kind>``.

    Starlette's convertors have changed across versions (uuid case, for one); the core's are the
    reference, so Starlette matches and converts with exactly those.
    """
    for kind in {kind for _, kind in route.compiled.param_kinds}:
        _compat.ensure_convertor(f"pe_{kind}", CONVERTOR_TYPES[kind])
    return route.compiled.template(lambda param: "{" + f"{param.name}:pe_{param.kind}" + "}")


class StarletteAdapter:
    name = "starlette"

    def native_routes(self, table: RouteTable) -> list[starlette.routing.BaseRoute]:
        routes: list[starlette.routing.BaseRoute] = []
        for route in table:
            if isinstance(route, Route):
                # An ASGI-app endpoint with methods=None: every method reaches the portable
                # dispatcher, which answers 405 with Starlette's Allow itself.
                routes.append(
                    starlette.routing.Route(
                        starlette_path(route),
                        HTTPApp(route, table),
                        name=route.name,
                        include_in_schema=route.include_in_schema,
                    )
                )
            else:
                routes.append(starlette.routing.WebSocketRoute(route.path, WebSocketApp(route, table), name=route.name))
        return routes

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> Starlette:
        # One route object for the whole table, matched through the core's index (see _table).
        app = Starlette(routes=[PortableRoutes(table, self.native_routes(table))], **options)
        # Portable semantics: a path the route does not match is a 404 on every host.
        _compat.set_redirect_slashes(app, False)
        return app

    def mount(self, app: Any, table: RouteTable) -> None:
        router = app.router if isinstance(app, Starlette) else app
        router.routes.append(PortableRoutes(table, self.native_routes(table)))

    def host_paths(self, table: RouteTable) -> list[str]:
        """Each route's path as Starlette matches it (``portable-endpoints routes`` shows these)."""
        return [starlette_path(route) if isinstance(route, Route) else route.path for route in table]


ADAPTER = StarletteAdapter()
