from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portable_endpoints import _plugins
from portable_endpoints.hosting import AdapterInfo
from portable_endpoints.routing import BaseRoute, Mount, RouteTable


def create_app(
    routes: Sequence[BaseRoute],
    *,
    framework: str,
    redirect_slashes: bool = True,
    max_body_size: int | None = None,
    json_codec: str = "stdlib",
    **native_options: Any,
) -> Any:
    """A new application of ``framework`` serving ``routes``: the framework's own app object.

    ``max_body_size`` is the portable default body limit of every route (an endpoint's own
    ``max_body_size`` wins when smaller, and so does the host's limit): a larger body is a 413 on
    every host. ``native_options`` go to the framework's app constructor untouched (``middleware``,
    ``exception_handlers``, ``debug``, ...). ``framework="asgi"`` is the built-in, framework-free host.

    Portable options, consumed here before the native ones reach the host: ``redirect_slashes``
    (default True, as ``Starlette()``): a request matching no route is redirected (307, query
    kept) to its slash-toggled twin when that matches; False answers 404 instead, on every host.
    ``json_codec`` (``"stdlib"``, ``"msgspec"``, ``"orjson"``) is what ``JSONResponse``,
    ``request.json()`` and WebSocket JSON use on these routes.
    """
    table = RouteTable(routes, redirect_slashes=redirect_slashes, max_body_size=max_body_size, json_codec=json_codec)
    adapter = _plugins.get_adapter(framework)
    return adapter.create_app(table, dict(native_options))


def mount(
    app: Any,
    routes: Sequence[BaseRoute],
    *,
    prefix: str = "",
    max_body_size: int | None = None,
    json_codec: str = "stdlib",
    middleware: Sequence[Any] | None = None,
) -> None:
    """Add ``routes`` under ``prefix`` to an existing app; its adapter is found from the app's type.

    ``max_body_size`` and ``json_codec``: the routes' portable options, as in ``create_app``.
    ``middleware``: ``Middleware(cls, ...)`` entries around these routes only (Starlette's too).
    """
    table = RouteTable(_inside(routes, middleware), prefix, max_body_size=max_body_size, json_codec=json_codec)
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
