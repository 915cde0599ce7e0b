from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from portable_endpoints._dispatch import plain_error, run_endpoint
from portable_endpoints._index import RouteIndex
from portable_endpoints.requests import Request
from portable_endpoints.responses import PlainTextResponse, RedirectResponse
from portable_endpoints.routing import (
    Route,
    RouteTable,
    WebSocketRoute,
    enter_mount,
    first_match,
    path_below_root,
    slash_redirect,
    toggled_slash,
)
from portable_endpoints.types import Receive, Scope, Send
from portable_endpoints.websockets import WebSocket

Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


class PortableASGIApp:
    """Routes ``RouteTable`` objects over raw ASGI, as Starlette's router; lifespan events go to ``lifespan``.

    Matching goes through a ``RouteIndex`` rebuilt when routes are added, so its cost does not
    grow with the number of routes; among the index's candidates the rules are ``first_match``'s.
    """

    def __init__(self, table: RouteTable, *, lifespan: Lifespan | None = None) -> None:
        self.lifespan = lifespan
        self.redirect_slashes = table.redirect_slashes
        self._tables: list[RouteTable] = []
        self._http: list[Route] = []
        self._websocket: list[WebSocketRoute] = []
        self._table_of: dict[int, RouteTable] = {}
        self.include(table)

    def include(self, table: RouteTable) -> None:
        """Serve ``table`` too, after the routes already here (``pe.mount``).

        Each table's ``url_for`` then finds the routes of every other table of this app as well.
        """
        for other in self._tables:
            other.neighbours.append(table)
        table.neighbours.extend(self._tables)
        self._tables.append(table)
        self._http += table.http_routes
        self._websocket += table.websocket_routes
        self._table_of.update((id(route), table) for route in table)
        self._http_index = RouteIndex([(route.compiled, route) for route in self._http])
        self._websocket_index = RouteIndex([(route.compiled, route) for route in self._websocket])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if "app" not in scope:
            scope["app"] = self
        if kind == "http":
            path = path_below_root(scope)
            found = first_match(self._http_index.candidates(path), path, scope["method"])
            if found is not None:
                route = found.route
                enter_mount(scope, route, path)
                table = self._table_of[id(route)]
                request: Request[None] = Request(scope, receive, send, path_params=found.params, route_table=table)
                response = await run_endpoint(
                    route.dispatcher, request, http_error=plain_error, is_native_response=callable
                )
                if response is not None:
                    await response(scope, receive, send)
                return
            location = (
                slash_redirect(self._http_index.candidates(toggled_slash(path)), scope)
                if self.redirect_slashes
                else None
            )
            if location is not None:
                await RedirectResponse(location)(scope, receive, send)
                return
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
        elif kind == "websocket":
            path = path_below_root(scope)
            ws_found = first_match(self._websocket_index.candidates(path), path)
            if ws_found is not None:
                ws_route = ws_found.route
                enter_mount(scope, ws_route, path)
                ws_table = self._table_of[id(ws_route)]
                websocket: WebSocket[None] = WebSocket(
                    scope, receive, send, path_params=ws_found.params, route_table=ws_table
                )
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
