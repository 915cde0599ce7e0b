"""Portable routes as Django URL patterns: one per route, matching as the core does.

Django's own converters differ from Starlette's (its ``int`` rejects nothing Starlette accepts
but its ``path`` and ``str`` differ, and ``/files/{name}.{ext}`` cannot be written at all), so
each route gets a ``PortablePattern``: a ``RegexPattern`` (Django's ``reverse()`` and checks work
on it) whose ``match`` is the core's compiled path, giving the converted path params (``int`` is
``int``) as the view's keyword arguments. Patterns are tried in declaration order, so the first
declared matching route wins, as on Starlette. In an app's own URLconf, consecutive portable
patterns are grouped under one ``PortablePatterns`` resolver (an ``include("")``) that asks the
core's route index for the few patterns that can match, so resolving does not grow with the routes.

HTTP patterns call an async Django view: Django's middleware, ``request.resolver_match``,
``process_view`` and error handling all apply. It serves every method, so Django never answers
405 itself; the core does, with Starlette's ``Allow``. Views are ``csrf_exempt`` unless the app
asks otherwise (``csrf_exempt=False``, ``enforce_csrf``). Before the endpoint runs, Django's
user (its ``AuthenticationMiddleware``) or Channels' is put in the scope with its credentials (``_auth``).

WebSocket patterns go into a Channels ``URLRouter``; their callback is a raw ASGI app that runs
the endpoint's session on the connection's own channel, so frame types, close codes and reasons,
subprotocols, accept headers and handshake rejections travel exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeGuard

from portable_endpoints import status
from portable_endpoints.exceptions import HTTPException
from portable_endpoints.hosting import RouteIndex, run_endpoint
from portable_endpoints.routing import CompiledPath, Route, RouteTable, WebSocketRoute, enter_mount, first_match
from portable_endpoints.types import Receive, Scope, Send
from portable_endpoints_django._auth import authenticate, authenticates
from portable_endpoints_django._compat import (
    HttpRequest,
    HttpResponseBase,
    LazyRegexPattern,
    Resolver404,
    RoutePattern,
    URLPattern,
    URLResolver,
    markcoroutinefunction,
)
from portable_endpoints_django._connection import DjangoRequest, DjangoWebSocket, body_chunks, read_body
from portable_endpoints_django._responses import django_error, django_response


class PortablePattern(LazyRegexPattern):
    """A Django URL pattern for one portable route, matched with the core's own path rules (its
    regex is written only if Django asks: ``reverse()``, checks)."""

    def __init__(self, route: Route | WebSocketRoute) -> None:
        self.compiled = route.compiled
        super().__init__("", name=route.name, is_endpoint=True)
        self.portable_path = route.path

    def regex_source(self) -> str:
        pattern = self.compiled.pattern
        assert pattern.startswith("^/"), pattern
        # Django hands an endpoint pattern the path without its leading slash.
        return "^" + pattern[2:]

    def match(self, path: str) -> tuple[str, tuple[str], dict[str, Any]] | None:
        """("", (the path matched,), converted params), or None; the view learns its prefix from the path."""
        params = self.compiled.match("/" + path)
        if params is None:
            return None
        return "", (path,), params

    def __str__(self) -> str:
        return self.portable_path


class PortablePatterns(URLResolver):
    """Portable URL patterns as one ``include("")``, resolved through the core's route index.

    Django's resolver tries every pattern in turn; this one tries only the patterns whose path can
    match (in declaration order), and returns the first match as Django would have found it
    (the same view, arguments, name and route). ``reverse()`` and checks see the patterns as an
    include's.
    """

    def __init__(self, entries: list[tuple[CompiledPath, URLPattern]]) -> None:
        super().__init__(RoutePattern(""), [pattern for _, pattern in entries])
        self._entries = entries
        #: made on the first request: an app built and never served pays nothing for it
        self._index: RouteIndex[URLPattern] | None = None

    def resolve(self, path: Any) -> Any:
        index = self._index
        if index is None:
            index = self._index = RouteIndex(self._entries)
        for pattern in index.candidates("/" + str(path)):
            match = pattern.resolve(path)
            if match:
                return match
        # Django's 404 (DEBUG's technical page) lists every pattern its linear resolver tried.
        raise Resolver404({"tried": [[pattern] for pattern in self.url_patterns], "path": path})


def indexed(urlpatterns: Iterable[Any]) -> list[Any]:
    """``urlpatterns`` with each run of consecutive portable patterns grouped as ``PortablePatterns``."""
    grouped: list[Any] = []
    run: list[tuple[CompiledPath, URLPattern]] = []
    for pattern in urlpatterns:
        if isinstance(pattern, URLPattern) and isinstance(pattern.pattern, PortablePattern):
            run.append((pattern.pattern.compiled, pattern))
            continue
        if run:
            grouped.append(PortablePatterns(run))
            run = []
        grouped.append(pattern)
    if run:
        grouped.append(PortablePatterns(run))
    return grouped


def _prefix(full: str, matched: str) -> str:
    """The part of ``full`` above the path the pattern matched (a Django include() prefix)."""
    return full[: len(full) - len(matched) - 1]


class _Deferred:
    """An ``HTTPException`` whose Django response is built after ``run_endpoint`` (it takes an await)."""

    __slots__ = ("exc",)

    def __init__(self, exc: HTTPException) -> None:
        self.exc = exc


def _is_native(response: object) -> TypeGuard[HttpResponseBase]:
    return isinstance(response, HttpResponseBase)


class HttpView:
    """The async Django view of one portable HTTP route.

    An object per route rather than a closure: one allocation (no cells, no function ``__dict__``),
    which is most of what a large app's build allocates per route. Django tells async views by
    ``asgiref``'s ``iscoroutinefunction``, which the class's mark answers for every instance;
    ``__name__`` and ``__qualname__`` are the endpoint's, as a function view's would be (middleware
    ``process_view`` reads them), ``csrf_exempt`` is Django's flag, ``portable_route`` the route.
    """

    __slots__ = ("__name__", "__qualname__", "csrf_exempt", "dispatcher", "portable_route", "table")

    def __init__(self, route: Route, table: RouteTable, csrf_exempt: bool) -> None:
        self.portable_route = route
        self.dispatcher = route.dispatcher
        self.table = table
        self.csrf_exempt = csrf_exempt
        self.__name__ = self.__qualname__ = _view_name(route)

    async def __call__(self, request: HttpRequest, *args: str, **params: Any) -> Any:
        native: Any = request
        scope = native.scope
        route = target = self.portable_route
        table = target_table = self.table
        target_dispatcher = self.dispatcher
        path = "/" + args[-1]  # the path the pattern matched, at the table's level
        if scope["method"] not in route.method_set:
            # A partial match: Starlette's router would take a later route serving the method, in
            # this table or in one pe.mount added to the same app after it.
            if table.app_routes is not None and table.neighbours:
                across = table.app_routes.match_http(path, scope["method"])
                found, target_table = across if across is not None else (None, table)
            else:
                found = first_match(table.http_routes, path, scope["method"])
            if found is not None and found.full:
                target, target_dispatcher, params = found.route, found.route.dispatcher, found.params
        if target.mount_compiled is not None:
            enter_mount(scope, target, path)
        scope["path_params"] = params
        if authenticates(scope, request):
            await authenticate(scope, request)
        portable = DjangoRequest(
            scope,
            native=request,
            path_params=params,
            route_table=target_table,
            read_body=partial(read_body, request),
            body_chunks=partial(body_chunks, request),
        )
        portable._prefix = _prefix(request.path_info, args[-1])
        outcome = await run_endpoint(target_dispatcher, portable, http_error=_Deferred, is_native_response=_is_native)
        if type(outcome) is _Deferred:
            return await django_error(outcome.exc, request)
        # None (the client left mid-body) cannot happen: Django has read the whole body already.
        return await django_response(outcome, request, portable)


markcoroutinefunction(HttpView)


def _view_name(route: Route | WebSocketRoute) -> str:
    return str(getattr(route.endpoint, "__name__", type(route.endpoint).__name__))


def below_root_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return path[len(root) :]
    return path


def websocket_app(route: WebSocketRoute, table: RouteTable) -> Callable[[Scope, Receive, Send], Any]:
    """The ASGI app a Channels ``URLRouter`` calls for ``route``."""
    session = route.session

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        url_route = scope["url_route"]
        params = dict(url_route["kwargs"])
        below = below_root_path(scope)
        prefix = _prefix(below, url_route["args"][-1])
        if "//" in prefix + "/":
            # Channels strips every leading slash of each level ("//ws" reaches "/ws"); Starlette does not.
            await send({"type": "websocket.close", "code": status.WS_1000_NORMAL_CLOSURE, "reason": ""})
            return
        if route.mount_compiled is not None:
            enter_mount(scope, route, "/" + url_route["args"][-1])
        scope["path_params"] = params
        if authenticates(scope):
            await authenticate(scope)
        websocket = DjangoWebSocket(scope, receive, send, path_params=params, route_table=table)
        websocket._prefix = prefix
        await session(websocket)

    app.__name__ = app.__qualname__ = _view_name(route)
    app.portable_route = route  # type: ignore[attr-defined]
    return app


@dataclass
class DjangoRoutes:
    """What ``pe.native_routes(routes, framework="django")`` returns, for a project to compose.

    ``urlpatterns`` go into a ``urls.py`` (directly, or under ``include()``);
    ``websocket_urlpatterns`` into a Channels ``URLRouter`` in ``asgi.py``.
    """

    urlpatterns: list[URLPattern] = field(default_factory=list)
    websocket_urlpatterns: list[URLPattern] = field(default_factory=list)


def build_routes(table: RouteTable, *, csrf_exempt: bool = True) -> DjangoRoutes:
    return DjangoRoutes(
        urlpatterns=[
            URLPattern(PortablePattern(route), HttpView(route, table, csrf_exempt), name=route.name)
            for route in table.http_routes
        ],
        websocket_urlpatterns=[
            URLPattern(PortablePattern(route), websocket_app(route, table), name=route.name)
            for route in table.websocket_routes
        ],
    )


def enforce_csrf(urlpatterns: Iterable[URLPattern]) -> list[URLPattern]:
    """Portable views of ``urlpatterns`` checked by Django's ``CsrfViewMiddleware`` (when installed).

    Portable views are CSRF-exempt by default, as endpoints are on every other host.
    """
    patterns = list(urlpatterns)
    for pattern in patterns:
        if hasattr(pattern.callback, "portable_route"):
            pattern.callback.csrf_exempt = False  # type: ignore[attr-defined]
    return patterns
