"""A whole portable route table as one Starlette route, matched through the core's ``RouteIndex``.

Starlette's router tries its routes one by one, each with its own regex, so its cost grows with
the number of routes. ``create_app`` and ``mount`` register a table as a single ``PortableRoutes``
instead: its ``matches`` asks the index for the few routes that can match the path and applies
Starlette's own rule among them (the first route matching path and method is a full match; else
the first matching the path alone is a partial one, which Starlette lets a later route override
and otherwise hands the request to, answering 405). Each portable route is still a real Starlette
``Route`` / ``WebSocketRoute`` object, set as ``scope["route"]`` and used for ``url_path_for``, so
names, ``request.url_for`` and middleware that read the matched route keep working; the
adapter has it made when a request first matches the route (or ``url_for`` first names it).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from typing import Any, cast

import starlette.routing
from starlette.datastructures import URLPath
from starlette.routing import Match, NoMatchFound

from portable_endpoints.hosting import RouteIndex
from portable_endpoints.routing import Route, RouteTable, WebSocketRoute, path_below_root
from portable_endpoints.types import Receive, Scope, Send

# (portable route, its position in the table, the verbs it serves)
_Entry = tuple[Route | WebSocketRoute, int, Container[str]]
#: makes the Starlette route object of a portable route, and the ASGI app serving it
NativeFactory = Callable[[Route | WebSocketRoute], tuple[starlette.routing.BaseRoute, Any]]


class PortableRoutes(starlette.routing.BaseRoute):
    """The routes of ``table``, as Starlette route objects ``routes``, matched through one index.

    :param routes: the Starlette route object of each portable route, or a factory making it
        (with the ASGI app serving it) when a request first matches the route or ``url_for``
        first names it: what a route is never asked for costs nothing more than its index entry.
    :param apps: the ASGI app serving each route (default: each Starlette route's ``endpoint``).
    """

    def __init__(
        self,
        table: RouteTable,
        routes: Sequence[starlette.routing.BaseRoute] | NativeFactory,
        apps: Sequence[Any] | None = None,
    ) -> None:
        self.table = table
        self._portable: list[Route | WebSocketRoute] = list(table)
        self._factory: NativeFactory | None = None
        if callable(routes):
            self._factory = routes
            self._natives: list[starlette.routing.BaseRoute | None] = [None] * len(self._portable)
            self._apps: list[Any] = [None] * len(self._portable)
        else:
            self._natives = list(routes)
            natives = cast("list[Any]", self._natives)
            self._apps = list(apps) if apps is not None else [native.endpoint for native in natives]
            if not len(self._natives) == len(self._apps) == len(self._portable):
                raise ValueError("PortableRoutes: one Starlette route (and app) per portable route")
        #: the indexes and the names' positions, made on the first match or ``url_path_for``
        self._http: RouteIndex[_Entry] | None = None
        self._websocket: RouteIndex[_Entry] | None = None
        self._named: dict[str, list[int]] | None = None

    def _indexed(self) -> tuple[RouteIndex[_Entry], RouteIndex[_Entry], dict[str, list[int]]]:
        """The indexes and names, built on first use: an app built and never served (a CLI
        listing its routes, a test) pays nothing for them, and a served one pays once."""
        http: list[tuple[Any, _Entry]] = []
        websocket: list[tuple[Any, _Entry]] = []
        named: dict[str, list[int]] = {}
        for position, route in enumerate(self._portable):
            if isinstance(route, Route):
                http.append((route.compiled, (route, position, route.method_set)))
            else:
                websocket.append((route.compiled, (route, position, _NO_METHODS)))
            named.setdefault(route.name, []).append(position)
        self._http, self._websocket, self._named = RouteIndex(http), RouteIndex(websocket), named
        return self._http, self._websocket, named

    def _native(self, position: int) -> tuple[starlette.routing.BaseRoute, Any]:
        """The Starlette route object at ``position`` and its app, made on first use."""
        native = self._natives[position]
        if native is None:
            assert self._factory is not None  # only a factory leaves a route unmade
            native, self._apps[position] = self._factory(self._portable[position])
            self._natives[position] = native
        return native, self._apps[position]

    @property
    def routes(self) -> list[starlette.routing.BaseRoute]:
        """The Starlette route object of each portable route, in declaration order."""
        return [self._native(position)[0] for position in range(len(self._portable))]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        kind = scope["type"]
        if kind == "http":
            index = self._http
        elif kind == "websocket":
            index = self._websocket
        else:
            return Match.NONE, {}
        if index is None:
            http, websocket, _ = self._indexed()
            index = http if kind == "http" else websocket
        path = path_below_root(scope) if scope.get("root_path") else scope["path"]
        partial: Scope | None = None
        for route, position, methods in index.candidates(path):
            params = route.compiled.match(path)
            if params is None:
                continue
            native = self._natives[position]
            if native is None:
                native, app = self._native(position)
            else:
                app = self._apps[position]
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
        named = self._indexed()[2] if self._named is None else self._named
        for position in named.get(name, ()):
            try:
                return self._native(position)[0].url_path_for(name, **path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self._portable)} portable routes: {self._portable!r})"


_NO_METHODS: Container[str] = frozenset()
