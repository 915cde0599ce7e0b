from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portable_endpoints import _plugins
from portable_endpoints.hosting import AdapterInfo
from portable_endpoints.routing import BaseRoute, RouteTable


def create_app(
    routes: Sequence[BaseRoute], *, framework: str, redirect_slashes: bool = True, **native_options: Any
) -> Any:
    """A new application of ``framework`` serving ``routes``: the framework's own app object.

    ``native_options`` go to the framework's app constructor untouched (``middleware``,
    ``exception_handlers``, ``debug``, ...). ``framework="asgi"`` is the built-in, framework-free host.

    Portable options, consumed here before the native ones reach the host: ``redirect_slashes``
    (default True, as ``Starlette()``): a request matching no route is redirected (307, query
    kept) to its slash-toggled twin when that matches; False answers 404 instead, on every host.
    """
    adapter = _plugins.get_adapter(framework)
    return adapter.create_app(RouteTable(routes, redirect_slashes=redirect_slashes), dict(native_options))


def mount(app: Any, routes: Sequence[BaseRoute], *, prefix: str = "") -> None:
    """Add ``routes`` under ``prefix`` to an existing app; its adapter is found from the app's type."""
    table = RouteTable(routes, prefix)
    _plugins.get_adapter_for_app(app).mount(app, table)


def native_routes(routes: Sequence[BaseRoute], *, framework: str, prefix: str = "") -> Any:
    """The framework's own route objects for ``routes``, to compose into an app yourself."""
    adapter = _plugins.get_adapter(framework)
    return adapter.native_routes(RouteTable(routes, prefix))


def adapters() -> list[AdapterInfo]:
    """The installed adapters: versions, framework versions, capabilities, and what is missing."""
    return _plugins.adapter_infos()
