"""Every part of Falcon this adapter touches beyond its documented application API, in one place.

Each function here has a test in ``tests/test_falcon_compat.py``, so a Falcon release that moves
one of them fails that one named test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import falcon.asgi
from falcon.asgi.app import _EVT_RESP_EOF
from falcon.asgi.ws import _WebSocketState

from portable_endpoints.types import Message, Receive, Scope, Send

#: The last ``http.response.body`` message of every Falcon response: one module-level object
#: (Falcon's private ``_EVT_RESP_EOF``), sent again and again.
RESPONSE_END: Message = _EVT_RESP_EOF


def request_receive(req: falcon.asgi.Request) -> Receive:
    """The request's ASGI receive channel, with the first event Falcon took before routing put back.

    Falcon reads the first ``http.request`` event itself (its private ``_first_event``) and keeps
    the server's ``receive`` (``_receive``); the core reads the body from the channel, with its
    own limit and client-disconnect rules, as on every host.
    """
    # Falcon types the channel more narrowly than the core's plain mappings.
    first = cast("Message | None", req._first_event)
    receive = cast("Receive", req._receive)
    if first is None:
        return receive
    pending = [first]

    async def replayed() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replayed


def started_body_stream(req: falcon.asgi.Request) -> falcon.asgi.BoundedStream | None:
    """Falcon's body stream of ``req`` if something (a middleware, ``req.get_media()``) has used
    ``req.stream`` already, else None (its private ``_stream``, created on first access): the
    rest of the body is then only on that stream."""
    stream: falcon.asgi.BoundedStream | None = req._stream
    return stream


def websocket_channel(ws: falcon.asgi.WebSocket) -> tuple[Receive, Send]:
    """The server's own ``receive`` and ``send`` under Falcon's ``WebSocket``.

    The receive channel is the one under Falcon's buffered receiver (its private
    ``_buffered_receiver._asgi_receive``), whose pump only starts on Falcon's own ``accept()``,
    which portable endpoints never call.
    """
    # Falcon types the channel more narrowly than the core's plain mappings.
    receive: Any = ws._buffered_receiver._asgi_receive
    send: Any = ws._asgi_send
    return receive, send


def mark_websocket_closed(ws: falcon.asgi.WebSocket) -> None:
    """Tell Falcon's ``WebSocket`` the connection is over, so Falcon sends no close of its own after
    the portable session (its private ``_state``)."""
    ws._state = _WebSocketState.CLOSED


class _Latin1(str):
    """A header value whose bytes are latin-1, as ASGI has them; Falcon encodes its extra header
    lines as ASCII."""

    __slots__ = ()

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return str.encode(self, "latin-1", errors)


#: Decoded header pairs by their bytes: most responses repeat a few (content types, small lengths).
_DECODED: dict[tuple[bytes, bytes], tuple[str, str]] = {}
_DECODED_MAX = 4096


def _decoded(pair: tuple[bytes, bytes]) -> tuple[str, str]:
    raw_name, raw_value = pair
    decoded = (raw_name.decode("latin-1").lower(), raw_value.decode("latin-1"))
    if type(pair) is tuple and len(_DECODED) < _DECODED_MAX and len(raw_value) <= 128:
        _DECODED[pair] = decoded
    return decoded


def set_raw_headers(resp: falcon.asgi.Response, raw_headers: list[tuple[bytes, bytes]]) -> None:
    """Give ``resp`` exactly ``raw_headers``: repeated names stay separate lines, nothing is added.

    Falcon keeps one value per name (its private ``_headers`` dict, which ``set_header`` and
    ``append_header`` comma-join into) and sends its private ``_extra_headers`` list as separate
    lines after them; the first value of each name goes to the dict, where Falcon's middleware
    can read and change it, and every repeat (each further ``Set-Cookie``) to the list. Headers a
    middleware set before the endpoint ran are kept unless the response has its own. A response
    without a ``Content-Type`` gets none of Falcon's.
    """
    headers: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    for pair in raw_headers:
        cached = _DECODED.get(pair) if type(pair) is tuple else None  # a list pair is unhashable
        name, value = cached or _decoded(pair)
        if name in headers:
            extra.append((name, value if value.isascii() else _Latin1(value)))
        else:
            headers[name] = value
    if resp._headers:  # set before the endpoint ran (a middleware's)
        for name, value in resp._headers.items():
            headers.setdefault(name, value)
    resp._headers = headers
    if extra:
        resp._extra_headers = [*(resp._extra_headers or ()), *extra]
    if "content-type" not in headers:
        _no_default_content_type(resp)


def _no_default_content_type(resp: falcon.asgi.Response) -> None:
    """Falcon adds its app's default ``Content-Type`` to a response without one, when it sends the
    headers (its private ``_asgi_headers(default_media_type)``); a neutral response has none on
    purpose, so this response's headers are rendered without a default (an instance attribute,
    over the class's method)."""
    render = type(resp)._asgi_headers

    def asgi_headers(media_type: str | None = None) -> list[tuple[bytes, bytes]]:
        return render(resp, None)

    resp._asgi_headers = asgi_headers  # type: ignore[method-assign]


def _slots(cls: type) -> Iterator[str]:
    for klass in cls.__mro__:
        for name in getattr(klass, "__slots__", ()):
            if name not in ("__dict__", "__weakref__"):
                yield name


def adopt_response(target: falcon.asgi.Response, source: falcon.asgi.Response) -> None:
    """Make ``target`` (the response Falcon sends) what ``source`` (one an endpoint returned) is:
    every attribute of Falcon's ``Response``, its private slots included, copied over; but the
    app's ``options`` (its media handlers...), which a response built apart from the app lacks."""
    for name in _slots(type(source)):
        if name == "options":
            continue
        try:
            value = getattr(source, name)
        except AttributeError:
            continue
        setattr(target, name, value)
    source_dict: dict[str, Any] | None = getattr(source, "__dict__", None)
    if source_dict:
        target.__dict__.update(source_dict)


def sinks(app: falcon.asgi.App[Any, Any]) -> list[Any]:
    """The sink callables registered on ``app``, most recent first (Falcon's private ``_sinks``)."""
    return [entry[1] for entry in app._sinks]


def has_cors_middleware(app: falcon.asgi.App[Any, Any]) -> bool:
    """Whether ``app`` runs Falcon's ``CORSMiddleware`` (``cors_enable=True`` adds one): the
    middleware given to the app, Falcon's private ``_unprepared_middleware``."""
    return any(isinstance(middleware, falcon.CORSMiddleware) for middleware in app._unprepared_middleware)


def routes_only_through_sink(app: falcon.asgi.App[Any, Any]) -> bool:
    """Whether nothing of Falcon's own could take or change a request before ``app``'s one sink:
    no middleware, no routes of its own on Falcon's default router, no static routes, one sink
    (Falcon's private ``_unprepared_middleware``, ``_router._roots``, ``_static_routes``, ``_sinks``)."""
    router = app._router
    return (
        not app._unprepared_middleware
        and len(app._sinks) == 1
        and not app._static_routes
        and type(router) is falcon.routing.CompiledRouter
        and not router._roots
    )


def falcon_request(app: falcon.asgi.App[Any, Any], scope: Scope, receive: Receive) -> falcon.asgi.Request:
    """The Falcon request of a request served outside Falcon's pipeline, built when an endpoint asks
    for ``request.native``: the app's request class and options, the body left on ``receive``."""
    first_event: Message = {"type": "http.request", "body": b"", "more_body": True}
    request: falcon.asgi.Request = app._request_type(scope, receive, first_event=first_event, options=app.req_options)
    return request
