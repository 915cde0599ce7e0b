"""Portable routes as one Sanic route per app, matched by the core's rules.

Sanic's router has its own path syntax, types and slash rules, registers only its own seven
verbs, and answers a method mismatch with its 405 before any later route is tried; none of it is
Starlette's. So every portable table placed on an app is served by one catch-all Sanic route
(``/`` and ``/<portable_path:path>``, every verb Sanic knows, a streaming route so that Sanic
leaves the body on the channel), registered once, whose handler matches as Starlette's router
(first route matching path and method, else the first matching the path only, which answers
405), on the path below the app's ``root_path``, among the routes a ``RouteIndex`` gives. Sanic
tries the app's own routes first: a literal or typed path of its own is more specific than the
catch-all. A method Sanic
cannot route (``QUERY``, an extension method), or a native route's 405 where a portable route
matches the path, is handed to the same handler (``_compat.route_every_method``).

WebSockets come through the same route: Sanic routes a WebSocket as a ``GET``, and the handler
then runs the session on the raw ASGI channel (Sanic's own WebSocket object would accept the
handshake before the endpoint could choose, and its ``close()`` sends nothing in ASGI mode).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import sanic
from sanic.response import BaseHTTPResponse, HTTPResponse, ResponseStream
from sanic.server.websockets.connection import WebSocketConnection

from portable_endpoints.exceptions import ConfigurationError
from portable_endpoints.hosting import RouteIndex, plain_parts, run_endpoint
from portable_endpoints.requests import Request
from portable_endpoints.responses import RedirectResponse
from portable_endpoints.routing import (
    AppRoutes,
    Route,
    RouteMatch,
    RouteTable,
    WebSocketRoute,
    enter_mount,
    first_match,
    path_below_root,
    slash_redirect,
)
from portable_endpoints.types import Scope
from portable_endpoints.websockets import WebSocket
from portable_endpoints_sanic import _compat
from portable_endpoints_sanic._compat import SanicApp
from portable_endpoints_sanic._responses import PortableResponse, is_native_response, sanic_error, send_response
from portable_endpoints_sanic._state import SanicState

#: The name of the catch-all route (``/<portable_path:path>``) on an app or a blueprint.
ROUTE_NAME = "portable_endpoints"
#: ... and of its twin for the path ``/``, which a ``path`` parameter cannot match.
ROOT_ROUTE_NAME = "portable_endpoints_root"
PATH_PARAM = "portable_path"


class SanicRequest(Request[sanic.Request]):
    __slots__ = ()
    #: an ASGI response goes out through Sanic's own channel (``send_response``), not ``send``
    sends_response_at_once = False

    @property
    def state(self) -> SanicState:
        """Sanic's ``request.ctx`` joined with ``scope["state"]`` (see ``_state``): per request,
        shared with the app's Sanic middleware and handlers and with ASGI middleware around it."""
        return SanicState(self.native.ctx, self.scope.setdefault("state", {}))


class SanicWebSocket(WebSocket[WebSocketConnection]):
    """``native`` is Sanic's ASGI WebSocket object; ``state`` the handshake request's ``ctx``."""

    __slots__ = ("_sanic_request",)

    def __init__(self, sanic_request: sanic.Request, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sanic_request = sanic_request

    @property
    def state(self) -> SanicState:
        """Sanic's ``request.ctx`` of the handshake request joined with ``scope["state"]``."""
        return SanicState(self._sanic_request.ctx, self.scope.setdefault("state", {}))


class PortableRoutes:
    """The portable tables of one Sanic app, served by its catch-all route.

    The routes are indexed (``RouteIndex``): matching costs the same for 10 routes or 1,000.
    """

    def __init__(self) -> None:
        #: the tables served, which resolve each other's names for ``url_for``
        self.routes = AppRoutes()
        #: whether an unmatched path is redirected to its slash-toggled twin (``create_app``'s option)
        self.redirect_slashes = False
        self._http: list[Route] = []
        self._websocket: list[WebSocketRoute] = []
        self._http_index: RouteIndex[Route] = RouteIndex([])
        self._websocket_index: RouteIndex[WebSocketRoute] = RouteIndex([])
        self._table_of: dict[int, RouteTable] = {}

    def include(self, table: RouteTable) -> None:
        """Serve ``table`` after the tables already here."""
        self.routes.include(table)
        self._http += table.http_routes
        self._websocket += table.websocket_routes
        self._http_index = RouteIndex([(route.compiled, route) for route in self._http])
        self._websocket_index = RouteIndex([(route.compiled, route) for route in self._websocket])
        self._table_of.update((id(route), table) for route in table)

    def match_http(self, path: str, method: str) -> tuple[RouteMatch[Route], RouteTable] | None:
        """Starlette's router over the app's portable HTTP routes, with the table of the route found."""
        found = first_match(self._http_index.candidates(path), path, method)
        return None if found is None else (found, self._table_of[id(found.route)])

    def match_websocket(self, path: str) -> tuple[RouteMatch[WebSocketRoute], RouteTable] | None:
        found = first_match(self._websocket_index.candidates(path), path)
        return None if found is None else (found, self._table_of[id(found.route)])

    def claims(self, method: str, known_methods: frozenset[str]) -> bool:
        """Whether the current request (refused by Sanic's router with a 405) is the portable routes'.

        A method Sanic cannot route is always theirs (they answer 404 when nothing matches, as
        Starlette); a native route's 405 only when a portable route matches the path in full.
        """
        if method not in known_methods:
            return True
        scope = _compat.asgi_transport(sanic.Request.get_current()).scope
        found = self.match_http(path_below_root(scope), method)
        return found is not None and found[0].full

    async def serve(self, request: sanic.Request) -> BaseHTTPResponse | ResponseStream | None:
        """The catch-all route's handler: answer ``request`` on the channel, or return Sanic's response."""
        try:
            return await self._serve(request)
        except Exception:
            # Sanic renders the error next, choosing its format from an Accept header it cannot
            # parse, else fails with a 500 "error while handling an error".
            _compat.drop_unparsable_accept(request)
            raise

    async def _serve(self, request: sanic.Request) -> BaseHTTPResponse | ResponseStream | None:
        scope = _compat.asgi_transport(request).scope
        scope["app"] = request.app
        receive, send = _compat.channel(request)
        path = path_below_root(scope)
        if scope["type"] == "websocket":
            await self._serve_websocket(request, scope, path)
            return None
        found = self.match_http(path, scope["method"])
        if found is None:
            location = self._slash_redirect(scope)
            if location is None:
                raise sanic.exceptions.NotFound(f"Requested URL {request.path} not found")
            await send_response(RedirectResponse(location), request, scope, receive)
            return None
        match, table = found
        if not match.full and _is_preflight(request) and _compat.auto_options(request.app):
            # As Sanic Extensions answers OPTIONS for the app's own routes, so that its CORS
            # response middleware turns the answer into a preflight response, as for them.
            return HTTPResponse(status=204, headers={"allow": match.route.allow})
        enter_mount(scope, match.route, path)
        scope["path_params"] = match.params
        # Sanic's own body limit applies too, as to its routes (the smaller limit wins).
        limit = int(request.app.config.REQUEST_MAX_SIZE)
        portable = SanicRequest(scope, receive, send, match.params, table, native=request, max_body_size=limit)
        outcome = await run_endpoint(
            match.route.dispatcher, portable, http_error=sanic_error, is_native_response=is_native_response
        )
        if outcome is None or isinstance(outcome, (BaseHTTPResponse, ResponseStream)):
            return outcome  # None: the client left mid-body, nobody to answer
        parts = plain_parts(outcome, scope)
        if parts is not None:  # the commonest answer, returned as a native handler returns its own
            return PortableResponse(*parts)
        await send_response(outcome, request, scope, receive)
        return None

    def _slash_redirect(self, scope: Scope) -> str | None:
        if not self.redirect_slashes:
            return None
        return slash_redirect(self._http, scope)

    async def _serve_websocket(self, request: sanic.Request, scope: Scope, path: str) -> None:
        receive, send = _compat.channel(request)
        found = self.match_websocket(path)
        if found is None:
            await send({"type": "websocket.close", "code": 1000, "reason": ""})
            return
        match, table = found
        enter_mount(scope, match.route, path)
        scope["path_params"] = match.params
        websocket = SanicWebSocket(
            request,
            scope,
            receive,
            send,
            native=_compat.websocket_connection(request),
            path_params=match.params,
            route_table=table,
        )
        try:
            await match.route.session(websocket)
        except Exception as exc:
            # As Sanic's own WebSocket handlers: the error is logged and signalled, not answered
            # (the session has closed the connection with 1011 already).
            await _compat.websocket_failed(request, exc)


def _is_preflight(request: sanic.Request) -> bool:
    """A CORS preflight: ``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``."""
    headers = request.headers
    return request.method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers


#: The attribute of ``app.ctx`` (Sanic's namespace for what lives as long as the app) holding its ``PortableRoutes``.
CTX_ATTRIBUTE = "portable_endpoints"


def installed(app: SanicApp) -> PortableRoutes:
    """The app's portable routes, their catch-all route registered on first use (before the app starts)."""
    routes = getattr(app.ctx, CTX_ATTRIBUTE, None)
    if isinstance(routes, PortableRoutes):
        return routes
    if _compat.router_finalized(app):
        raise ConfigurationError(
            f"Sanic app {app.name!r} has already started: its router is finalised at startup and takes "
            "no new route. Add portable routes (pe.mount, app.blueprint(pe.native_routes(...))) before serving it"
        )
    routes = PortableRoutes()
    setattr(app.ctx, CTX_ATTRIBUTE, routes)
    register_catch_all(app, routes)
    known = _compat.sanic_methods(app)
    _compat.route_around_catch_all(app, lambda method: routes.claims(method, known), f"{app.name}.{ROUTE_NAME}")
    return routes


def register_catch_all(app: SanicApp, routes: PortableRoutes) -> None:
    """Give ``app`` the two Sanic routes every request for ``routes`` reaches."""

    def portable_endpoints(request: sanic.Request, **_: Any) -> Awaitable[BaseHTTPResponse | ResponseStream | None]:
        # Not a coroutine itself (Sanic awaits what a handler returns): no frame of its own per request.
        return routes.serve(request)

    _compat.answers_on_channel(portable_endpoints)
    methods = sorted(_compat.sanic_methods(app))
    # Sanic types handlers as returning its HTTPResponse; a ResponseStream is sent alike.
    handler: Any = portable_endpoints
    app.add_route(handler, "/", methods=methods, stream=True, name=ROOT_ROUTE_NAME)
    app.add_route(handler, f"/<{PATH_PARAM}:path>", methods=methods, stream=True, name=ROUTE_NAME)
