"""The project's ASGI entry point: Django for HTTP, Channels (with its session middleware) for WebSocket."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pe_django_project.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()  # before importing anything that touches models

from channels.routing import ProtocolTypeRouter, URLRouter
from channels.sessions import SessionMiddlewareStack
from django.urls import path

import portable_endpoints as pe
from pe_django_project.endpoints import websocket_routes

websocket_urlpatterns = pe.native_routes(websocket_routes, framework="django").websocket_urlpatterns

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SessionMiddlewareStack(URLRouter([path("ws/", URLRouter(websocket_urlpatterns))])),
    }
)
