"""The project's ASGI entry point: Django for HTTP, Channels (with its session middleware) for WebSocket."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pe_django_project.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()  # before importing anything that touches models

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402
from django.urls import path  # noqa: E402

import portable_endpoints as pe  # noqa: E402
from pe_django_project.endpoints import websocket_routes  # noqa: E402

websocket_urlpatterns = pe.native_routes(websocket_routes, framework="django").websocket_urlpatterns

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SessionMiddlewareStack(URLRouter([path("ws/", URLRouter(websocket_urlpatterns))])),
    }
)
