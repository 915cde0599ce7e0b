"""A third-party adapter written only against the public plugin contract.

Its "framework" is ``TinyApp``: a minimal ASGI router with its own error format (JSON errors), its
own error handlers, its own response class and its own (exact-path, GET-only) native routes. Every
hook is implemented by hand, as a third party would, on the public adapter interface alone
(``portable_endpoints.hosting``), without ``AdapterPlugin``. Its host cannot send a WebSocket
denial response, so it declares fewer capabilities than the in-tree adapters.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import portable_endpoints as pe
from portable_endpoints.hosting import run_endpoint
from portable_endpoints.routing import RouteTable, enter_mount, first_match, path_below_root, slash_redirect

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


#: An error handler: (status code, detail, headers) -> the response to send instead.
ErrorHandler = Callable[[int, str, dict[str, str]], TinyResponse]


def tiny_error(exc: pe.HTTPException) -> pe.Response:
    """TinyApp's own error format: JSON."""
    if exc.status_code in (204, 304):
        return pe.Response(status_code=exc.status_code, headers=exc.headers)
    return pe.JSONResponse({"error": exc.detail}, exc.status_code, exc.headers)


class TinyApp:
    def __init__(self, table: RouteTable | None = None, *, redirect_slashes: bool = False) -> None:
        self.tables = [] if table is None else [table]
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
        path = path_below_root(scope)
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and path in self.native_routes:
            await self.native_routes[path]()(scope, receive, send)
            return
        if scope["type"] == "websocket":
            extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != DENIAL_EXTENSION}
            scope = {**scope, "extensions": extensions}
        # The core's matching helpers: Starlette's route choice (full match, else first partial).
        kind = pe.WebSocketRoute if scope["type"] == "websocket" else pe.Route
        routes = [(route, table) for table in self.tables for route in table.routes if isinstance(route, kind)]
        table_of = {id(route): table for route, table in routes}
        found = first_match([route for route, _ in routes], path, scope.get("method"))
        if found is not None:
            route, params, table = found.route, found.params, table_of[id(found.route)]
            enter_mount(scope, route, path)
            if isinstance(route, pe.WebSocketRoute):
                await route.session(pe.WebSocket(scope, receive, send, path_params=params, route_table=table))
                return
            request = pe.Request(scope, receive, send, path_params=params, route_table=table)
            response = await run_endpoint(
                route.dispatcher,
                request,
                http_error=self.error_response,
                is_native_response=lambda value: isinstance(value, TinyResponse),
            )
            if response is not None:
                await response(scope, receive, send)
            return
        location = slash_redirect([route for route, _ in routes], scope) if self.redirect_slashes else None
        if location is not None:
            await pe.RedirectResponse(location)(scope, receive, send)
            return
        if scope["type"] == "http":
            await pe.Response(json.dumps({"error": "not found"}), 404, media_type="application/json")(
                scope, receive, send
            )
        else:
            await send({"type": "websocket.close", "code": 1000, "reason": ""})


class TinyAdapter:
    name = "tiny"

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> TinyApp:
        return TinyApp(table, redirect_slashes=table.redirect_slashes)

    def native_routes(self, table: RouteTable) -> RouteTable:
        return table

    def mount(self, app: TinyApp, table: RouteTable) -> None:
        for other in app.tables:  # url_for in one table finds the routes of the others
            other.neighbours.append(table)
        table.neighbours.extend(app.tables)
        app.tables.append(table)


ADAPTER = TinyAdapter()


@pe.hookimpl
def pe_adapter_info() -> pe.AdapterInfo:
    return pe.AdapterInfo(
        name="tiny",
        distribution="tinyhost-portable-endpoints",
        version="0.0.1",
        framework="tinyhost",
        framework_version="0.0.1",
        capabilities=frozenset({"native_routes.any_method", "http.streaming_request_body"}),
    )


@pe.hookimpl
def pe_get_adapter(framework: str) -> TinyAdapter | None:
    return ADAPTER if framework == "tiny" else None


@pe.hookimpl
def pe_get_adapter_for_app(app: object) -> TinyAdapter | None:
    return ADAPTER if isinstance(app, TinyApp) else None


@pe.hookimpl
def pe_native_kit(framework: str) -> Any:
    if framework != "tiny":
        return None
    from .testing import NATIVE_KIT  # only tests need it

    return NATIVE_KIT
