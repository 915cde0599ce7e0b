from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from portable_endpoints import _app, _plugins
from portable_endpoints._handlers import ExceptionHandlers
from portable_endpoints.hosting import AdapterInfo
from portable_endpoints.routing import BaseRoute, Mount, RouteTable


def create_app(
    routes: Sequence[BaseRoute],
    *,
    framework: str,
    redirect_slashes: bool = True,
    max_body_size: int | None = None,
    json_codec: str = "stdlib",
    middleware: Sequence[Any] | None = None,
    lifespan: Callable[[Any], AbstractAsyncContextManager[Any]] | Sequence[Any] | None = None,
    exception_handlers: Mapping[Any, Callable[..., Any]] | None = None,
    **native_options: Any,
) -> Any:
    """A new application of ``framework`` serving ``routes``: the framework's own app object.

    ``max_body_size`` is the portable default body limit of every route (an endpoint's own
    ``max_body_size`` wins when smaller, and so does the host's limit): a larger body is a 413 on
    every host. ``native_options`` go to the framework's app constructor untouched (``debug``,
    Litestar's ``route_handlers``, Django settings, ...). ``framework="asgi"`` is the built-in,
    framework-free host.

    Portable options, consumed here before the native ones reach the host: ``redirect_slashes``
    (default True, as ``Starlette()``): a request matching no route is redirected (307, query
    kept) to its slash-toggled twin when that matches; False answers 404 instead, on every host.
    ``json_codec`` (``"stdlib"``, ``"msgspec"``, ``"orjson"``) is what ``JSONResponse``,
    ``request.json()`` and WebSocket JSON use on these routes.

    The app options, as Starlette's (see "App options" in the docs):
    ``middleware=[Middleware(cls, ...), ...]`` around the whole app (paths no route matches too);
    entries that are no ``Middleware`` declaration (Litestar's ``DefineMiddleware``, a bare
    middleware class) go to the host's own ``middleware`` option untouched.
    ``lifespan=`` an async context manager factory taking the app; the mapping it yields is every
    request's ``request.state`` (a list, Litestar's own ``lifespan``, goes to the host untouched).
    ``exception_handlers={ExcClassOrStatusCode: handler}``:
    ``handler(request, exc)``, sync or async, returns the response; entries keyed by the host's own
    exception classes (Starlette's or Litestar's ``HTTPException``...) go to the host untouched.
    """
    adapter = _plugins.get_adapter(framework)
    portable_handlers, own_handlers = _app.split_exception_handlers(adapter, exception_handlers)
    handlers = None if portable_handlers is None else ExceptionHandlers(portable_handlers)
    portable_middleware, own_middleware = _app.split_middleware(middleware or [])
    portable_lifespan, own_lifespan = _app.split_lifespan(lifespan)
    table = RouteTable(routes, redirect_slashes=redirect_slashes, max_body_size=max_body_size, json_codec=json_codec)
    table.exception_handlers = handlers
    options = dict(native_options)
    if own_handlers:
        options["exception_handlers"] = own_handlers
    if own_middleware:
        options["middleware"] = own_middleware
    if own_lifespan is not None:
        options["lifespan"] = own_lifespan
    app = adapter.create_app(table, options)
    _app.install(adapter, app, table, middleware=portable_middleware, lifespan=portable_lifespan)
    _app.ensure_state(app)
    return app


def mount(
    app: Any,
    routes: Sequence[BaseRoute],
    *,
    prefix: str = "",
    max_body_size: int | None = None,
    json_codec: str = "stdlib",
    exception_handlers: Mapping[Any, Callable[..., Any]] | None = None,
    middleware: Sequence[Any] | None = None,
) -> None:
    """Add ``routes`` under ``prefix`` to an existing app; its adapter is found from the app's type.

    ``max_body_size`` and ``json_codec``: the routes' portable options, as in ``create_app``.
    ``exception_handlers`` answer what these routes' endpoints raise (the app's own handlers
    answer the rest, and its not-found). The routes see the app's own lifespan state in
    ``request.state`` and its ``app.state`` where the host has them; ``mount`` takes no
    ``lifespan``: the app's own runs. ``middleware``: ``Middleware(cls, ...)`` entries around
    these routes only (Starlette's too); the app's own middleware runs around the whole app.
    """
    table = RouteTable(_inside(routes, middleware), prefix, max_body_size=max_body_size, json_codec=json_codec)
    if exception_handlers is not None:
        table.exception_handlers = ExceptionHandlers(exception_handlers)
    _plugins.get_adapter_for_app(app).mount(app, table)


def native_routes(
    routes: Sequence[BaseRoute],
    *,
    framework: str,
    prefix: str = "",
    max_body_size: int | None = None,
    json_codec: str = "stdlib",
    middleware: Sequence[Any] | None = None,
) -> Any:
    """The framework's own route objects for ``routes``, to compose into an app yourself.

    ``max_body_size`` and ``json_codec``: the routes' portable options, as in ``create_app``.
    ``middleware``: ``Middleware(cls, ...)`` entries around these routes only (Starlette's too).
    """
    table = RouteTable(_inside(routes, middleware), prefix, max_body_size=max_body_size, json_codec=json_codec)
    adapter = _plugins.get_adapter(framework)
    return adapter.native_routes(table)


def _inside(routes: Sequence[BaseRoute], middleware: Sequence[Any] | None) -> Sequence[BaseRoute]:
    """``routes``, each inside ``middleware`` (a ``Mount("")`` of them, which adds no prefix)."""
    return [Mount("", routes=list(routes), middleware=middleware)] if middleware else routes


def adapters() -> list[AdapterInfo]:
    """The installed adapters: versions, framework versions, capabilities, and what is missing."""
    return _plugins.adapter_infos()
