"""The ``sanic`` adapter: a route table on a new ``sanic.Sanic``, on an existing one, or as a ``Blueprint``.

Every table placed on one app is served by the same catch-all route (see ``_routes``), registered
once: Starlette's router then chooses among all of the app's portable routes in the order they
were added, across ``create_app``, each ``pe.mount`` and each blueprint from ``native_routes``.
"""

from __future__ import annotations

import itertools
from typing import Any

import sanic

from portable_endpoints.exceptions import ConfigurationError
from portable_endpoints.routing import RouteTable
from portable_endpoints_sanic import _compat
from portable_endpoints_sanic._app import App
from portable_endpoints_sanic._compat import SanicApp
from portable_endpoints_sanic._routes import installed

_ids = itertools.count(1)


def unique_name(kind: str) -> str:
    """A Sanic app or blueprint name no other one of this process has (Sanic refuses duplicates)."""
    return f"portable_endpoints_{kind}_{next(_ids)}"


class PortableBlueprint(sanic.Blueprint):
    """What ``native_routes`` returns: ``app.blueprint(blueprint)`` adds its table to the app's portable routes.

    The table's paths are whole (give a prefix to ``pe.native_routes(routes, prefix=...)``): a
    ``url_prefix`` of Sanic's is refused, as Sanic would only prefix the catch-all route.
    """

    __slots__ = ("table",)

    def __init__(self, table: RouteTable, name: str | None = None) -> None:
        super().__init__(name or unique_name("blueprint"))
        self.table = table

    def register(self, app: SanicApp, options: dict[str, Any]) -> None:
        url_prefix = options.get("url_prefix", self.url_prefix)
        if url_prefix:
            raise ConfigurationError(
                f"A portable blueprint takes no url_prefix ({url_prefix!r}): "
                "give it to pe.native_routes(routes, prefix=...) instead"
            )
        installed(app).include(self.table)
        register: Any = super().register  # untyped in Sanic
        register(app, options)


class SanicAdapter:
    name = "sanic"

    def native_routes(self, table: RouteTable) -> PortableBlueprint:
        """A ``Blueprint`` to register yourself: ``app.blueprint(blueprint)``, before the app starts."""
        return PortableBlueprint(table)

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> App:
        """An ``App(name, **options)``, a ``sanic.Sanic``, serving ``table`` (``redirect_slashes`` as given).

        ``name`` defaults to a name unique in the process, as Sanic requires. Sanic's TouchUp
        (a rewrite of its own server's code at startup, unused in ASGI mode) is off unless
        ``config`` turns it on, so that several apps can start in one process.
        """
        if "middleware" in options:
            raise ConfigurationError(
                f"Sanic has no middleware option of its own for {options['middleware']!r}: declare each one "
                "as Middleware(cls, *args, **kwargs) (portable_endpoints.middleware), or register Sanic "
                "middleware on the app (@app.on_request, @app.on_response)"
            )
        # A library's app leaves the process's logging alone (a Sanic app configures it, printing its
        # startup lines on stdout); configure_logging=True asks for Sanic's.
        options.setdefault("configure_logging", False)
        app = App(options.pop("name", None) or unique_name("app"), **options)
        _compat.skip_touchup(app)
        table.resolves_here = True
        routes = installed(app)
        routes.redirect_slashes = table.redirect_slashes
        routes.include(table)
        return app

    def mount(self, app: SanicApp, table: RouteTable) -> None:
        """Add ``table`` after the app's own routes and its earlier portable tables (before the app starts)."""
        table.resolves_here = True
        installed(app).include(table)

    def host_paths(self, table: RouteTable) -> list[str]:
        """Each route's path: the catch-all route matches the portable paths themselves."""
        return [route.path for route in table]


ADAPTER = SanicAdapter()
