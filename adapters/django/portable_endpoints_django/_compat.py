"""Every Django and Channels name the adapter uses, and every internal it touches, in one place.

Supported: Django 5.2 to 6.x, Channels 4.1 to 4.3. Each internal beyond the documented API
(a private attribute, a method overridden) has a test in ``tests/test_django_compat.py``, so a
release that moves one fails that one named test.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from asgiref.sync import async_to_sync, iscoroutinefunction, markcoroutinefunction, sync_to_async
from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.exceptions import BadRequest, PermissionDenied, RequestAborted
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, StreamingHttpResponse
from django.http.cookie import SimpleCookie
from django.http.response import HttpResponseBase, ResponseHeaders
from django.urls import NoReverseMatch, Resolver404, reverse
from django.urls.resolvers import RegexPattern, RoutePattern, URLPattern, URLResolver

T = TypeVar("T")


class LazyRegexPattern(RegexPattern):
    """A ``RegexPattern`` whose regex source is written on first use, by ``regex_source()``.

    Django keeps the source in the private ``_regex`` (set by ``__init__``, read when it compiles
    ``regex``, by its checks and by ``reverse()``); a pattern that only ever matches by its own
    ``match`` never needs it.
    """

    def regex_source(self) -> str:
        raise NotImplementedError

    @property
    def _regex(self) -> str:
        found: str | None = self.__dict__.get("_pe_regex")
        if found is None:
            found = self.__dict__["_pe_regex"] = self.regex_source()
        return found

    @_regex.setter
    def _regex(self, value: str) -> None:
        """What ``RegexPattern.__init__`` passes is a placeholder: ``regex_source()`` gives the source."""


__all__ = [
    "ASGIHandler",
    "BadRequest",
    "Http404",
    "HttpRequest",
    "HttpResponse",
    "HttpResponseBase",
    "HttpResponseNotAllowed",
    "LazyRegexPattern",
    "NoReverseMatch",
    "PermissionDenied",
    "ProtocolTypeRouter",
    "RequestAborted",
    "RegexPattern",
    "Resolver404",
    "RoutePattern",
    "ResponseHeaders",
    "SimpleCookie",
    "StreamingHttpResponse",
    "URLPattern",
    "URLResolver",
    "URLRouter",
    "all_permissions",
    "async_to_sync",
    "body_is_on_disk",
    "cached_body",
    "django_user",
    "fill_headers",
    "has_exception_middleware",
    "init_response",
    "iscoroutinefunction",
    "load_middleware",
    "markcoroutinefunction",
    "read_body",
    "response_for_exception",
    "reverse",
    "sync_to_async",
    "to_thread",
]


def body_is_on_disk(request: HttpRequest) -> bool:
    """Whether Django spooled the request body to a temporary file (reading it would block).

    ``ASGIRequest._stream`` is the handler's ``SpooledTemporaryFile``; ``_rolled`` is its "on disk".
    """
    return bool(getattr(getattr(request, "_stream", None), "_rolled", False))


def cached_body(request: HttpRequest) -> bytes | None:
    """``request.body`` if something has read it already (``HttpRequest._body``), else None."""
    return getattr(request, "_body", None)


def init_response(response: Any, status: int, body: bytes) -> None:
    """What ``HttpResponse.__init__`` sets, without its Content-Type default and header checks.

    The attributes are the same from Django 5.2 to 6.x; headers are filled by ``fill_headers``.
    """
    response.headers = ResponseHeaders({})
    response._charset = None
    response._resource_closers = []
    response._handler_class = None
    response.cookies = SimpleCookie()
    response.closed = False
    response.status_code = status
    response._reason_phrase = None
    response._container = [body]


async def to_thread(func: Callable[[], T]) -> T:
    import anyio.to_thread  # on first use: Django need not import it

    return await anyio.to_thread.run_sync(func)


def fill_headers(
    response: Any, raw: Iterable[tuple[bytes, bytes]]
) -> tuple[list[str], dict[str, tuple[str, list[str]]]]:
    """Put ASGI ``raw`` headers into a Django response as they are; returns the Set-Cookie values
    and, per repeated header (by lower name), its joined value and its values one by one.

    Django keeps one value per header name (``ResponseHeaders``, a case-insensitive mapping of
    ``lower name -> (name, value)``), so repeated headers are joined with ", " there, for middleware
    to read; the response sends them apart again (one line each, as on every host) unless
    middleware changed the joined value. Set-Cookie headers, which cannot be joined, are returned
    for the response to send apart. The neutral response has already refused CR and LF in values.
    """
    store: dict[str, tuple[str, str]] = response.headers._store
    store.clear()
    cookies = []
    values: dict[str, list[str]] = {}
    for key, value in raw:
        name = key.decode("latin-1")
        text = value.decode("latin-1")
        lower = name.lower()
        if lower == "set-cookie":
            cookies.append(text)
            continue
        present = store.get(lower)
        store[lower] = (name, text) if present is None else (present[0], f"{present[1]}, {text}")
        values.setdefault(lower, []).append(text)
    repeated = {lower: (store[lower][1], each) for lower, each in values.items() if len(each) > 1}
    return cookies, repeated


async def read_body(handler: ASGIHandler, receive: Any) -> Any:
    """``ASGIHandler.read_body``, without a temporary-file object for a small body in one message.

    Django spools every body into a ``SpooledTemporaryFile`` (about 10 µs even when empty); a body
    that arrives whole and fits in ``FILE_UPLOAD_MAX_MEMORY_SIZE`` is held in memory by that file
    anyway, so a ``BytesIO`` serves the request the same. Anything else goes Django's own way,
    the first message handed back to it.
    """
    from django.conf import settings

    first = await receive()
    if first["type"] == "http.request" and not first.get("more_body", False):
        body = first.get("body", b"")
        if len(body) <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE:
            return io.BytesIO(body)
    replayed = False

    async def replay() -> Any:
        nonlocal replayed
        if not replayed:
            replayed = True
            return first
        return await receive()

    return await ASGIHandler.read_body(handler, replay)


def has_exception_middleware(handler: ASGIHandler) -> bool:
    """Whether ``handler``'s middleware chain has ``process_exception`` hooks (``_exception_middleware``)."""
    return bool(getattr(handler, "_exception_middleware", None))


def load_middleware(handler: ASGIHandler, middleware: list[str] | None) -> None:
    """Build ``handler``'s middleware chain from ``middleware`` (``settings.MIDDLEWARE`` when None).

    Django reads the list from the settings; an app with a list of its own swaps it in for the
    time of the build, which only happens when an app is created.
    """
    if middleware is None:
        handler.load_middleware(is_async=True)
        return
    from django.test.utils import override_settings

    with override_settings(MIDDLEWARE=list(middleware)):
        handler.load_middleware(is_async=True)


async def django_user(request: HttpRequest) -> Any | None:
    """The user Django's ``AuthenticationMiddleware`` gives ``request``, loaded without blocking the
    event loop (``request.auser()``: the lazy ``request.user`` would query the database
    synchronously); None when that middleware is not installed (it sets ``request.auser``)."""
    auser = getattr(request, "auser", None)
    return None if auser is None else await auser()


async def all_permissions(user: Any) -> set[str]:
    """``user.get_all_permissions()`` ("app_label.codename"), without blocking the event loop.

    ``aget_all_permissions`` from Django 5.2; before, the sync method in Django's thread. A custom
    user model without ``PermissionsMixin`` has none.
    """
    method = getattr(user, "aget_all_permissions", None)
    if method is not None:
        return set(await method())
    if not hasattr(user, "get_all_permissions"):
        return set()
    return set(await sync_to_async(user.get_all_permissions)())
