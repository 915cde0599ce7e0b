"""The native Django baseline: async views on Django's ASGI handler, a Channels ``AsyncWebsocketConsumer``.

Settings are process-wide, so both sides of the comparison run on the same ones, configured here:
the adapter's minimal settings, this module as ``ROOT_URLCONF`` (the native side's URLconf; the
portable app routes with its own) and ``CommonMiddleware`` for both, as a deployed project has
it (it also gives the native responses their Content-Length).
"""

from __future__ import annotations

import json
from typing import Any

from portable_endpoints.types import ASGIApp

SETTINGS: dict[str, Any] = {
    "ROOT_URLCONF": "bench.django_native",
    "MIDDLEWARE": ["django.middleware.common.CommonMiddleware"],
    "SECRET_KEY": "bench-only",
}


def configure() -> None:
    from portable_endpoints_django._settings import ensure_configured

    ensure_configured(SETTINGS)


def _urlpatterns() -> list[Any]:
    from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
    from django.urls import path

    async def plain(request: HttpRequest) -> HttpResponse:
        return HttpResponse("Hello, world!", content_type="text/plain; charset=utf-8")

    async def user(request: HttpRequest, user_id: int) -> HttpResponse:
        return HttpResponse(f"Hello, user {user_id}", content_type="text/plain; charset=utf-8")

    async def echo(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        compact = {"separators": (",", ":"), "ensure_ascii": False}
        return JsonResponse(json.loads(request.body), safe=False, json_dumps_params=compact)

    return [path("plain", plain), path("users/<int:user_id>", user), path("echo", echo), path("echo-fast", echo)]


def __getattr__(name: str) -> Any:
    # Django imports this module as ROOT_URLCONF once settings exist; the views need them first.
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def django_app() -> ASGIApp:
    configure()
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.core.asgi import get_asgi_application
    from django.urls import path

    class Echo(AsyncWebsocketConsumer):  # type: ignore[misc]
        async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
            await self.send(text_data=text_data)

    app: ASGIApp = ProtocolTypeRouter(
        {"http": get_asgi_application(), "websocket": URLRouter([path("ws", Echo.as_asgi())])}
    )
    return app
