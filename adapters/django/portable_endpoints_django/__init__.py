"""Django (HTTP) and Channels (WebSocket) adapter for portable-endpoints.

``pe.create_app(routes, framework="django")`` builds an ASGI app; ``pe.native_routes(routes,
framework="django")`` gives ``urlpatterns`` and ``websocket_urlpatterns`` to compose into a
project; ``enforce_csrf(urlpatterns)`` puts portable views under Django's CSRF check.
"""

from portable_endpoints_django._routes import DjangoRoutes, enforce_csrf

__all__ = ["DjangoRoutes", "enforce_csrf"]
