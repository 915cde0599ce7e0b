"""Portable routes on FastAPI: Starlette routing and dispatch, FastAPI's OpenAPI schema.

FastAPI is Starlette underneath, and its ``Request`` *is* Starlette's: requests, websockets, path
convertors and the dispatch into the core are the Starlette adapter's. What FastAPI adds is its
schema, which it builds only from ``APIRoute`` objects. Each portable HTTP route therefore becomes
a ``PortableAPIRoute``: an ``APIRoute`` subclass whose path operation (a parameterless stand-in)
FastAPI documents, one per verb the endpoint defines, while requests never reach FastAPI's request
handler: the route matches every method and hands the request to the core, which answers 405 with
Starlette's ``Allow``, falls back from HEAD to GET, and raises ``HTTPException`` as Starlette's, so
FastAPI's exception handlers (``{"detail": ...}``) apply.

FastAPI dependencies never run for portable endpoints, so a route that would inherit some (from
the app, a router, or ``include_router``) is refused instead of silently going without them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, cast

import fastapi
import fastapi.exceptions
import starlette.responses
from fastapi.routing import APIRoute, APIRouter
from portable_endpoints_starlette._adapter import (
    NATIVE_EXCEPTION_TYPES,
    HTTPApp,
    WebSocketApp,
    starlette_path,
    wrap_user_middleware,
)
from portable_endpoints_starlette._table import PortableRoutes
from starlette.routing import Match

from portable_endpoints.convertors import CONVERTOR_TYPES
from portable_endpoints.endpoints import HTTPEndpoint
from portable_endpoints.exceptions import ConfigurationError
from portable_endpoints.hosting import class_verbs
from portable_endpoints.routing import Route, RouteTable, path_below_root
from portable_endpoints.types import ASGIApp, Receive, Scope, Send
from portable_endpoints_fastapi import _compat

#: OpenAPI 3.1 has no QUERY operation: such verbs are served, not documented.
SCHEMA_VERBS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
#: The option ``create_app`` takes for the OpenAPI tags of the portable routes.
TAGS_OPTION = "tags"


class Operation:
    """The stand-in endpoint FastAPI documents for one verb of a portable route; never called.

    FastAPI reads its signature (no parameters: the path parameters are given in ``openapi_extra``,
    typed from the convertors) and its ``__doc__`` (the operation's description). It carries the
    portable route, so a copy FastAPI makes of the ``APIRoute`` (``include_router``) is served alike.
    """

    def __init__(self, app: HTTPApp, *, routes_requests: bool, description: str | None) -> None:
        self.app = app
        #: the first operation of a route serves it; the others exist for the schema only
        self.routes_requests = routes_requests
        self.__doc__ = description

    def __call__(self) -> None:
        raise RuntimeError("portable endpoints are served by the portable core, not by FastAPI")


def _dependencies_refused(route: str, dependencies: Sequence[Any] | None) -> None:
    if dependencies:
        raise ConfigurationError(
            f"Portable route {route!r} would inherit FastAPI dependencies {list(dependencies)!r}, which "
            "never run for portable endpoints: mount portable routes on a router without dependencies "
            "and move shared checks into middleware (see the FastAPI host's docs)"
        )


class PortableAPIRoute(APIRoute):
    """An ``APIRoute`` for the schema whose requests the portable core serves."""

    def __init__(self, path: str, endpoint: Any, **options: Any) -> None:
        if not isinstance(endpoint, Operation):
            raise ConfigurationError(f"PortableAPIRoute serves portable routes only, not {endpoint!r}")
        _dependencies_refused(path, options.get("dependencies"))
        super().__init__(path, endpoint, **options)
        self.operation = endpoint
        self.app = endpoint.app

    def get_route_handler(self) -> Any:
        # FastAPI builds a handler for each inclusion of the route (never called: see ``handle``);
        # the inclusion is where dependencies of an including router would come in.
        _dependencies_refused(self.path, _compat.inherited_dependencies(self))
        return super().get_route_handler()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not self.operation.routes_requests:
            return Match.NONE, {}
        match, child_scope = super().matches(scope)
        if match is Match.NONE:
            return match, child_scope
        # The core's path rule (the whole path, to its last character) and verb table: a method
        # the endpoint does not serve is a partial match, so a later route may still match it; the
        # first partial match reaches the core, which answers 405 with Starlette's Allow.
        portable = self.operation.app.route
        if path_below_root(scope).endswith("\n") and not _newline_consumed(child_scope):
            return Match.NONE, {}  # Starlette's "$" matched before the final newline: not the whole path
        return (Match.FULL if scope["method"] in portable.method_set else Match.PARTIAL), child_scope

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.operation.app(scope, receive, send)


def _newline_consumed(child_scope: Scope) -> bool:
    """Whether a parameter took the path's final newline (only ``str``/``path`` values can)."""
    values = child_scope.get("path_params", {}).values()
    return any(isinstance(value, str) and value.endswith("\n") for value in values)


def _documented_verbs(route: Route) -> list[tuple[str, str | None]]:
    """(verb, handler docstring) for each verb the endpoint defines; HEAD only when defined itself."""
    endpoint = route.endpoint
    if isinstance(endpoint, type) and issubclass(endpoint, HTTPEndpoint):
        # HEAD served by ``get`` is implicit, as in FastAPI's own schema.
        pairs = [
            (method, getattr(endpoint, attr).__doc__)
            for method, attr in class_verbs(endpoint)
            if method != "HEAD" or attr == "head"
        ]
    else:
        doc = getattr(endpoint, "__doc__", None)
        pairs = [(method, doc) for method in route.methods if method != "HEAD" or "GET" not in route.methods]
    return [(method, doc) for method, doc in pairs if method in SCHEMA_VERBS]


def _path_parameters(route: Route) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {**CONVERTOR_TYPES[kind].schema_type, "title": name.replace("_", " ").title()},
        }
        for name, kind in route.compiled.param_kinds
    ]


def add_http_route(router: APIRouter, route: Route, table: RouteTable, tags: Sequence[str | Enum]) -> None:
    """Register ``route`` on ``router``: one ``PortableAPIRoute`` per documented verb, the first serving.

    As for a FastAPI path operation, the handler's docstring is the description and its first line
    the summary; a handler without one is described by the endpoint class's docstring.
    """
    app = HTTPApp(route, table)
    verbs = _documented_verbs(route) if route.include_in_schema else []
    openapi_extra = {"parameters": _path_parameters(route)} if route.compiled.param_kinds else None
    for index, (verb, doc) in enumerate(verbs or [("GET", None)]):
        # Cleaned as Python 3.13 compiles docstrings, so the schema reads the same on every Python.
        handler_doc = inspect.cleandoc(doc) if doc and doc.strip() else None
        description = handler_doc or (inspect.cleandoc(route.description) if route.description else None)
        router.add_api_route(
            starlette_path(route),
            Operation(app, routes_requests=index == 0, description=description),
            methods=[verb],
            name=route.name,
            summary=handler_doc.splitlines()[0] if handler_doc else None,
            include_in_schema=bool(verbs),
            tags=list(tags) or None,
            openapi_extra=openapi_extra,
            # The endpoint chooses its response and media type: the schema promises none.
            response_class=starlette.responses.Response,
            route_class_override=PortableAPIRoute,
        )


def register(router: APIRouter, table: RouteTable, tags: Sequence[str | Enum] = ()) -> None:
    for route in table:
        if isinstance(route, Route):
            add_http_route(router, route, table, tags)
        else:
            # Starlette's own WebSocket route: an APIWebSocketRoute would run dependencies on it.
            # An ASGI app is a valid Starlette WebSocket endpoint, though not what the annotation says.
            endpoint = cast(Any, WebSocketApp(route, table))
            router.add_websocket_route(router.prefix + starlette_path(route), endpoint, name=route.name)


def serve_through_index(router: APIRouter, table: RouteTable, start: int) -> None:
    """Match the routes ``register`` added (``router.routes[start:]``) through the core's index.

    One ``PortableRoutes`` takes their place in the router and serves them all; the
    ``PortableAPIRoute`` objects stay behind it, for the OpenAPI schema and names only. Only for
    an app's own router: ``include_router`` copies route objects it knows, and would drop it.
    """
    added = router.routes[start:]
    natives: list[Any] = []
    apps: list[Any] = []
    for native in added:
        if isinstance(native, PortableAPIRoute):
            if native.operation.routes_requests:
                natives.append(native)
                apps.append(native.operation.app)
                native.operation.routes_requests = False
        else:
            natives.append(native)
            apps.append(cast(Any, native).endpoint)
    schema_only = [native for native in added if isinstance(native, PortableAPIRoute)]
    router.routes[start:] = [PortableRoutes(table, natives, apps), *schema_only]


class FastAPIAdapter:
    name = "fastapi"
    #: ``create_app(exception_handlers=)`` keys that stay FastAPI's own (its handlers, its request)
    native_exception_types: tuple[type, ...] = (*NATIVE_EXCEPTION_TYPES, fastapi.exceptions.ValidationException)
    #: Starlette's router and ``ExceptionMiddleware`` let an endpoint's exception out to the app's
    #: middleware and ``ServerErrorMiddleware``
    raises_endpoint_exceptions = True
    #: Starlette's ``ServerErrorMiddleware`` is outermost, outside the stack ``wrap_asgi`` appends
    answers_server_errors = True

    def native_routes(self, table: RouteTable) -> APIRouter:
        router = APIRouter()
        register(router, table)
        return router

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> fastapi.FastAPI:
        tags = options.pop(TAGS_OPTION, None) or ()
        if isinstance(tags, str) or not all(isinstance(tag, str | Enum) for tag in tags):
            raise ConfigurationError(f"tags= takes a list of OpenAPI tag names, e.g. tags=['portable'], not {tags!r}")
        app = fastapi.FastAPI(**options)
        # The portable redirect_slashes option (default True, as Starlette's and FastAPI's own).
        app.router.redirect_slashes = table.redirect_slashes
        table.resolves_here = True
        start = len(app.router.routes)
        register(app.router, table, tags)
        serve_through_index(app.router, table, start)
        return app

    def mount(self, app: Any, table: RouteTable) -> None:
        router = app.router if isinstance(app, fastapi.FastAPI) else app
        if not isinstance(router, APIRouter):
            raise TypeError(f"The fastapi adapter mounts on a FastAPI app or an APIRouter, not {app!r}")
        table.resolves_here = True
        start = len(router.routes)
        register(router, table)
        if isinstance(app, fastapi.FastAPI):
            serve_through_index(router, table, start)
            app.openapi_schema = None  # FastAPI caches its schema: the next /openapi.json lists these routes

    def wrap_asgi(self, app: fastapi.FastAPI, wrap: Callable[[ASGIApp], ASGIApp]) -> None:
        wrap_user_middleware(app, wrap)

    def host_paths(self, table: RouteTable) -> list[str]:
        """Each route's path as FastAPI's router matches it (``portable-endpoints routes`` shows these)."""
        return [starlette_path(route) for route in table]


ADAPTER = FastAPIAdapter()
