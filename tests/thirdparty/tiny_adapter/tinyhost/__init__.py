"""A third-party adapter written only against the public plugin contract.

Its "framework" is ``TinyApp``: a minimal ASGI router with its own error format (JSON errors).
Every hook is implemented by hand, as a third party would, on the public adapter interface alone
(``portable_endpoints.hosting``), without ``AdapterPlugin``.
"""

from __future__ import annotations

import json
from typing import Any

import portable_endpoints as pe
from portable_endpoints.hosting import run_endpoint
from portable_endpoints.routing import RouteTable


def tiny_error(exc: pe.HTTPException) -> pe.Response:
    """TinyApp's own error format: JSON."""
    if exc.status_code in (204, 304):
        return pe.Response(status_code=exc.status_code, headers=exc.headers)
    return pe.JSONResponse({"error": exc.detail}, exc.status_code, exc.headers)


class TinyApp:
    def __init__(self, table: RouteTable) -> None:
        self.tables = [table]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        for table in self.tables:
            for route in table.routes:
                params = route.compiled.match(scope["path"])
                if params is None:
                    continue
                if scope["type"] == "websocket" and isinstance(route, pe.WebSocketRoute):
                    await route.session(pe.WebSocket(scope, receive, send, path_params=params, route_table=table))
                    return
                if scope["type"] == "http" and isinstance(route, pe.Route):
                    request = pe.Request(scope, receive, send, path_params=params, route_table=table)
                    response = await run_endpoint(route.dispatcher, request, http_error=tiny_error)
                    if response is not None:
                        await response(scope, receive, send)
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
        return TinyApp(table)

    def native_routes(self, table: RouteTable) -> RouteTable:
        return table

    def mount(self, app: TinyApp, table: RouteTable) -> None:
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
        capabilities=frozenset({"websocket.denial_response"}),
    )


@pe.hookimpl
def pe_get_adapter(framework: str) -> TinyAdapter | None:
    return ADAPTER if framework == "tiny" else None


@pe.hookimpl
def pe_get_adapter_for_app(app: object) -> TinyAdapter | None:
    return ADAPTER if isinstance(app, TinyApp) else None
