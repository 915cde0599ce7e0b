"""A whole portable route table as one Starlette route, matched through the core's ``RouteIndex``.

Starlette's router tries its routes one by one, each with its own regex, so its cost grows with
the number of routes. ``create_app`` and ``mount`` register a table as a single ``PortableRoutes``
instead: its ``matches`` asks the index for the few routes that can match the path and applies
Starlette's own rule among them (the first route matching path and method is a full match; else
the first matching the path alone is a partial one, which Starlette lets a later route override
and otherwise hands the request to, answering 405). Each portable route is still a real Starlette
``Route`` / ``WebSocketRoute`` object, set as ``scope["route"]`` and used for ``url_path_for``, so
names, ``request.url_for`` and middleware that read the matched route keep working.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import Any, cast

import starlette.routing
from starlette.datastructures import URLPath
from starlette.routing import Match, NoMatchFound

from portable_endpoints.hosting import RouteIndex
from portable_endpoints.routing import Route, RouteTable, WebSocketRoute, path_below_root
from portable_endpoints.types import Receive, Scope, Send

# (portable route, its Starlette route object, the ASGI app serving it, the verbs it serves)
_Entry = tuple[Route | WebSocketRoute, starlette.routing.BaseRoute, Any, Container[str]]


class PortableRoutes(starlette.routing.BaseRoute):
    """The routes of ``table``, as Starlette route objects ``routes``, matched through one index.

    :param apps: the ASGI app serving each route (default: each Starlette route's ``endpoint``).
    """

    def __init__(
        self, table: RouteTable, routes: Sequence[starlette.routing.BaseRoute], apps: Sequence[Any] | None = None
    ) -> None:
        self.table = table
        #: the Starlette route object of each portable route, in declaration order
        self.routes = list(routes)
        endpoints = list(apps) if apps is not None else [cast(Any, native).endpoint for native in self.routes]
        http: list[tuple[Any, _Entry]] = []
        websocket: list[tuple[Any, _Entry]] = []
        self._named: dict[str, list[starlette.routing.BaseRoute]] = {}
        for route, native, app in zip(table, self.routes, endpoints, strict=True):
            if isinstance(route, Route):
                http.append((route.compiled, (route, native, app, route.method_set)))
            else:
                websocket.append((route.compiled, (route, native, app, frozenset())))
            self._named.setdefault(route.name, []).append(native)
        self._http: RouteIndex[_Entry] = RouteIndex(http)
        self._websocket: RouteIndex[_Entry] = RouteIndex(websocket)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        kind = scope["type"]
        if kind == "http":
            index = self._http
        elif kind == "websocket":
            index = self._websocket
        else:
            return Match.NONE, {}
        path = path_below_root(scope) if scope.get("root_path") else scope["path"]
        partial: Scope | None = None
        for route, native, app, methods in index.candidates(path):
            params = route.compiled.match(path)
            if params is None:
                continue
            inherited = scope.get("path_params")
            child: Scope = {
                "endpoint": app,
                "path_params": {**inherited, **params} if inherited else params,
                "route": native,
            }
            if kind == "websocket" or scope["method"] in methods:
                return Match.FULL, child
            if partial is None:
                partial = child
        if partial is not None:
            return Match.PARTIAL, partial
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The router has merged the child scope in: the matched route's endpoint is ours to call.
        await scope["endpoint"](scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for native in self._named.get(name, ()):
            try:
                return native.url_path_for(name, **path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.routes)} portable routes: {self.routes!r})"
