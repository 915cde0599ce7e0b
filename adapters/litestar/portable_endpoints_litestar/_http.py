"""HTTP: Litestar route handlers that dispatch to portable routes as Starlette's router would.

Each registered Litestar path gets one handler function. Litestar builds its own ``Request``, runs
guards and middleware and calls it; the function matches the original path against the routes
that may answer there (declaration order, first match wins) and runs the endpoint. Litestar never
answers 405 or OPTIONS itself: the core does, with Starlette's ``Allow``. Handlers documented in
OpenAPI carry the verbs the endpoint defines; every other method reaches them through the fallback
``_registration`` gives the path (``create_app``, ``mount``), or a hidden handler of the other
Litestar verbs (``native_routes``, which no fallback completes).
"""

from __future__ import annotations

import inspect
import itertools
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeGuard

import litestar
from litestar.enums import HttpMethod
from litestar.exceptions import (
    ClientException,
    InternalServerException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ServiceUnavailableException,
    TooManyRequestsException,
)
from litestar.handlers import HTTPRouteHandler

from portable_endpoints.endpoints import HTTPEndpoint
from portable_endpoints.exceptions import HTTPException
from portable_endpoints.hosting import class_verbs, run_endpoint
from portable_endpoints.responses import Response
from portable_endpoints.routing import Route, RouteTable, enter_mount, first_match
from portable_endpoints_litestar._connection import litestar_request
from portable_endpoints_litestar._paths import LitestarPath, original_paths
from portable_endpoints_litestar._responses import ASGIAppResponse, PortableResponse, no_answer

#: Litestar's own verbs (QUERY is not one of them). Built from the enum: it has varied by version.
LITESTAR_VERBS = tuple(method.value for method in HttpMethod)
_NATIVE_ERRORS: dict[int, type[litestar.exceptions.HTTPException]] = {
    cls.status_code: cls
    for cls in (
        ClientException,
        NotAuthorizedException,
        PermissionDeniedException,
        NotFoundException,
        MethodNotAllowedException,
        TooManyRequestsException,
        InternalServerException,
        ServiceUnavailableException,
    )
}
_ids = itertools.count()
_BODYLESS = (204, 304)


class PortableHTTPHandler(HTTPRouteHandler):
    """A route handler of portable routes; ``portable_route`` is the route it documents, if any."""

    __slots__ = ("_dispatch", "portable_route")

    def __init__(self, path: str, *, portable_route: Route | None = None, **kwargs: Any) -> None:
        super().__init__(path, status_code=200, **kwargs)
        self.portable_route = portable_route
        self._dispatch: Callable[[Any], Awaitable[Any]] | None = None

    def __repr__(self) -> str:
        documents = self.portable_route.name if self.portable_route is not None else None
        return (
            f"{type(self).__name__}(path={sorted(self.paths)[0]!r}, methods={sorted(self.http_methods)!r}, "
            f"name={self.name!r}, documents={documents!r})"
        )

    def resolve_before_request(self) -> Callable[[Any], Awaitable[Any]]:
        """The app's ``before_request`` hook, then the endpoint itself.

        The handler function takes only the request, so Litestar's per-request kwargs modelling
        and signature parsing would do nothing but cost time. Running the function as the last
        step of the before-request hook skips them; Litestar then takes the response it returns,
        exactly as when a hook answers a request. The app's own hook still runs first and may
        still answer in its place.
        """
        if self._dispatch is None:
            fn = self.fn
            hook = super().resolve_before_request()
            if hook is None:
                self._dispatch = fn
            else:

                async def dispatch(request: Any) -> Any:
                    return await hook(request) or await fn(request)

                self._dispatch = dispatch
        return self._dispatch


def native_error(exc: HTTPException) -> litestar.exceptions.HTTPException:
    """Litestar's exception for a portable one: the most specific class, for class-keyed handlers."""
    cls = _NATIVE_ERRORS.get(exc.status_code, litestar.exceptions.HTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return cls(detail=exc.detail, status_code=exc.status_code, headers=headers)


def litestar_error(exc: HTTPException) -> Response:
    """The host's outcome of ``exc``: Litestar's own exception, so its exception handlers apply; a
    204 or 304 is its headers and no body instead, as on Starlette (Litestar would render a body
    for it and fail)."""
    if exc.status_code in _BODYLESS:
        return Response(status_code=exc.status_code, headers=exc.headers)
    raise native_error(exc) from exc


def is_litestar_response(value: object) -> TypeGuard[litestar.Response[Any]]:
    return isinstance(value, litestar.Response)


#: Key, in the app's state, of its portable routes across tables (``routing.AppRoutes``).
APP_ROUTES = "portable_endpoints.routes"


def dispatcher(routes: Sequence[Route], table: RouteTable, name: str) -> Callable[..., Awaitable[Any]]:
    """The handler function for one Litestar path: the route Starlette's router picks among ``routes``."""
    candidates = tuple(routes)

    async def endpoint(request: litestar.Request[Any, Any, Any]) -> litestar.Response[Any]:
        # Litestar types the ASGI scope more narrowly than the core's plain mapping.
        scope: Any = request.scope
        full_path, path = original_paths(scope)
        target_table = table
        if table.app_routes is not None and table.neighbours:
            # Litestar prefers a literal path to a parameter: across the tables of create_app and
            # each pe.mount, the route declared first must still win, as on Starlette.
            across = table.app_routes.match_http(path, scope["method"])
            found, target_table = across if across is not None else (None, table)
        else:
            found = first_match(candidates, path, scope["method"])
        if found is None:
            raise NotFoundException()
        route, params = found.route, found.params
        enter_mount(scope, route, path)
        scope["path_params"] = params
        portable = litestar_request(request, params, target_table, full_path)
        response = await run_endpoint(
            route.dispatcher, portable, http_error=litestar_error, is_native_response=is_litestar_response
        )
        if response is None:
            return no_answer()  # the client left mid-body: nobody to answer
        if isinstance(response, Response):
            return PortableResponse(response)
        if is_litestar_response(response):
            return response  # a native response passes through untouched
        return ASGIAppResponse(response)  # any other ASGI app, called with Litestar's raw send

    # Real classes, not strings: Litestar models the signature from these annotations.
    endpoint.__annotations__ = {"request": litestar.Request, "return": litestar.Response}
    # Litestar names operations after the function (OpenAPI); the qualname keeps handlers apart.
    endpoint.__name__ = re.sub(r"\W", "_", name)
    endpoint.__qualname__ = f"portable_{next(_ids)}.{endpoint.__name__}"
    return endpoint


def _documented_verbs(route: Route) -> list[tuple[str, str | None]]:
    """(verb, summary) for each verb the endpoint defines, as OpenAPI shows them."""
    endpoint = route.endpoint
    if isinstance(endpoint, type) and issubclass(endpoint, HTTPEndpoint):
        verbs = class_verbs(endpoint)
    else:
        # A function serves every listed verb; HEAD is implicit with GET, as Starlette's schema has it.
        verbs = tuple((method, "") for method in route.methods if method != "HEAD" or "GET" not in route.methods)
    documented = []
    for method, attr in verbs:
        if method not in LITESTAR_VERBS or (method == "HEAD" and attr == "get"):
            continue
        doc = (getattr(endpoint, attr).__doc__ or "").strip() if attr else ""
        documented.append((method, doc.splitlines()[0] if doc else None))
    return documented


def _operation_id(route: Route, verb: str) -> str:
    # Litestar's own style (path words, then verb, then name: "UsersUserIdGetUser"); its default
    # leaves the verb out for single-verb handlers, which would repeat one id for each verb here.
    words = [*re.findall(r"[A-Za-z0-9_]+", route.compiled.format), verb, route.name]
    return "".join(word.title().replace("_", "") for word in words)


def http_handlers(
    target: LitestarPath, table: RouteTable, name: str | None, *, every_verb: bool = True
) -> list[PortableHTTPHandler]:
    """The handlers of one Litestar path: documented verbs of its first route, and all the others.

    ``every_verb=False`` (an app ``finish_registration`` completes) leaves out the hidden handler of
    the verbs nobody documents when some are: those methods reach a documented handler through the
    fallback ``finish_registration`` gives the path, OPTIONS included. Litestar's registration
    costs grow with the square of the handlers registered, and the app's then match a native app's.
    """
    documented = next((route for route in target.http_members[:1] if route.include_in_schema), None)
    fn = dispatcher(target.http_candidates, table, documented.name if documented else "portable")
    handlers: list[PortableHTTPHandler] = []
    remaining = list(LITESTAR_VERBS)
    if documented is not None:
        # Cleaned as Python 3.13 compiles docstrings, so the schema reads the same on every Python.
        description = inspect.cleandoc(documented.description) if documented.description else None
        for verb, summary in _documented_verbs(documented):
            handlers.append(
                PortableHTTPHandler(
                    target.path,
                    http_method=verb,
                    summary=summary,
                    description=description,
                    operation_id=_operation_id(documented, verb),
                    portable_route=documented,
                    name=None if handlers or every_verb else name,
                )
            )
            remaining.remove(verb)
    if every_verb or not handlers:
        # TRACE is no portable verb, so this hidden handler always has a verb.
        handlers.append(PortableHTTPHandler(target.path, http_method=remaining, include_in_schema=False, name=name))
    for handler in handlers:
        handler(fn)
    # Litestar adds its own OPTIONS handler to a path whose first handler lacks OPTIONS.
    handlers.sort(key=lambda handler: "OPTIONS" not in handler.http_methods)
    return handlers
