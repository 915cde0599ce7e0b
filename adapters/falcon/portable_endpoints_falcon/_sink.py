"""Portable routes as one Falcon sink, matched by the core's rules.

Falcon's router has its own URI template syntax and converters, and answers 405 itself; neither
is Starlette's. So a whole set of portable tables is one sink (``app.add_sink``): Falcon tries
its own routes first and then its sinks, and this sink's ``prefix`` claims only paths a portable
route can answer (or redirect, for ``redirect_slashes``), so Falcon's static routes and other
sinks keep theirs. The sink then matches as Starlette's router (``first_match``: the first route
matching path and method, else the first matching the path only, which answers 405) among the
``RouteIndex`` candidates of all its tables, on the path below the app's ``root_path``, and runs
the endpoint through the core.

WebSockets come through the same sink: Falcon has already taken the ``websocket.connect`` event
before routing, so the neutral ``WebSocket`` gets it replayed, then the server's own channel.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import falcon
import falcon.asgi

from portable_endpoints.exceptions import HTTPException
from portable_endpoints.hosting import RouteIndex, run_endpoint, send_asgi_response
from portable_endpoints.requests import Request
from portable_endpoints.responses import RedirectResponse
from portable_endpoints.routing import (
    AppRoutes,
    Route,
    RouteTable,
    WebSocketRoute,
    enter_mount,
    first_match,
    path_below_root,
    slash_twin_url,
    toggled_slash,
)
from portable_endpoints.types import BodyChunks, Message, Receive, Scope, Send
from portable_endpoints.websockets import WebSocket
from portable_endpoints_falcon import _compat
from portable_endpoints_falcon._app import OUTCOME, channel_of
from portable_endpoints_falcon._responses import falcon_error, fill_complete, fill_response, is_native_response


class FalconRequest(Request[falcon.asgi.Request]):
    __slots__ = ()


class DirectFalconRequest(FalconRequest):
    """The request of a route served outside Falcon's pipeline (``serve_directly``): its Falcon
    request is built when an endpoint first asks for ``native``."""

    __slots__ = ()

    @property
    def native(self) -> falcon.asgi.Request:
        native = self._native
        if native is None:
            native = self._native = _compat.falcon_request(self.scope["app"], self.scope, self.receive)
        return native


class FalconWebSocket(WebSocket[falcon.asgi.WebSocket]):
    __slots__ = ()


class _Matched:
    """What the sink's prefix answers Falcon for a path it claims: no named groups, no kwargs."""

    __slots__ = ()

    def groupdict(self) -> dict[str, Any]:
        return {}


_MATCHED = _Matched()


class PortablePaths:
    """The portable routes of a sink, indexed (``RouteIndex``: a lookup costs the same for 10 routes
    or 1,000), and the sink's ``prefix``: ``match`` claims a path when a portable route can answer it.

    Falcon gives the prefix only ``req.path``, which still holds the app's ``root_path``; a path
    no route matches whole is tried again without its leading segments, so the routes are found
    under any root path (the sink then matches exactly, below the real one).
    """

    def __init__(self) -> None:
        #: whether a path whose slash-toggled twin is a portable HTTP route is claimed (and redirected)
        self.redirect_slashes = False
        self._http: list[Route] = []
        self._websocket: list[WebSocketRoute] = []
        self.http: RouteIndex[Route] = RouteIndex([])
        self.websocket: RouteIndex[WebSocketRoute] = RouteIndex([])
        #: the table of each route, by identity
        self.table_of: dict[int, RouteTable] = {}

    def add(self, table: RouteTable) -> None:
        self._http += table.http_routes
        self._websocket += table.websocket_routes
        self.http = RouteIndex([(route.compiled, route) for route in self._http])
        self.websocket = RouteIndex([(route.compiled, route) for route in self._websocket])
        self.table_of.update((id(route), table) for route in table)

    def serves_http(self, path: str) -> bool:
        return any(route.compiled.match(path) is not None for route in self.http.candidates(path))

    def _serves(self, path: str) -> bool:
        return self.serves_http(path) or any(
            route.compiled.match(path) is not None for route in self.websocket.candidates(path)
        )

    def match(self, path: str) -> _Matched | None:
        candidate = path
        while True:
            if self._serves(candidate) or (
                self.redirect_slashes and candidate != "/" and self.serves_http(toggled_slash(candidate))
            ):
                return _MATCHED
            cut = candidate.find("/", 1)
            if cut < 0:
                return None
            candidate = candidate[cut:]


class PortableSink:
    """The Falcon sink serving portable route tables: ``app.add_sink(sink.serve, sink.prefix)``.

    :param app: the app it is registered on, which ``request.app`` gives (``None`` for a sink from
        ``native_routes``, which the user registers).
    """

    def __init__(self, app: falcon.asgi.App[Any, Any] | None = None) -> None:
        self.app = app
        #: the tables served, which resolve each other's names for ``url_for``
        self.routes = AppRoutes()
        #: what Falcon matches ``req.path`` against before calling the sink; the routes' index
        self.prefix = PortablePaths()

    @property
    def redirect_slashes(self) -> bool:
        """Whether a path no route matches is redirected to its slash-toggled twin (``create_app``'s option)."""
        return self.prefix.redirect_slashes

    @redirect_slashes.setter
    def redirect_slashes(self, enabled: bool) -> None:
        self.prefix.redirect_slashes = enabled

    @property
    def tables(self) -> Sequence[RouteTable]:
        return self.routes.tables

    def include(self, table: RouteTable) -> None:
        """Serve ``table`` after the tables already here."""
        self.routes.include(table)
        self.prefix.add(table)

    async def serve(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response | None,
        ws: falcon.asgi.WebSocket | None = None,
        **_: Any,
    ) -> None:
        """The sink Falcon calls; Falcon < 4.1 passes the WebSocket in ``resp``'s place."""
        if ws is None and isinstance(resp, falcon.asgi.WebSocket):
            ws, resp = resp, None
        scope: Scope = req.scope
        if self.app is not None:
            scope["app"] = self.app
        if ws is not None:
            await self._serve_websocket(req, ws, scope)
            return
        assert resp is not None
        pending: _Pending | None = scope.pop(OUTCOME, None)
        if pending is not None:
            await _answer_pending(pending, req, resp, scope)
            return
        path = path_below_root(scope)
        paths = self.prefix
        # Starlette's router among the routes that can match (declaration order, across tables).
        match = first_match(paths.http.candidates(path), path, scope["method"])
        if match is None:
            if not (self.redirect_slashes and path != "/" and paths.serves_http(toggled_slash(path))):
                raise falcon.HTTPRouteNotFound()
            fill_complete(RedirectResponse(slash_twin_url(scope)), resp)
            return
        route = match.route
        if not match.full and self._answers_preflight(req, scope):
            # As Falcon's default OPTIONS responder answers its own resources, so that Falcon's
            # CORS middleware turns the answer into a preflight response, as for them.
            resp.status = 200
            resp.set_header("Allow", route.allow)
            resp.set_header("Content-Length", "0")
            return
        table = paths.table_of[id(route)]
        enter_mount(scope, route, path)
        scope["path_params"] = match.params
        channel = channel_of(scope)
        receive = _compat.request_receive(req) if channel is None else channel.receive
        started = _compat.started_body_stream(req)
        request = FalconRequest(
            scope,
            receive,
            path_params=match.params,
            route_table=table,
            native=req,
            body_chunks=None if started is None else _rest_of(started),
        )
        result = await run_endpoint(
            route.dispatcher, request, http_error=falcon_error, is_native_response=is_native_response
        )
        if result is not None:
            await fill_response(result, request, resp, channel)
        elif channel is not None:  # the client left mid-body: nobody to answer
            channel.silent = True

    async def serve_directly(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Serve an HTTP request on a portable route without Falcon's request pipeline, as the
        ``asgi`` host does, on ``create_app``'s ``App`` while nothing of Falcon's could act on it
        (no middleware, routes, sinks or static routes of Falcon's: ``App`` stops calling this once
        one is added); False: Falcon serves it.

        The same rules as ``serve``: what only Falcon can answer (an exception, for the app's
        error handlers and error format; a Falcon response) goes through Falcon's pipeline to
        ``serve``, which answers with it instead of running the endpoint again.
        """
        app = self.app
        path = scope["path"] if not scope.get("root_path") else path_below_root(scope)
        match = first_match(self.prefix.http.candidates(path), path, scope["method"])
        if match is None or not match.full:
            return False  # not found, a slash redirect, a 405 or a preflight: Falcon's answers
        route = match.route
        params = match.params
        table = self.prefix.table_of[id(route)]
        scope["app"] = app
        if route.mount_compiled is not None:
            enter_mount(scope, route, path)
        scope["path_params"] = params
        request = DirectFalconRequest(scope, receive, send, params, table)
        try:
            result = await run_endpoint(
                route.dispatcher, request, http_error=_raise, is_native_response=is_native_response
            )
        except Exception as exc:
            scope[OUTCOME] = _Pending(table, params, exc)
            return False
        if result is None:
            return True  # the client left mid-body: nobody to answer
        if isinstance(result, falcon.asgi.Response):
            scope[OUTCOME] = _Pending(table, params, result)
            return False
        await send_asgi_response(result, scope, receive, send)
        return True

    def _answers_preflight(self, req: falcon.asgi.Request, scope: Scope) -> bool:
        """A CORS preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) to a
        route with no ``options`` handler, on an app that runs Falcon's CORS middleware."""
        return (
            scope["method"] == "OPTIONS"
            and self.app is not None
            and req.get_header("Origin") is not None
            and req.get_header("Access-Control-Request-Method") is not None
            and _compat.has_cors_middleware(self.app)
        )

    async def _serve_websocket(self, req: falcon.asgi.Request, ws: falcon.asgi.WebSocket, scope: Scope) -> None:
        path = path_below_root(scope)
        match = first_match(self.prefix.websocket.candidates(path), path)
        if match is None:
            raise falcon.HTTPRouteNotFound()
        route = match.route
        table = self.prefix.table_of[id(route)]
        enter_mount(scope, route, path)
        scope["path_params"] = match.params
        receive, send = _compat.websocket_channel(ws)
        websocket = FalconWebSocket(
            scope, _with_connect(receive), send, native=ws, path_params=match.params, route_table=table
        )
        try:
            await route.session(websocket)
        finally:
            # The session has closed the connection, or the client has: Falcon must send nothing more.
            _compat.mark_websocket_closed(ws)


class _Pending:
    """What ``serve_directly`` came to that Falcon must answer: the route's table and params,
    and the endpoint's exception or Falcon response."""

    __slots__ = ("outcome", "params", "table")

    def __init__(self, table: RouteTable, params: dict[str, Any], outcome: Exception | falcon.asgi.Response) -> None:
        self.table = table
        self.params = params
        self.outcome = outcome


def _raise(exc: HTTPException) -> Any:
    raise exc


async def _answer_pending(
    pending: _Pending, req: falcon.asgi.Request, resp: falcon.asgi.Response, scope: Scope
) -> None:
    outcome = pending.outcome
    if isinstance(outcome, HTTPException):
        result: Any = falcon_error(outcome)
    elif isinstance(outcome, Exception):
        raise outcome
    else:
        result = outcome
    channel = channel_of(scope)
    request = FalconRequest(
        scope,
        _compat.request_receive(req) if channel is None else channel.receive,
        path_params=pending.params,
        route_table=pending.table,
        native=req,
    )
    await fill_response(result, request, resp, channel)


def _rest_of(stream: falcon.asgi.BoundedStream) -> BodyChunks:
    """The body left on Falcon's stream, which a middleware began to read before the endpoint."""

    async def chunks() -> AsyncIterator[bytes]:
        async for chunk in stream:
            yield chunk

    return chunks


def _with_connect(receive: Receive) -> Receive:
    """``receive`` after the ``websocket.connect`` event Falcon took before routing, given back first."""
    connected = False

    async def replayed() -> Message:
        nonlocal connected
        if not connected:
            connected = True
            return {"type": "websocket.connect"}
        return await receive()

    return replayed
