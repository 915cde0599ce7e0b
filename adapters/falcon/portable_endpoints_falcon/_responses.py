"""What an endpoint's outcome becomes on Falcon: the responder's ``resp`` filled in, or Falcon's own error.

Falcon responders answer by setting ``resp``, and Falcon sends it (after its ``process_response``
middleware, CORS included). A neutral response therefore fills in ``resp``: its status, its raw
headers as they are (repeated ones as separate lines, no default ``Content-Type`` of Falcon's),
its body as ``resp.data`` or, chunked, as ``resp.stream``. Its background task runs once the
response has been sent: in the request's ASGI call on an ``App`` (see ``_app``), through Falcon's
``resp.schedule`` on another ``falcon.asgi.App``.

An endpoint may also return a ``falcon.asgi.Response`` it built: that response is what Falcon
sends. Any other ASGI response object (a class with an ASGI ``__call__`` of its own) is sent on
the server's channel as it is on an ``App``; on another app it is run against a recording
channel, and what it sent becomes ``resp``.

A portable ``HTTPException`` becomes Falcon's ``HTTPError`` of the most specific class Falcon has
for its status (``falcon.HTTPNotFound``, ``falcon.HTTPMethodNotAllowed``...), so the app's error
handlers, registered per exception class, apply; ``error_class(status_code)`` names that class,
one of this adapter's own for a status Falcon has no class for.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import anyio
import falcon
import falcon.asgi

from portable_endpoints.exceptions import HTTPException
from portable_endpoints.responses import ChunkedResponse, Response
from portable_endpoints.types import ASGIApp, Message, Scope
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
    result: Response | falcon.asgi.Response | ASGIApp, scope: Scope, resp: falcon.asgi.Response, channel: Channel | None
) -> None:
    """Make Falcon's ``resp`` answer what the endpoint returned (``run_endpoint`` checked it is one).

    :param channel: the request's channel when the app is an ``App`` (``create_app``'s), else None.
    """
    if isinstance(result, falcon.asgi.Response):
        _compat.adopt_response(resp, result)
        return
    if not isinstance(result, Response) or type(result).__call__ not in _CONVERTIBLE:
        # An ASGI response of its own making: sent as it is where the channel is ours, else recorded.
        if channel is not None:
            channel.answer_with(result)
        else:
            await _record(result, scope, resp)
        return
    if isinstance(result, ChunkedResponse):
        # What this request gets: the response, or its 206/304/416 variant (a file's).
        result = await result.for_request(scope)
    resp.status = result.status_code
    _compat.set_raw_headers(resp, result.raw_headers)
    if isinstance(result, ChunkedResponse):
        # Falcon reads no stream for HEAD; set, it keeps Falcon from adding a Content-Length of 0.
        resp.stream = Chunks(result.chunks())
    else:
        resp.data = result.body
    background = result.background
    if background is None:
        return
    if channel is not None:
        channel.background = background
        return

    async def run_background() -> None:
        await background()

    resp.schedule(run_background)


class Chunks:
    """A chunked body as Falcon streams it: Falcon closes the stream (``close()``) when sending
    ends, early too (the client gone), and that closes the body's generator at once."""

    __slots__ = ("_chunks",)

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks

    def __aiter__(self) -> Chunks:
        return self

    def __anext__(self) -> Awaitable[bytes]:
        return self._chunks.__anext__()

    async def close(self) -> None:
        aclose = getattr(self._chunks, "aclose", None)
        if aclose is not None:
            await aclose()


async def _record(app: Any, scope: Scope, resp: falcon.asgi.Response) -> None:
    """Run the ASGI response ``app`` against a recording channel; what it sends becomes ``resp``."""
    chunks: list[bytes] = []
    body_given = False

    async def receive() -> Message:
        nonlocal body_given
        if body_given:  # the client stays until the response is complete
            await anyio.sleep_forever()
        body_given = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            resp.status = message["status"]
            _compat.set_raw_headers(resp, list(message.get("headers", [])))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    resp.data = b"".join(chunks)
