"""Django middleware and views the Django-only tests install by import path."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse, HttpResponseBase


class Stamp:
    """Adds ``x-middleware`` to every response and records what ``process_view`` saw."""

    sync_capable = False
    async_capable = True
    seen: list[Any] = []

    def __init__(self, get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]]) -> None:
        assert iscoroutinefunction(get_response)
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.stamped = True  # type: ignore[attr-defined]
        response = await self.get_response(request)
        response.headers["x-middleware"] = "stamped"
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]) -> None:
        Stamp.seen.append((view.__name__, dict(kwargs)))


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A project's own handler404."""
    return HttpResponse(f"custom 404: {exception}", status=404, content_type="text/plain")


def native_view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse(f"native {sorted(kwargs.items())}", content_type="text/plain")
