"""The ``django`` adapter: ``create_app``, ``native_routes`` and ``mount``."""

from __future__ import annotations

from typing import Any

from portable_endpoints.routing import RouteTable
from portable_endpoints_django._app import PortableDjangoApp, mount_on_router
from portable_endpoints_django._compat import URLRouter
from portable_endpoints_django._routes import DjangoRoutes, build_routes


class DjangoAdapter:
    name = "django"

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> PortableDjangoApp:
        """An ASGI app over Django and Channels; see ``PortableDjangoApp`` for the options."""
        return PortableDjangoApp(table, options)

    def native_routes(self, table: RouteTable) -> DjangoRoutes:
        """``urlpatterns`` for a project's urls.py and ``websocket_urlpatterns`` for its asgi.py."""
        return build_routes(table)

    def mount(self, app: Any, table: RouteTable) -> None:
        """Add ``table`` to an app ``create_app`` built, or its WebSocket routes to a Channels ``URLRouter``."""
        if isinstance(app, URLRouter):
            mount_on_router(app, table)
        else:
            app.include(table)


ADAPTER = DjangoAdapter()
