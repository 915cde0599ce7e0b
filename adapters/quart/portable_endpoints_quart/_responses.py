"""What an endpoint's outcome becomes on Quart: a Quart response, or Quart's own HTTP error.

A neutral response becomes a real ``quart.Response``, so ``after_request`` hooks, session saving
and Quart's sending all apply. Its headers are the neutral ``raw_headers``, in order, duplicates
kept, with no Content-Type or Content-Length of Quart's own. A background task is left in the
scope for the app wrapper (``_asgi``), which runs it once the last body message has gone out.
Quart's or werkzeug's own response objects pass through untouched.

A portable ``HTTPException`` becomes werkzeug's, which Quart handles, so ``app.errorhandler``
applies to it. Werkzeug has a class per status code (``NotFound``, ``MethodNotAllowed``...) and
error handlers are looked up by code and class, so the portable error is an instance of a
subclass of the right one, which also sends the portable ``headers``; a 405 fills in
``valid_methods``, which werkzeug turns into the ``Allow`` header.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable
from typing import Any, TypeGuard, cast

import quart
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException as WerkzeugHTTPException
from werkzeug.exceptions import MethodNotAllowed, default_exceptions
from werkzeug.sansio.response import Response as SansIOResponse

from portable_endpoints.exceptions import HTTPException
from portable_endpoints.hosting import bridge_asgi_response
from portable_endpoints.requests import Request
from portable_endpoints.responses import ChunkedResponse, Response, host_sent_chunks
from portable_endpoints_quart import _compat

#: Scope key of a neutral response with a background task, run after the response by the app wrapper.
BACKGROUND = "portable_endpoints.background"
#: Scope key of a bridged ASGI response, finished (or cancelled) by the app wrapper after the response.
BRIDGED = "portable_endpoints.bridged"
RawHeaders = list[tuple[bytes, bytes]]


class PortableResponse(quart.Response):
    """A neutral response on Quart: its status, its headers as they are, its body; nothing added."""

    default_mimetype = None  # type: ignore[assignment]  # werkzeug's own default is None too
    automatically_set_content_length = False

    def __init__(self, body: bytes | AsyncIterator[bytes], status: int, raw_headers: RawHeaders) -> None:
        # Everything Quart's constructor would set, without its Content-Type defaulting and body
        # measuring, which a neutral response must not get (and every request would pay for).
        headers = Headers()
        # The neutral response has already refused CR and LF in values, which Headers() re-checks.
        _compat.set_header_list(headers, [_header(pair) for pair in raw_headers])
        self.headers = headers
        _compat.set_status(self, status)
        # Quart stops sending after RESPONSE_TIMEOUT (60 s by default) and leaves the response
        # unfinished; on every other host a response is sent whole, however long it takes (an
        # endless stream or event stream until its client leaves, which Quart does notice).
        self.timeout = None
        if isinstance(body, bytes):
            self.response = self.data_body_class(body)
        else:
            self.response = self.iterable_body_class(body)


class _Latin1(str):
    """A header value whose bytes are latin-1, as ASGI has them; Quart encodes values as UTF-8."""

    __slots__ = ()

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return str.encode(self, "latin-1", errors)


#: Decoded header pairs by their bytes: most responses repeat a few (content types, small lengths).
_DECODED: dict[tuple[bytes, bytes], tuple[str, str]] = {}
_DECODED_MAX = 4096


def _header(pair: tuple[bytes, bytes]) -> tuple[str, str]:
    cacheable = type(pair) is tuple  # a list pair (unhashable) is decoded every time
    decoded = _DECODED.get(pair) if cacheable else None
    if decoded is None:
        key, value = pair
        decoded = (key.decode("latin-1"), _value(value))
        if cacheable and len(_DECODED) < _DECODED_MAX and len(value) <= 128:
            _DECODED[pair] = decoded
    return decoded


def _value(raw: bytes) -> str:
    value = raw.decode("latin-1")
    return value if raw.isascii() else _Latin1(value)


def is_quart_response(value: object) -> TypeGuard[SansIOResponse]:
    """Quart's or werkzeug's own response objects, which pass through untouched."""
    return isinstance(value, SansIOResponse)


async def quart_response(result: Any, request: Request[Any]) -> SansIOResponse:
    """The Quart response for what an endpoint returned (``run_endpoint`` checked it is one).

    Any other ASGI app (Starlette's responses, a mounted app) answers through the core's bridge:
    its status, headers and body chunks become a streaming Quart response, and the app wrapper
    awaits the rest of its work (its background) once the response is out.
    """
    scope = request.scope
    if isinstance(result, Response):
        if isinstance(result, ChunkedResponse):
            # What this request gets: the response, or its 206/304/416 variant (a file's).
            result = await result.for_request(scope)
        if result.background is not None:
            scope[BACKGROUND] = result
        if isinstance(result, ChunkedResponse):
            body = b"" if scope["method"] == "HEAD" else host_sent_chunks(result, scope)
            return PortableResponse(body, result.status_code, result.raw_headers)
        return PortableResponse(
            b"" if scope["method"] == "HEAD" else result.body, result.status_code, result.raw_headers
        )
    if is_quart_response(result):
        return result  # Quart's or werkzeug's own response passes through untouched
    bridged = await bridge_asgi_response(result, request)
    scope[BRIDGED] = bridged
    return PortableResponse(_compat.as_async_generator(bridged.body), bridged.status, bridged.headers)


class _WithHeaders(WerkzeugHTTPException):
    portable_headers: list[tuple[str, str]] = []

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [*super().get_headers(*args, **kwargs), *self.portable_headers]

    def get_response(self, *args: Any, **kwargs: Any) -> Any:  # Quart sends its own kind too
        if self.code in _BODYLESS:
            # As on Starlette: the headers given and nothing else; werkzeug would add a body.
            raw = [(key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in self.portable_headers]
            return PortableResponse(b"", self.code or 500, raw)
        return super().get_response(*args, **kwargs)


_BODYLESS = (204, 304)


@functools.cache
def _error_class(status_code: int) -> type[_WithHeaders]:
    base = default_exceptions.get(status_code)
    if base is None:  # a code werkzeug has no class for (499, 304...): one of its own, matched by code
        base = type(f"HTTP{status_code}", (WerkzeugHTTPException,), {"code": status_code, "description": None})
    return cast("type[_WithHeaders]", type(f"Portable{base.__name__}", (_WithHeaders, base), {}))


def quart_error(exc: HTTPException) -> _WithHeaders:
    """The werkzeug exception Quart handles for the portable ``exc``."""
    error = _error_class(exc.status_code)(description=exc.detail)
    headers: Iterable[tuple[str, str]] = exc.headers.items() if exc.headers else ()
    if isinstance(error, MethodNotAllowed):
        extra = []
        for key, value in headers:
            if key.lower() == "allow":
                error.valid_methods = [method.strip() for method in value.split(",")]
            else:
                extra.append((key, value))
        headers = extra
    error.portable_headers = list(headers)
    return error
