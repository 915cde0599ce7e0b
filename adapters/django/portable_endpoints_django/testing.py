"""The Django host's native kit, for the conformance suite (``pe_native_kit``).

A native Django app is what a project's asgi.py builds: a Channels ``ProtocolTypeRouter`` over
Django's ``ASGIHandler`` and a ``URLRouter``. Settings are process-wide and the suite builds many
apps, so each app's handler serves a URLconf of its own (``request.urlconf``, as Django lets
middleware or handlers choose), instead of ``ROOT_URLCONF``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from portable_endpoints import create_app
from portable_endpoints.exceptions import HTTPException
from portable_endpoints.routing import BaseRoute
from portable_endpoints_django._app import URLConf
from portable_endpoints_django._compat import (
    ASGIHandler,
    HttpRequest,
    HttpResponse,
    ProtocolTypeRouter,
    Resolver404,
    URLRouter,
)
from portable_endpoints_django._routes import below_root_path
from portable_endpoints_django._settings import ensure_configured

_ids = itertools.count()


def _read_outcome(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


class URLConfHandler(ASGIHandler):
    """Django's ASGI handler answering from ``urlconf`` (``mount`` adds to its ``urlpatterns``)."""

    def __init__(self, urlconf: URLConf) -> None:
        super().__init__()
        self.urlconf = urlconf

    async def get_response_async(self, request: Any) -> Any:
        request.urlconf = self.urlconf
        return await super().get_response_async(request)

    async def listen_for_disconnect(self, receive: Any) -> None:
        # Django before 6.1 waits for the first of this task and the view and never reads this task's
        # RequestAborted: a disconnect that follows the response at once (as uvicorn's and the test
        # client's do) leaves "Task exception was never retrieved" for the garbage collector. The
        # exception is still raised (Django 6.1's TaskGroup cancels the view with it), and read here.
        task = asyncio.current_task()
        if task is not None:
            task.add_done_callback(_read_outcome)
        await super().listen_for_disconnect(receive)


class RejectUnmatched:
    """Channels middleware: a WebSocket no route matches is rejected (403), not a ``ValueError``.

    It routes on the path below ``root_path`` (a nested router's ``path_remaining``), which every
    Channels version honours; ``mount`` finds the ``URLRouter`` through its ``inner``.
    """

    def __init__(self, inner: URLRouter) -> None:
        self.inner = inner

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.inner(dict(scope, path_remaining=below_root_path(scope)), receive, send)
        except Resolver404:
            await send({"type": "websocket.close", "code": 1000, "reason": ""})


class HandleStatuses:
    """Middleware answering a portable ``HTTPException`` of ``status_codes`` (``process_exception``)."""

    status_codes: frozenset[int] = frozenset()
    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Awaitable[Any]]) -> None:
        self.get_response = get_response
        from asgiref.sync import markcoroutinefunction

        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> Any:
        return await self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, HTTPException) or exception.status_code not in self.status_codes:
            return None
        text = f"handled {exception.status_code}: {exception.detail}"
        return HttpResponse(text, status=299, headers=exception.headers, content_type="text/plain")


class DjangoKit:
    request_type = HttpRequest
    websocket_type = None  # Channels has no connection object outside a consumer

    def app_with_native_route(self, path: str, text: str, native_routes: Any = None) -> ProtocolTypeRouter:
        from django.urls import path as django_path

        ensure_configured({})

        async def native(request: HttpRequest) -> HttpResponse:
            return HttpResponse(text, content_type="text/plain")

        urlpatterns: list[Any] = [django_path(path.lstrip("/"), native, name="native")]
        websocket_urlpatterns: list[Any] = []
        if native_routes is not None:
            urlpatterns += native_routes.urlpatterns
            websocket_urlpatterns += native_routes.websocket_urlpatterns
        return ProtocolTypeRouter(
            {
                "http": URLConfHandler(URLConf(urlpatterns, {})),
                "websocket": RejectUnmatched(URLRouter(websocket_urlpatterns)),
            }
        )

    def app_with_error_handlers(self, routes: Sequence[BaseRoute], status_codes: Sequence[int]) -> Any:
        # Django's handlers per status are its middleware's process_exception (handler404 and the
        # like exist for 400, 403, 404 and 500 only): one middleware class per app, by import path.
        name = f"HandleStatuses{next(_ids)}"
        globals()[name] = type(name, (HandleStatuses,), {"status_codes": frozenset(status_codes)})
        return create_app(routes, framework="django", MIDDLEWARE=[f"{__name__}.{name}"])

    def native_response(
        self, text: str, *, status_code: int, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> HttpResponse:
        response = HttpResponse(text, status=status_code, headers=dict(headers), content_type="text/plain")
        for key, value in cookies.items():
            response.set_cookie(key, value)
        return response


NATIVE_KIT = DjangoKit()
