from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from portable_endpoints._dispatch import plain_error, run_endpoint
from portable_endpoints._index import RouteIndex
from portable_endpoints.requests import Request
from portable_endpoints.responses import PlainTextResponse
from portable_endpoints.routing import Route, RouteTable, WebSocketRoute
from portable_endpoints.types import Receive, Scope, Send
from portable_endpoints.websockets import WebSocket

Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


def route_path(scope: Scope) -> str:
    """The path below the app's mount point, as Starlette computes it."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path) and (len(path) == len(root_path) or path[len(root_path)] == "/"):
        return path[len(root_path) :]
    return path


Matcher = Callable[[str], "dict[str, Any] | None"]


class PortableASGIApp:
    """Routes a ``RouteTable`` over raw ASGI; lifespan events go to ``lifespan`` if given.

    Matching goes through a ``RouteIndex`` built when routes are added, so its cost does not grow
    with the number of routes.
    """

    def __init__(self, table: RouteTable, *, lifespan: Lifespan | None = None) -> None:
        self.lifespan = lifespan
        self._http: list[tuple[Matcher, Route, RouteTable]] = []
        self._websocket: list[tuple[Matcher, WebSocketRoute, RouteTable]] = []
        self.include(table)

    def include(self, table: RouteTable) -> None:
        """Serve ``table`` too, after the routes already here (``pe.mount``)."""
        self._http += [(route.compiled.match, route, table) for route in table.http_routes]
        self._websocket += [(route.compiled.match, route, table) for route in table.websocket_routes]
        self._http_index = RouteIndex([(entry[1].compiled, entry) for entry in self._http])
        self._websocket_index = RouteIndex([(entry[1].compiled, entry) for entry in self._websocket])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if "app" not in scope:
            scope["app"] = self
        if kind == "http":
            path: str = scope["path"]
            if scope.get("root_path"):
                path = route_path(scope)
            for match, route, table in self._http_index.candidates(path):
                params = match(path)
                if params is not None:
                    request: Request[None] = Request(scope, receive, send, path_params=params, route_table=table)
                    response = await run_endpoint(
                        route.dispatcher, request, http_error=plain_error, is_native_response=callable
                    )
                    if response is not None:
                        await response(scope, receive, send)
                    return
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
        elif kind == "websocket":
            path = route_path(scope)
            for match, ws_route, table in self._websocket_index.candidates(path):
                params = match(path)
                if params is not None:
                    websocket: WebSocket[None] = WebSocket(scope, receive, send, path_params=params, route_table=table)
                    await ws_route.session(websocket)
                    return
            await send({"type": "websocket.close", "code": 1000, "reason": ""})
        elif kind == "lifespan":
            await self._lifespan(scope, receive, send)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        started = False
        try:
            async with self._lifespan_context() as state:
                if state:
                    scope.setdefault("state", {}).update(state)
                await send({"type": "lifespan.startup.complete"})
                started = True
                await receive()
        except BaseException as exc:
            kind = "shutdown" if started else "startup"
            await send({"type": f"lifespan.{kind}.failed", "message": repr(exc)})
            raise
        await send({"type": "lifespan.shutdown.complete"})

    def _lifespan_context(self) -> AbstractAsyncContextManager[Any]:
        if self.lifespan is not None:
            return self.lifespan(self)
        return _no_lifespan()


def _no_lifespan() -> AbstractAsyncContextManager[None]:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def empty() -> AsyncIterator[None]:
        yield None

    return empty()
