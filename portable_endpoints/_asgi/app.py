from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Generic, TypeVar

from portable_endpoints._concurrency import run_in_threadpool
from portable_endpoints._dispatch import Dispatcher, plain_error, run_endpoint
from portable_endpoints._handlers import request_outcome
from portable_endpoints._index import RouteIndex
from portable_endpoints._json import JSONCodec, current_codec
from portable_endpoints.datastructures import State
from portable_endpoints.exceptions import HTTPException
from portable_endpoints.requests import ClientDisconnect, Request
from portable_endpoints.responses import PlainTextResponse, RedirectResponse, Response
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
T = TypeVar("T")


class _HTTPPlan:
    """What serving one HTTP route takes, looked up once when the route is added, not per request."""

    __slots__ = (
        "codec",
        "converts",
        "direct",
        "dispatcher",
        "entries",
        "literal",
        "max_body_size",
        "method_set",
        "mounted",
        "regex",
        "route",
        "table",
    )

    def __init__(self, route: Route, table: RouteTable) -> None:
        compiled = route.compiled
        self.route = route
        self.table = table
        self.dispatcher: Dispatcher = route.dispatcher
        self.entries = self.dispatcher.entries
        self.max_body_size = self.dispatcher.max_body_size
        self.method_set = route.method_set
        #: the one path a route without parameters matches (compared, not searched), else None
        self.literal: str | None = compiled.path if not compiled.convertors else None
        #: the path's regex, taken from the route on its first match (compiled then: see CompiledPath)
        self.regex: re.Pattern[str] | None = None
        self.converts: tuple[tuple[str, Callable[[str], Any]], ...] = compiled.converts
        self.mounted = route.mount_compiled is not None
        self.codec: JSONCodec = table.json_codec
        #: whether the inlined dispatch may serve it: no body limit, no exception handlers to consult
        self.direct = self.max_body_size is None and table.exception_handlers is None


class _PendingIndex(Generic[T]):
    """Stands for one of an app's indexes until it is built: its first lookup builds that index
    (which replaces this stand-in on the app) and is answered by it; the other index waits for a
    lookup of its own."""

    __slots__ = ("_build",)

    def __init__(self, build: Callable[[], RouteIndex[T]]) -> None:
        self._build = build

    def candidates(self, path: str) -> Sequence[T]:
        return self._build().candidates(path)

    def tree_candidates(self, path: str) -> Sequence[T]:
        # The caller looked ``path`` up in an empty ``static`` stand-in: the whole lookup is still to do.
        return self._build().candidates(path)


class PortableASGIApp:
    """Routes ``RouteTable`` objects over raw ASGI, as Starlette's router; lifespan events go to ``lifespan``.

    Matching goes through a ``RouteIndex`` rebuilt on the first request after routes are added,
    so its cost does not grow with the number of routes; among the index's candidates the rules are ``first_match``'s.
    """

    def __init__(self, table: RouteTable, *, lifespan: Lifespan | None = None) -> None:
        self.lifespan = lifespan
        #: Starlette's ``app.state``: an attribute bag for the application's own objects
        self.state = State()
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
        # The plans and indexes are made on the first request (or redirect lookup): an app built
        # and never served pays nothing for them, a served one pays once; no request pays a check.
        self._http_plans: RouteIndex[_HTTPPlan] | _PendingIndex[_HTTPPlan] = _PendingIndex(self._http_index)
        #: the HTTP index's ``static`` once built; empty before, so the first lookup goes to ``_http_plans``
        self._http_static: dict[str, list[_HTTPPlan]] = {}
        self._websocket_index: RouteIndex[WebSocketRoute] | _PendingIndex[WebSocketRoute] = _PendingIndex(
            self._websocket_route_index
        )

    def _http_index(self) -> RouteIndex[_HTTPPlan]:
        plans = [_HTTPPlan(route, self._table_of[id(route)]) for route in self._http]
        index = self._http_plans = RouteIndex([(plan.route.compiled, plan) for plan in plans])
        self._http_static = index.static
        return index

    def _websocket_route_index(self) -> RouteIndex[WebSocketRoute]:
        index = self._websocket_index = RouteIndex([(route.compiled, route) for route in self._websocket])
        return index

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if "app" not in scope:
            scope["app"] = self
        if kind == "http":
            path = scope["path"] if not scope.get("root_path") else path_below_root(scope)
            method = scope["method"]
            # first_match(), inlined over the precomputed plans: the first route matching path and
            # method, else the first matching the path only (its endpoint answers 405).
            partial: tuple[_HTTPPlan, dict[str, Any]] | None = None
            plans: Sequence[_HTTPPlan] | None = self._http_static.get(path)
            if plans is None:
                plans = self._http_plans.tree_candidates(path)
            for plan in plans:
                literal = plan.literal
                if literal is not None:
                    if path != literal:
                        continue
                    params: dict[str, Any] = {}
                else:
                    regex = plan.regex
                    if regex is None:
                        regex = plan.regex = plan.route.compiled.regex
                    found = regex.match(path)
                    if found is None:
                        continue
                    params = {name: convert(found[name]) for name, convert in plan.converts}
                if method in plan.method_set:
                    break
                if partial is None:
                    partial = (plan, params)
            else:
                if partial is None:
                    await self._unmatched(scope, receive, send, path)
                    return
                plan, params = partial
            # From here: run_endpoint, Dispatcher.__call__ and Response.__call__, inlined (same rules).
            if plan.mounted:
                enter_mount(scope, plan.route, path)
            request: Request[None] = Request(scope, receive, send, params, plan.table)
            if not plan.direct:
                outcome = await run_endpoint(
                    plan.dispatcher, request, http_error=plain_error, is_native_response=callable
                )
                if outcome is not None:
                    await outcome(scope, receive, send)
                return
            watched = request_outcome.get()  # mark_endpoint_reached(), inlined
            if watched is not None:
                watched.reached = True
            codec = plan.codec
            token = current_codec.set(codec) if codec is not current_codec.get() else None
            try:
                entry = plan.entries.get(method)
                if entry is None:
                    response = await plan.dispatcher(request)  # the 405
                else:
                    endpoint, target, is_async = entry
                    # Starlette instantiates the endpoint per request, so `self.scope` works alike.
                    handler = target if endpoint is None else getattr(endpoint(scope, receive, send), target)
                    response = await (handler(request) if is_async else run_in_threadpool(handler, request))
            except HTTPException as exc:
                response = plain_error(exc)
            except ClientDisconnect:
                return  # the client left before its body arrived: nobody to answer
            finally:
                if token is not None:
                    current_codec.reset(token)
            if isinstance(response, Response):
                if response._plain_send and response.background is None:
                    await send(
                        {"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers}
                    )
                    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else response.body})
                    return
            elif not callable(response):
                raise TypeError(f"Endpoint {plan.dispatcher.name!r} returned {response!r}; return a Response")
            await response(scope, receive, send)
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

    async def _unmatched(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        location = (
            slash_redirect((plan.route for plan in self._http_plans.candidates(toggled_slash(path))), scope)
            if self.redirect_slashes
            else None
        )
        if location is not None:
            await RedirectResponse(location)(scope, receive, send)
            return
        await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)

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
