"""The Quart view functions of portable routes.

Quart routes the request or connection (a werkzeug rule with the core's convertors), builds its
own ``Request`` / ``Websocket`` and ``g``, runs ``before_request`` / ``before_websocket`` hooks,
then calls the view with the converted path params.

HTTP: the rule accepts every method, so Quart never answers 405 or OPTIONS itself: the core does,
with Starlette's ``Allow``, and its ``HTTPException`` is raised as Quart's own HTTP error. A CORS
preflight to an endpoint without ``options`` gets Quart's automatic OPTIONS answer (200, ``Allow``),
which CORS extensions such as quart-cors complete in their ``after_request`` hook.

WebSocket: the view claims the connection's channel (``_channel``) and runs the endpoint's session
on it. The endpoint's exceptions propagate to Quart, which logs them and signals
``got_websocket_exception``; by then the endpoint has closed with 1011.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NoReturn, TypeVar

from werkzeug.exceptions import NotFound
from werkzeug.sansio.response import Response as SansIOResponse

from portable_endpoints.exceptions import HTTPException
from portable_endpoints.hosting import run_endpoint
from portable_endpoints.routing import Route, RouteTable, WebSocketRoute, enter_mount
from portable_endpoints_quart._asgi import PORTABLE_ROUTE, not_found
from portable_endpoints_quart._channel import CHANNEL, Channel
from portable_endpoints_quart._compat import CLIENT_GONE, current_request, current_websocket
from portable_endpoints_quart._connection import QuartWebSocket, quart_request
from portable_endpoints_quart._paths import (
    TRAILING_SLASH,
    AcrossTables,
    Prefixes,
    leading_double_slash,
    table_match,
    table_path,
)
from portable_endpoints_quart._responses import PortableResponse, is_quart_response, quart_error, quart_response

View = Callable[..., Awaitable[SansIOResponse]]
WebSocketView = Callable[..., Awaitable[None]]
R = TypeVar("R", Route, WebSocketRoute)


def raise_quart_error(exc: HTTPException) -> NoReturn:
    """Werkzeug's exception for ``exc``, which Quart handles, so ``app.errorhandler`` applies."""
    raise quart_error(exc) from None


def choose_target(
    route: R,
    table: RouteTable,
    group: Sequence[R],
    across: AcrossTables[R],
    prefixes: Prefixes,
    native: Any,
    params: dict[str, Any],
    method: str | None,
    missing: Callable[[], Exception],
) -> tuple[R, dict[str, Any], RouteTable]:
    """The route Starlette's router would choose for the request werkzeug gave ``route``, its path
    params and its table (entering its mount); raises ``missing()`` when no route matches after all.

    ``group``: the routes of ``route``'s table that may match the same URLs; ``method``: the HTTP
    method to match (``None`` for a WebSocket).
    """
    scope = native.scope
    target, target_table = route, table
    app_routes = table.app_routes
    if app_routes is not None and table.neighbours:  # beside other tables: create_app, pe.mount
        # Werkzeug prefers a literal path to a parameter: across the tables of create_app and
        # each pe.mount, the route declared first must still win, as on Starlette.
        candidates = across.current(app_routes)
        if candidates:
            path = native.path
            found = table_match(candidates, path, method)
            if found is None:
                raise missing()
            target, params = found.route, found.params
            target_table = across.table_of[id(target)]
            enter_mount(scope, target, path)
        elif route.mount_compiled is not None:
            enter_mount(scope, route, native.path)
    elif group or route.mount_compiled is not None:
        path = table_path(native, prefixes)
        if path is not None:
            if group:
                found = table_match(group, path, method)
                if found is None:
                    raise missing()
                target, params = found.route, found.params
            enter_mount(scope, target, path)
    return target, params, target_table


def http_view(
    route: Route,
    table: RouteTable,
    overlapping: Sequence[Route],
    prefixes: Prefixes,
    trailing_slash: bool,
) -> View:
    """The view for ``route``; ``overlapping`` are the routes of the table Starlette chooses among."""
    group = list(overlapping)
    across = AcrossTables(route)

    async def view(**params: Any) -> SansIOResponse:
        native: Any = current_request()
        scope = native.scope
        if scope["path"].startswith("//") or (scope.get("root_path") and leading_double_slash(scope)):
            raise NotFound()  # werkzeug matched it with the leading slashes stripped; Starlette does not
        if trailing_slash:
            del params[TRAILING_SLASH]
        target, params, target_table = choose_target(
            route, table, group, across, prefixes, native, params, scope["method"], lambda: not_found(native)
        )
        scope["path_params"] = params
        if scope["method"] == "OPTIONS" and "OPTIONS" not in target.method_set and _is_preflight(native):
            # Quart's automatic OPTIONS, which CORS extensions (quart-cors) decorate in after_request.
            return PortableResponse(b"", 200, [(b"allow", target.allow.encode("latin-1")), (b"content-length", b"0")])
        portable = quart_request(scope, native, params, target_table)
        result = await run_endpoint(
            target.dispatcher, portable, http_error=raise_quart_error, is_native_response=is_quart_response
        )
        if result is None:
            raise CLIENT_GONE()  # the client left mid-body: Quart's way of answering nobody
        return await quart_response(result, portable)

    setattr(view, PORTABLE_ROUTE, route)
    return view


def _is_preflight(native: Any) -> bool:
    """A CORS preflight: OPTIONS with an Origin and the method the real request will use."""
    headers = native.headers
    return "origin" in headers and "access-control-request-method" in headers


def websocket_view(
    route: WebSocketRoute,
    table: RouteTable,
    overlapping: Sequence[WebSocketRoute],
    prefixes: Prefixes,
    trailing_slash: bool,
) -> WebSocketView:
    """The view for ``route``; ``overlapping`` are the routes of the table Starlette chooses among."""
    group = list(overlapping)
    across = AcrossTables(route)

    def connect(params: dict[str, Any]) -> tuple[WebSocketRoute, QuartWebSocket]:
        native: Any = current_websocket()
        scope = native.scope
        channel: Channel | None = scope.get(CHANNEL)
        if channel is None:
            raise RuntimeError(
                "This Quart app's asgi_app was replaced after portable routes were added to it; "
                "wrap it instead (app.asgi_app = middleware(app.asgi_app))"
            )
        channel.claim()
        if leading_double_slash(scope):
            raise NotFound()
        if trailing_slash:
            del params[TRAILING_SLASH]
        target, params, target_table = choose_target(
            route, table, group, across, prefixes, native, params, None, NotFound
        )
        scope["path_params"] = params
        receive, send = channel.endpoint_io()
        websocket = QuartWebSocket(scope, receive, send, native=native, path_params=params, route_table=target_table)
        channel.websocket = websocket
        return target, websocket

    async def view(**params: Any) -> None:
        # The routing is done in a plain function: this frame lives as long as the connection.
        target, websocket = connect(params)
        await target.session(websocket)

    setattr(view, PORTABLE_ROUTE, route)
    return view
