"""The ``falcon`` adapter: a route table on a new ``falcon.asgi.App``, on an existing one, or as a sink.

Every table placed on one app is served by the same ``PortableSink``, registered once with
``app.add_sink``: Starlette's router then chooses among all of the app's portable routes in the
order they were added, across ``create_app`` and each ``pe.mount``. The app's own routes
(``add_route``) come first, as Falcon tries its router before its sinks.
"""

from __future__ import annotations

from typing import Any

import falcon.asgi

from portable_endpoints.routing import RouteTable
from portable_endpoints_falcon import _compat
from portable_endpoints_falcon._app import App, give_channel
from portable_endpoints_falcon._sink import PortableSink


def installed_sink(app: falcon.asgi.App[Any, Any]) -> PortableSink:
    """The app's portable sink, registered on first use."""
    for sink in _compat.sinks(app):
        owner = getattr(sink, "__self__", None)
        if isinstance(owner, PortableSink) and owner.app is app:
            return owner
    portable = PortableSink(app)
    app.add_sink(portable.serve, portable.prefix)  # type: ignore[arg-type]  # any object with match()
    return portable


class FalconAdapter:
    name = "falcon"

    def native_routes(self, table: RouteTable) -> PortableSink:
        """A ``PortableSink``: register it with ``app.add_sink(sink.serve, sink.prefix)``."""
        sink = PortableSink()
        sink.include(table)
        return sink

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> falcon.asgi.App[Any, Any]:
        """An ``App(**options)``, a ``falcon.asgi.App``, serving ``table`` (``redirect_slashes`` as given)."""
        app = App(**options)
        table.resolves_here = True
        sink = installed_sink(app)
        if _compat.routes_only_through_sink(app):  # middleware or a router given in options: Falcon's way
            app.serve_directly = sink.serve_directly
        sink.redirect_slashes = table.redirect_slashes
        sink.include(table)
        return app

    def mount(self, app: falcon.asgi.App[Any, Any], table: RouteTable) -> None:
        """Add ``table`` after the app's own routes and its earlier portable tables."""
        table.resolves_here = True
        give_channel(app)
        installed_sink(app).include(table)

    def host_paths(self, table: RouteTable) -> list[str]:
        """Each route's path: the sink matches the portable paths themselves."""
        return [route.path for route in table]


ADAPTER = FalconAdapter()
