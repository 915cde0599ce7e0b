"""What an endpoint's outcome becomes on Django: a Django response, or Django's own error response.

A neutral response becomes an ``HttpResponse`` (or a ``StreamingHttpResponse`` for streams and
files), so Django's middleware can read and change it and Django's handler sends it. Its headers
are the neutral ``raw_headers`` as they are: no Content-Type of Django's own, several Set-Cookie
headers kept (Django's ``response.cookies``, set by middleware, follow them). A background task
runs when Django closes the response, which its ASGI handler does after the last body message
(after a client that left mid-stream, by Starlette's rule for the server's spec version).
Django's own responses pass through untouched; any other ASGI app an endpoint answered with
(Starlette's responses, a mounted app) goes through the core's ``bridge_asgi_response`` into a
``StreamingHttpResponse``, whose closing finishes the app (its background).

``HTTPException`` becomes Django's error response for that status: 404, 403 and 400 go through
``response_for_exception`` (the URLconf's ``handler404`` / ``handler403`` / ``handler400``, or
Django's debug pages under ``DEBUG``), 405 is Django's ``HttpResponseNotAllowed``; other codes are
plain-text responses of the detail. The exception's headers are added to each.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

from portable_endpoints.background import BackgroundTask
from portable_endpoints.exceptions import HTTPException
from portable_endpoints.hosting import BridgedResponse, bridge_asgi_response
from portable_endpoints.requests import Request
from portable_endpoints.responses import ChunkedResponse, Response, close_iterator, host_sent_chunks, runs_background
from portable_endpoints_django._compat import (
    BadRequest,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    PermissionDenied,
    StreamingHttpResponse,
    async_to_sync,
    fill_headers,
    init_response,
    response_for_exception,
    sync_to_async,
)


class _Portable:
    """What the portable response classes add to Django's: raw Set-Cookie headers, a background task."""

    _pe_cookies: list[str]
    #: per repeated header (lower name): the joined value Django holds, and the values to send apart
    _pe_repeated: dict[str, tuple[str, list[str]]]
    _pe_background: BackgroundTask | Callable[[], Awaitable[None]] | None
    _pe_scope: dict[str, Any] | None = None
    _pe_portable: Response
    headers: Any

    def items(self) -> Iterable[tuple[str, str]]:
        # Django's ASGI handler sends items(), then response.cookies.
        repeated = self._pe_repeated
        if not self._pe_cookies and not repeated:
            return self.headers.items()  # type: ignore[no-any-return]
        lines: list[tuple[str, str]] = []
        for name, value in self.headers.items():
            kept = repeated.get(name.lower())
            if kept is not None and kept[0] == value:  # as the endpoint set it: one line per value
                lines.extend((name, one) for one in kept[1])
            else:
                lines.append((name, value))
        return [*lines, *(("Set-Cookie", cookie) for cookie in self._pe_cookies)]

    def close(self) -> None:
        # Django calls close() in a worker thread once the last body message is out.
        background, self._pe_background = self._pe_background, None
        try:
            if background is not None and (
                self._pe_scope is None or runs_background(self._pe_portable, self._pe_scope)
            ):
                async_to_sync(background)()
        finally:
            super().close()  # type: ignore[misc]


class PortableHttpResponse(_Portable, HttpResponse):
    def __init__(self, portable: Response, body: bytes) -> None:
        # HttpResponse.__init__ would add a Content-Type and re-validate every header; the neutral
        # response has settled them.
        init_response(self, portable.status_code, body)
        self._pe_cookies, self._pe_repeated = fill_headers(self, portable.raw_headers)
        self._pe_background = portable.background


class PortableStreamingHttpResponse(_Portable, StreamingHttpResponse):
    def __init__(self, portable: ChunkedResponse, chunks: AsyncIterator[bytes], scope: dict[str, Any]) -> None:
        super().__init__(chunks, status=portable.status_code)
        self._pe_cookies, self._pe_repeated = fill_headers(self, portable.raw_headers)
        self._pe_background = portable.background
        self._pe_chunks = chunks
        self._pe_scope = scope
        self._pe_portable = portable

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # Django closes only the outermost of its iterator wrappers when the client leaves;
        # the chunks are closed here, at once, not when the garbage collector gets to them.
        try:
            async for part in super().__aiter__():
                yield part
        finally:
            await close_iterator(self._pe_chunks)


class BridgedStreamingHttpResponse(_Portable, StreamingHttpResponse):
    """Any other ASGI app's answer (``bridge_asgi_response``): its status, raw headers and body
    chunks; closing the response finishes the app (its background), or cancels it if cut short."""

    def __init__(self, bridged: BridgedResponse) -> None:
        super().__init__(bridged.body, status=bridged.status)
        self._pe_cookies, self._pe_repeated = fill_headers(self, bridged.headers)
        self._pe_background = bridged.finish


async def _no_chunks() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover  (makes this an async generator)


async def django_response(result: Any, request: HttpRequest, portable: Request[Any]) -> Any:
    """The Django response for what ``run_endpoint`` returned: a neutral or a Django response, or
    any other ASGI app, answering ``portable`` through the core's bridge."""
    if isinstance(result, ChunkedResponse):
        # What this request gets: the response, or its 206/304/416 variant (a file's).
        result = await result.for_request(request.scope)  # type: ignore[attr-defined]
    if isinstance(result, ChunkedResponse):
        scope = request.scope  # type: ignore[attr-defined]
        chunks = _no_chunks() if request.method == "HEAD" else host_sent_chunks(result, scope)
        return PortableStreamingHttpResponse(result, chunks, scope)
    if isinstance(result, Response):
        return PortableHttpResponse(result, b"" if request.method == "HEAD" else result.body)
    if isinstance(result, HttpResponseBase):
        return result  # Django's own response passes through untouched
    return BridgedStreamingHttpResponse(await bridge_asgi_response(result, portable))


_DJANGO_ERRORS: dict[int, type[Exception]] = {404: Http404, 403: PermissionDenied, 400: BadRequest}


def _handled(request: HttpRequest, exc: Exception) -> Any:
    """Django's response for ``exc``, raised and caught here so its debug pages see ``sys.exc_info()``."""
    try:
        raise exc
    except Exception as raised:
        return response_for_exception(request, raised)


#: Request attribute of the handler's ``process_exception_by_middleware`` (set by the app's handler).
PROCESS_EXCEPTION = "_portable_process_exception"


async def django_error(exc: HTTPException, request: HttpRequest) -> Any:
    """Django's own response for the portable ``exc``, with its headers.

    In an app ``create_app`` built, middleware ``process_exception`` hooks see ``exc`` first, as
    they see any exception a view raises; the first response one returns is the answer.
    """
    process_exception = getattr(request, PROCESS_EXCEPTION, None)
    if process_exception is not None:
        handled = await sync_to_async(process_exception, thread_sensitive=True)(exc, request)
        if handled is not None:
            return handled
    headers = dict(exc.headers or {})
    django_exception = _DJANGO_ERRORS.get(exc.status_code)
    if django_exception is not None:
        response = await sync_to_async(_handled, thread_sensitive=False)(request, django_exception(exc.detail))
    elif exc.status_code == 405:
        allow = headers.pop("Allow", None) or headers.pop("allow", "")
        response = HttpResponseNotAllowed([method.strip() for method in allow.split(",") if method.strip()])
    elif exc.status_code in (204, 304):
        response = HttpResponse(status=exc.status_code)
        del response.headers["Content-Type"]
    else:
        response = HttpResponse(exc.detail, status=exc.status_code, content_type="text/plain; charset=utf-8")
    for key, value in headers.items():
        response.headers[key] = value
    return response
