"""What an endpoint's outcome becomes on Falcon: the responder's ``resp`` filled in, or Falcon's own error.

Falcon responders answer by setting ``resp``, and Falcon sends it (after its ``process_response``
middleware, CORS included). A neutral response therefore fills in ``resp``: its status, its raw
headers as they are (repeated ones as separate lines, no default ``Content-Type`` of Falcon's),
its body as ``resp.data`` or, chunked, as ``resp.stream``. Its background task is scheduled with
``resp.schedule``, which Falcon runs once the response has been sent. A response class with an
ASGI ``__call__`` of its own is run against a recording channel, and what it sent becomes ``resp``.

An endpoint may also return a ``falcon.asgi.Response`` it built: that response is what Falcon sends.

A portable ``HTTPException`` becomes Falcon's ``HTTPError`` of the most specific class Falcon has
for its status (``falcon.HTTPNotFound``, ``falcon.HTTPMethodNotAllowed``...), so the app's error
handlers, registered per exception class, apply; ``error_class(status_code)`` names that class,
one of this adapter's own for a status Falcon has no class for.
"""

from __future__ import annotations

import functools
from typing import Any

import anyio
import falcon
import falcon.asgi

from portable_endpoints.exceptions import HTTPException
from portable_endpoints.responses import ChunkedResponse, Response
from portable_endpoints.types import Message, Scope
from portable_endpoints_falcon import _compat

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


def is_falcon_response(value: object) -> bool:
    return isinstance(value, falcon.asgi.Response)


async def fill_response(result: Response | falcon.asgi.Response, scope: Scope, resp: falcon.asgi.Response) -> None:
    """Make Falcon's ``resp`` answer what the endpoint returned (``run_endpoint`` checked it is one)."""
    if not isinstance(result, Response):
        _compat.adopt_response(resp, result)
        return
    if isinstance(result, ChunkedResponse):
        # What this request gets: the response, or its 206/304/416 variant (a file's).
        result = await result.for_request(scope)
    if isinstance(result, ChunkedResponse):
        resp.status = result.status_code
        _compat.set_raw_headers(resp, result.raw_headers)
        if scope["method"] != "HEAD":
            resp.stream = result.chunks()
    elif result._plain_send:
        resp.status = result.status_code
        _compat.set_raw_headers(resp, result.raw_headers)
        resp.data = result.body
    else:
        await _record(result, scope, resp)
        return  # the response ran its own background task, if any
    background = result.background
    if background is not None:

        async def run_background() -> None:
            await background()

        resp.schedule(run_background)


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
