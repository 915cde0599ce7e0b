"""Django (HTTP) and Channels (WebSocket) adapter for portable-endpoints.

``pe.create_app(routes, framework="django")`` builds an ASGI app; ``pe.native_routes(routes,
framework="django")`` gives ``urlpatterns`` and ``websocket_urlpatterns`` to compose into a
project; ``enforce_csrf(urlpatterns)`` puts portable views under Django's CSRF check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from portable_endpoints_django._routes import DjangoRoutes, enforce_csrf

__all__ = ["DjangoRoutes", "enforce_csrf"]


def __getattr__(name: str) -> Any:
    # Imported on first use: loading the plugin (``portable_endpoints_django.plugin``) imports this
    # package, and must not import Django and Channels for an app on another host.
    if name in __all__:
        from portable_endpoints_django import _routes

        return getattr(_routes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
