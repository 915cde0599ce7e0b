"""What an endpoint's outcome becomes on Falcon: the responder's ``resp`` filled in, or Falcon's own error.

Falcon responders answer by setting ``resp``, and Falcon sends it (after its ``process_response``
middleware, CORS included). A neutral response therefore fills in ``resp``: its status, its raw
headers as they are (repeated ones as separate lines, no default ``Content-Type`` of Falcon's),
its body as ``resp.data``. A chunked one (a stream, a file) runs as the ASGI app it is through the
core's ``bridge_asgi_response``, and Falcon streams its body from the bridge: Falcon never listens
for a client that leaves, the response does (Starlette's rules, with the server's own
``receive``), and its chunks stop at once. A background task runs once the response has been
sent: in the request's ASGI call on an app with ``App``'s call (see ``_app``), else through
Falcon's ``resp.schedule``.

An endpoint may also return a ``falcon.asgi.Response`` it built: that response is what Falcon
sends. Any other ASGI response object (a class with an ASGI ``__call__`` of its own) is sent on
the server's channel as it is on an app with ``App``'s call; elsewhere it goes through the bridge
too, its status, headers and body chunks becoming ``resp``.

A portable ``HTTPException`` becomes Falcon's ``HTTPError`` of the most specific class Falcon has
for its status (``falcon.HTTPNotFound``, ``falcon.HTTPMethodNotAllowed``...), so the app's error
handlers, registered per exception class, apply; ``error_class(status_code)`` names that class,
one of this adapter's own for a status Falcon has no class for.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import falcon
import falcon.asgi

from portable_endpoints.exceptions import HTTPException
from portable_endpoints.hosting import bridge_asgi_response
from portable_endpoints.requests import Request
from portable_endpoints.responses import ChunkedResponse, Response, close_iterator
from portable_endpoints.types import ASGIApp
from portable_endpoints_falcon import _compat
from portable_endpoints_falcon._app import Channel

#: Falcon's error class of each status, by name: looked up, since the set varies by Falcon version.
_FALCON_ERRORS = {
    400: "HTTPBadRequest",
    401: "HTTPUnauthorized",
    403: "HTTPForbidden",
    404: "HTTPNotFound",
    405: "HTTPMethodNotAllowed",
    406: "HTTPNotAcceptable",
    409: "HTTPConflict",
    410: "HTTPGone",
    411: "HTTPLengthRequired",
    412: "HTTPPreconditionFailed",
    413: "HTTPPayloadTooLarge",
    414: "HTTPUriTooLong",
    415: "HTTPUnsupportedMediaType",
    416: "HTTPRangeNotSatisfiable",
    422: "HTTPUnprocessableEntity",
    423: "HTTPLocked",
    424: "HTTPFailedDependency",
    428: "HTTPPreconditionRequired",
    429: "HTTPTooManyRequests",
    431: "HTTPRequestHeaderFieldsTooLarge",
    451: "HTTPUnavailableForLegalReasons",
    500: "HTTPInternalServerError",
    501: "HTTPNotImplemented",
    502: "HTTPBadGateway",
    503: "HTTPServiceUnavailable",
    504: "HTTPGatewayTimeout",
    505: "HTTPVersionNotSupported",
    507: "HTTPInsufficientStorage",
    508: "HTTPLoopDetected",
    511: "HTTPNetworkAuthenticationRequired",
}
_BODYLESS = (204, 304)
#: The ``__call__`` of neutral responses whose messages are their status, headers and body (or
#: chunks): those fill in ``resp``; a class with a ``__call__`` of its own is an ASGI app to run.
_CONVERTIBLE = (Response.__call__, ChunkedResponse.__call__)


@functools.cache
def error_class(status_code: int) -> type[falcon.HTTPError]:
    """The ``falcon.HTTPError`` subclass a portable ``HTTPException`` of ``status_code`` is raised as.

    Falcon's own class where it has one (``falcon.HTTPNotFound`` for 404), else one of this
    adapter's (``HTTP418``), the same class every time: register error handlers for it.
    """
    cls = getattr(falcon, _FALCON_ERRORS.get(status_code, ""), None)
    if isinstance(cls, type) and issubclass(cls, falcon.HTTPError):
        return cls
    return type(f"HTTP{status_code}", (falcon.HTTPError,), {"__module__": __name__})


def falcon_error(exc: HTTPException) -> Response:
    """Raise Falcon's error for ``exc``, so the app's error handlers apply; a 204 or 304 is its
    headers and no body instead, as on Starlette."""
    if exc.status_code in _BODYLESS:
        return Response(status_code=exc.status_code, headers=exc.headers)
    cls = error_class(exc.status_code)
    # Falcon's subclasses take different arguments (allowed methods, challenges...); the portable
    # error has its headers (Allow among them) already, which the base constructor takes as they are.
    error = cls.__new__(cls)
    falcon.HTTPError.__init__(
        error, exc.status_code, description=exc.detail, headers=dict(exc.headers) if exc.headers else None
    )
    raise error from exc


def is_native_response(value: object) -> bool:
    """A ``falcon.asgi.Response`` the endpoint built, or any ASGI response object (a callable)."""
    return isinstance(value, falcon.asgi.Response) or callable(value)


async def fill_response(
    result: Response | falcon.asgi.Response | ASGIApp,
    request: Request[Any],
    resp: falcon.asgi.Response,
    channel: Channel | None,
) -> None:
    """Make Falcon's ``resp`` answer what the endpoint returned (``run_endpoint`` checked it is one).

    :param channel: the request's channel when the app has ``App``'s call, else None.
    """
    if isinstance(result, falcon.asgi.Response):
        _compat.adopt_response(resp, result)
        return
    scope = request.scope
    if not isinstance(result, Response) or type(result).__call__ not in _CONVERTIBLE:
        # An ASGI response of its own making: sent as it is where the channel is ours.
        if channel is not None:
            channel.answer_with(result)
        else:
            await _send_bridged(result, request, resp, None)
        return
    if isinstance(result, ChunkedResponse):
        # What this request gets: the response, or its 206/304/416 variant (a file's).
        result = await result.for_request(scope)
        if scope["method"] != "HEAD" and result.status_code not in _BODYLESS:
            # Falcon streams a body without listening for the client: the response runs as the
            # ASGI app it is (which listens, by Starlette's rules), through the core's bridge.
            await _send_bridged(result, request, resp, channel)
            return
    if isinstance(result, ChunkedResponse):
        resp.status = result.status_code
        _compat.set_raw_headers(resp, result.raw_headers)
        # HEAD, or a 204 or 304: Falcon sends no body; a stream set keeps it from adding a
        # Content-Length of 0.
        resp.stream = _NO_CHUNKS
    else:
        fill_complete(result, resp)
    if result.background is not None:
        _after_response(result.background, resp, channel)


def fill_complete(result: Response, resp: falcon.asgi.Response) -> None:
    """Give ``resp`` the status, raw headers and body of the complete (not chunked) ``result``."""
    resp.status = result.status_code
    _compat.set_raw_headers(resp, result.raw_headers)
    resp.data = result.body


async def _send_bridged(
    app: ASGIApp, request: Request[Any], resp: falcon.asgi.Response, channel: Channel | None
) -> None:
    """``app``'s answer (``bridge_asgi_response``) as ``resp``: its status, raw headers and body chunks."""
    bridged = await bridge_asgi_response(app, request)
    resp.status = bridged.status
    _compat.set_raw_headers(resp, bridged.headers)
    resp.stream = Chunks(bridged.body)
    _after_response(bridged.finish, resp, channel)


def _after_response(work: Callable[[], Awaitable[None]], resp: falcon.asgi.Response, channel: Channel | None) -> None:
    """Run ``work`` once the response is sent: in the request's own ASGI call (``App``'s, as
    Starlette does), else through Falcon's ``resp.schedule``."""
    if channel is not None:
        channel.after_response = work
        return

    async def run() -> None:
        await work()

    resp.schedule(run)


class Chunks:
    """A body as Falcon streams it: Falcon closes the stream (``close()``) when sending ends, early
    too (the client gone), and that closes the chunks at once."""

    __slots__ = ("_chunks",)

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks

    def __aiter__(self) -> Chunks:
        return self

    def __anext__(self) -> Awaitable[bytes]:
        return self._chunks.__anext__()

    async def close(self) -> None:
        await close_iterator(self._chunks)


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover  (makes this an async generator)


#: The stream of a response Falcon sends no body for, never read.
_NO_CHUNKS = Chunks(_nothing())
