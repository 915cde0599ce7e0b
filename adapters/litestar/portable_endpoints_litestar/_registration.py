"""What can only be done once Litestar has built its routes: every method, and Starlette's paths in OpenAPI.

Litestar routes a method only to a handler registered for it, and handlers take only its own
verbs: QUERY and non-standard methods would get Litestar's 405 before any portable code ran. The
route and trie lookups of portable paths are therefore given a fallback to a portable handler
(the core then serves QUERY, or answers 405 with Starlette's ``Allow``); the OPTIONS handler
Litestar adds to a path without one is dropped from them, so OPTIONS takes that fallback too. These lookup tables exist
only after registration, so this runs after ``Litestar(...)`` and after ``app.register``; the
structures it touches are the same in every supported Litestar version.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from litestar import Litestar
from litestar.exceptions import NotFoundException
from litestar.exceptions.responses import create_exception_response
from litestar.routes import HTTPRoute

from portable_endpoints.convertors import CONVERTOR_TYPES
from portable_endpoints.responses import RedirectResponse
from portable_endpoints.routing import Route, RouteTable, slash_redirect
from portable_endpoints_litestar import _compat
from portable_endpoints_litestar._http import PortableHTTPHandler
from portable_endpoints_litestar._paths import original_paths
from portable_endpoints_litestar._responses import PortableResponse

_SCHEMA_TYPES: dict[tuple[tuple[str, str], ...], type] = {
    (("type", "integer"),): int,
    (("type", "number"),): float,
    (("format", "uuid"), ("type", "string")): uuid.UUID,
}


class _AnyMethod(dict[Any, Any]):
    """A per-method lookup table that sends methods nobody registered to a portable handler."""

    __slots__ = ("fallback",)

    def __init__(self, table: dict[Any, Any], fallback: str) -> None:
        super().__init__(table)
        self.fallback = fallback

    def __missing__(self, key: Any) -> Any:
        if not isinstance(key, str) or key in ("websocket", "asgi"):
            raise KeyError(key)
        return self[self.fallback]


def _portable_method(table: dict[Any, Any], handler_of: Any) -> str | None:
    return next((method for method, value in table.items() if isinstance(handler_of(value), PortableHTTPHandler)), None)


def _documented_route(route: HTTPRoute) -> Route | None:
    for handler, _ in route.route_handler_map.values():
        if isinstance(handler, PortableHTTPHandler) and handler.portable_route is not None:
            return handler.portable_route
    return None


def _publish_starlette_path(route: HTTPRoute, portable: Route) -> None:
    """OpenAPI shows the route's own path and parameter types, not the Litestar path behind it."""
    parameters = {}
    for name, kind in portable.compiled.param_kinds:
        schema = tuple(sorted(CONVERTOR_TYPES[kind].schema_type.items()))
        parameters[name] = _compat.path_parameter(name, kind, _SCHEMA_TYPES.get(schema, str))
    _compat.publish_path(route, portable.compiled.format, parameters)


def finish_registration(app: Litestar) -> None:
    """Apply the fallbacks and OpenAPI paths to every portable route of ``app`` not yet done."""
    for owner, attribute, handler_of in _compat.method_tables(app):
        table = getattr(owner, attribute)
        if isinstance(table, _AnyMethod):
            continue
        method = _portable_method(table, handler_of)
        if method is None:
            continue
        # Litestar's own OPTIONS answer (a 204) where no portable handler takes OPTIONS: dropped, so
        # that OPTIONS takes the fallback too (and OpenAPI, which lists the table, shows no OPTIONS).
        own_options = "OPTIONS" in table and _compat.is_default_options_handler(handler_of(table["OPTIONS"]))
        if own_options:
            table = {key: value for key, value in table.items() if key != "OPTIONS"}
        setattr(owner, attribute, _AnyMethod(table, method))
        if isinstance(owner, HTTPRoute):
            documented = _documented_route(owner)
            if documented is not None:
                _publish_starlette_path(owner, documented)
        else:  # a trie node: its per-method path parameters follow its handlers
            parameters = owner.path_parameters
            if own_options:
                parameters = {key: value for key, value in parameters.items() if key != "OPTIONS"}
            owner.path_parameters = _AnyMethod(parameters, method)
    # Routing results are cached per (path, method): drop those computed before the fallbacks.
    _compat.clear_routing_cache(app)
    _compat.route_websockets_without_method(app)


ExceptionHandler = Callable[[Any, Exception], Any]


def with_slash_redirects(table: RouteTable, handlers: Mapping[Any, ExceptionHandler] | None) -> dict[Any, Any]:
    """The app's exception handlers, with Starlette's ``redirect_slashes`` on its 404s.

    A request no route matches (Litestar's router, or a portable handler whose routes do not match
    the original path) whose slash-toggled twin matches a portable route gets a 307 there, query
    string kept. Any other 404 goes to the app's own 404 handler, or to Litestar's default.
    """
    merged = dict(handlers or {})
    own = merged.get(404) or merged.get(NotFoundException)
    routes = table.http_routes

    def redirect_or_not_found(request: Any, exc: Exception) -> Any:
        scope = request.scope
        full_path, _ = original_paths(scope)
        location = slash_redirect(routes, {**scope, "path": full_path})
        if location is not None:
            return PortableResponse(RedirectResponse(location))
        if own is not None:
            return own(request, exc)
        return create_exception_response(request, exc)

    merged[404] = redirect_or_not_found
    return merged
