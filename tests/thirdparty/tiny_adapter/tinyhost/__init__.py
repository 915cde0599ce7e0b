"""A third-party adapter written only against the public adapter contract (docs/third-party.md).

Its "framework" is ``TinyApp``: a minimal ASGI router with its own error format (JSON errors), its
own error handlers, its own response class and its own (exact-path, GET-only) native routes. The
adapter uses only ``portable_endpoints.hosting`` and the neutral ``Request`` / ``WebSocket``; it
is registered with ``AdapterPlugin`` (``tinyhost.plugin``). Its host cannot send a WebSocket
denial response, so it declares fewer capabilities than the built-in `asgi` host.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeGuard

import portable_endpoints as pe
from portable_endpoints.hosting import (
    AppRoutes,
    RouteTable,
    enter_mount,
    path_below_root,
    run_endpoint,
    slash_redirect,
)

#: The WebSocket denial-response extension, which this host does not pass on to endpoints.
DENIAL_EXTENSION = "websocket.http.response"


class TinyResponse:
    """TinyApp's own response class: what its native routes and error handlers return."""

    def __init__(self, body: bytes, status: int = 200, headers: list[tuple[str, str]] | None = None) -> None:
        self.body = body
        self.status = status
        self.headers = [*(headers or [])]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        raw = [(key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in self.headers]
        raw.append((b"content-length", str(len(self.body)).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": raw})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else self.body})


def is_tiny_response(value: object) -> TypeGuard[TinyResponse]:
    """What ``run_endpoint`` passes through untouched: the host's own responses."""
    return isinstance(value, TinyResponse)


#: An error handler: (status code, detail, headers) -> the response to send instead.
ErrorHandler = Callable[[int, str, dict[str, str]], TinyResponse]


def tiny_error(exc: pe.HTTPException) -> pe.Response:
    """TinyApp's own error format: JSON; 204 and 304 carry no body."""
    if exc.status_code in (204, 304):
        return pe.Response(status_code=exc.status_code, headers=exc.headers)
    return pe.JSONResponse({"error": exc.detail}, exc.status_code, exc.headers)


class TinyApp:
    """The host framework: an ASGI app with native routes, error handlers, and portable route tables."""

    def __init__(self, *, redirect_slashes: bool = False) -> None:
        #: the portable tables this app serves (create_app's, then each pe.mount's), linked together
        self.routes = AppRoutes()
        self.redirect_slashes = redirect_slashes
        self.native_routes: dict[str, Callable[[], TinyResponse]] = {}
        self.error_handlers: dict[int, ErrorHandler] = {}

    def add_route(self, path: str, handler: Callable[[], TinyResponse]) -> None:
        """A native GET route on exactly ``path``."""
        self.native_routes[path] = handler

    def error_response(self, exc: pe.HTTPException) -> pe.Response | TinyResponse:
        handler = self.error_handlers.get(exc.status_code)
        if handler is not None:
            return handler(exc.status_code, exc.detail, dict(exc.headers or {}))
        return tiny_error(exc)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        scope.setdefault("app", self)  # request.app is the host's app
        # Routes match below the root path, as Starlette's do.
        path = path_below_root(scope)
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and path in self.native_routes:
            await self.native_routes[path]()(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await self.websocket(scope, receive, send, path)
            return
        # The first route matching path and method across every table, else the first matching the
        # path only (its endpoint answers 405 with Allow); the table it came from resolves url_for.
        found = self.routes.match_http(path, scope["method"])
        if found is None:
            location = slash_redirect(self.routes.http_routes, scope) if self.redirect_slashes else None
            if location is not None:
                await pe.RedirectResponse(location)(scope, receive, send)
            else:
                body = json.dumps({"error": "not found"})
                await pe.Response(body, 404, media_type="application/json")(scope, receive, send)
            return
        match, table = found
        enter_mount(scope, match.route, path)  # root_path as under Starlette's Mount
        request = pe.Request(scope, receive, send, path_params=match.params, route_table=table)
        # The core runs the endpoint: verbs, HEAD, 405 and Allow, worker threads, the outcome.
        response = await run_endpoint(
            match.route.dispatcher, request, http_error=self.error_response, is_native_response=is_tiny_response
        )
        if response is not None:  # None: the client left mid-body, nobody to answer
            await response(scope, receive, send)

    async def websocket(self, scope: Any, receive: Any, send: Any, path: str) -> None:
        found = self.routes.match_websocket(path)
        if found is None:
            await send({"type": "websocket.close", "code": 1000, "reason": ""})
            return
        match, table = found
        enter_mount(scope, match.route, path)
        extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != DENIAL_EXTENSION}
        scope = {**scope, "extensions": extensions}  # this host cannot send denial responses
        websocket = pe.WebSocket(scope, receive, send, path_params=match.params, route_table=table)
        await match.route.session(websocket)


class TinyAdapter:
    """The ``Adapter``: what ``pe.create_app``, ``pe.mount`` and ``pe.native_routes`` call."""

    name = "tiny"

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> TinyApp:
        app = TinyApp(redirect_slashes=table.redirect_slashes, **options)
        app.routes.include(table)
        return app

    def native_routes(self, table: RouteTable) -> RouteTable:
        # TinyApp has no route objects: its users compose a table with app.routes.include(table).
        return table

    def mount(self, app: TinyApp, table: RouteTable) -> None:
        app.routes.include(table)  # after the app's routes; url_for finds every table's routes


ADAPTER = TinyAdapter()
