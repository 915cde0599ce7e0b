"""What an endpoint's outcome becomes on Sanic: a response sent through ``request.respond``, or Sanic's own error.

A neutral response (any ASGI response object, in fact: Starlette's, sse-starlette's) is run as
the ASGI app it is, on a ``send`` that speaks Sanic: its ``http.response.start`` becomes
``request.respond(PortableResponse(...))``, so the app's response middleware (``@app.on_response``,
CORS extensions) applies as to any Sanic response, and each body message goes out through the
response Sanic answered with. The core's own sending rules hold: raw headers as they are
(repeated ones, two ``Set-Cookie`` lines, stay separate; Sanic adds no ``Content-Type``), no body
for HEAD, a file's 206/304/416, the background task after the last body message.

A Sanic response the endpoint built (``HTTPResponse``, ``ResponseStream``) is what Sanic sends.

A portable ``HTTPException`` becomes Sanic's exception of the most specific class Sanic has for
its status (``NotFound``, ``MethodNotAllowed``...), so the app's handlers (``@app.exception``)
apply; ``error_class(status_code)`` names that class, one of this adapter's own for a status
Sanic has no class for.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import sanic
import sanic.exceptions
from sanic.compat import Header
from sanic.response import BaseHTTPResponse, HTTPResponse, ResponseStream

from portable_endpoints.exceptions import HTTPException
from portable_endpoints.hosting import send_asgi_response
from portable_endpoints.responses import Response
from portable_endpoints.types import ASGIApp, Message, Receive, Scope
from portable_endpoints_sanic import _compat

#: Sanic's exception class of each status, by name: looked up, since the set varies by Sanic version.
_SANIC_ERRORS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    408: "RequestTimeout",
    413: "PayloadTooLarge",
    414: "URITooLong",
    416: "RangeNotSatisfiable",
    417: "ExpectationFailed",
    500: "ServerError",
    503: "ServiceUnavailable",
}
_BODYLESS = (204, 304)
_FILE_CHUNK = 64 * 1024


@functools.cache
def error_class(status_code: int) -> type[sanic.exceptions.SanicException]:
    """The ``SanicException`` subclass a portable ``HTTPException`` of ``status_code`` is raised as.

    Sanic's own class where it has one (``sanic.exceptions.NotFound`` for 404), else one of this
    adapter's (``HTTP418``), the same class every time: register handlers for it
    (``@app.exception(error_class(418))``).
    """
    cls = getattr(sanic.exceptions, _SANIC_ERRORS.get(status_code, ""), None)
    if isinstance(cls, type) and issubclass(cls, sanic.exceptions.SanicException):
        return cls
    attributes = {"__module__": __name__, "status_code": status_code, "quiet": status_code < 500}
    return type(f"HTTP{status_code}", (sanic.exceptions.SanicException,), attributes)


def sanic_error(exc: HTTPException) -> Response:
    """Raise Sanic's exception for ``exc``, so the app's handlers apply; a 204 or 304 is its headers
    and no body instead, as on Starlette."""
    if exc.status_code in _BODYLESS:
        return Response(status_code=exc.status_code, headers=exc.headers)
    cls = error_class(exc.status_code)
    # Sanic's subclasses take different arguments (a 405's method and allowed methods, a 416's
    # content range); the portable error has its headers (Allow among them) already, which the
    # base constructor takes as they are.
    error = cls.__new__(cls)
    sanic.exceptions.SanicException.__init__(
        error,
        exc.detail,
        exc.status_code,
        quiet=exc.status_code < 500,
        headers=dict(exc.headers) if exc.headers else None,
    )
    raise error from exc


def is_native_response(value: object) -> bool:
    """A Sanic response the endpoint built, or any ASGI response object (a callable)."""
    return isinstance(value, (BaseHTTPResponse, ResponseStream)) or callable(value)


def _latin1(value: str) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:  # a value a response middleware set, outside ASGI's latin-1
        return value.encode("utf-8", "surrogateescape")


class PortableResponse(HTTPResponse):
    """A neutral response on Sanic: its status and its headers as they are, nothing added.

    Sanic's ``HTTPResponse`` gives every response with a body a ``Content-Type`` (its own
    ``content_type``, ``None`` included); a neutral response has exactly the headers it was given.
    A plain response (``hosting.plain_parts``) is one whole, returned to Sanic as a handler's
    response is; any other is the start, its body sent after it, message by message (``SanicSend``).
    """

    __slots__ = ("_header_multidict", "_raw_headers")
    _header_multidict: Header | None
    _raw_headers: list[tuple[bytes, bytes]]

    def __init__(self, status: int, raw_headers: Iterable[tuple[bytes, bytes]], body: bytes = b"") -> None:
        self._raw_headers = raw_headers if type(raw_headers) is list else list(raw_headers)
        self._header_multidict = None
        # Set as Sanic's __init__ sets it, without the two empty multidicts that one builds first;
        # the headers' own multidict is built only when something reads them (``headers``).
        _compat.init_response(self, status, None, body)

    @property
    def headers(self) -> Header:
        """Sanic's ``Header`` multidict of the headers (a repeated name stays as separate lines),
        built on first use: a response middleware reads or changes them there."""
        headers = self._header_multidict
        if headers is None:
            raw = self._raw_headers
            headers = Header([(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw])
            self._header_multidict = headers
        return headers

    @headers.setter
    def headers(self, value: Header) -> None:
        self._header_multidict = value

    @property
    def processed_headers(self) -> list[tuple[bytes, bytes]]:  # type: ignore[override]
        # A list, not Sanic's generator: what reads the start message's headers twice sees them twice.
        if self._header_multidict is None:  # nobody read them: the raw headers, as they came
            return self._raw_headers
        items = self._header_multidict.items()
        try:  # in one pass: latin-1 strings, as they came from the ASGI start message
            return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in items]
        except (UnicodeEncodeError, AttributeError):  # what a response middleware set: anything
            return [(_latin1(name), _latin1(f"{value}")) for name, value in items]


class SanicSend:
    """An ASGI ``send`` for the HTTP response of one Sanic request, answering through ``request.respond``."""

    __slots__ = ("_request", "_response")

    def __init__(self, request: sanic.Request) -> None:
        self._request = request
        self._response: BaseHTTPResponse | None = None

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            start = PortableResponse(message["status"], message.get("headers", ()))
            # Runs the app's response middleware, which may answer with another response.
            self._response = await self._request.respond(start)
        elif kind == "http.response.body":
            if self._response is None:
                raise RuntimeError("ASGI 'http.response.body' sent before 'http.response.start'")
            await self._response.send(message.get("body", b""), not message.get("more_body", False))
        elif kind == "http.response.pathsend":
            # The server's file-sending extension (granian offers it; Starlette's FileResponse
            # uses it): Sanic sends a response's start with its first body message only, so the
            # file is read here and sent as the body.
            if self._response is None:
                raise RuntimeError("ASGI 'http.response.pathsend' sent before 'http.response.start'")
            await _send_file(self._response, message["path"])
        elif kind == "http.response.debug":
            pass  # test clients' template context: nothing to send
        else:
            raise RuntimeError(f"Unexpected ASGI message {kind!r} for a Sanic response")


async def _send_file(response: BaseHTTPResponse, path: str) -> None:
    import anyio  # on first use: Sanic need not import it

    async with await anyio.open_file(path, "rb") as file:
        while chunk := await file.read(_FILE_CHUNK):
            await response.send(chunk, False)
    await response.send(b"", True)


async def send_response(response: ASGIApp, request: sanic.Request, scope: Scope, receive: Receive) -> None:
    """Send ``response`` (a neutral response, or any ASGI response object) as ``request``'s answer."""
    # A plain response's two messages go straight to SanicSend, without the response's own __call__.
    await send_asgi_response(response, scope, receive, SanicSend(request))
