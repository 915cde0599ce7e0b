"""``App``: a ``falcon.asgi.App`` that leaves the request body to the endpoint, and ``create_app``'s class.

Falcon's ``App`` waits for the first ``http.request`` event before routing (so an app cannot
refuse a body before it arrives) and answers every request, even one whose client has gone. This
subclass hands Falcon a first event with no body yet, keeps the server's channel in the scope for
portable routes (which read the body themselves, with their limits: a declared ``Content-Length``
over ``max_body_size`` is a 413 before any byte is read), and lets a portable route silence
Falcon's answer when its client left mid-body. Falcon's own routes read the body as always.
A response's background task runs in the request's ASGI call once the response is sent,
and an ASGI response object Falcon cannot express (one with an ASGI ``__call__`` of its own, a
Starlette or sse-starlette response) is sent on the server's channel as it is, streaming.

``pe.mount`` gives any ``falcon.asgi.App`` the same behaviour (``give_channel``), so these
Starlette behaviours hold for mounted routes too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import falcon.asgi

from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send
from portable_endpoints_falcon import _compat

#: Scope key of the request's ``Channel``, set by ``App`` for every HTTP request.
CHANNEL = "portable_endpoints.falcon.channel"


class Channel:
    """One HTTP request's ASGI channel: the server's, and the one Falcon is given."""

    __slots__ = ("_given", "after_response", "answer", "receive", "send", "silent")

    def __init__(self, receive: Receive, send: Send) -> None:
        #: the server's own receive and send
        self.receive = receive
        self.send = send
        #: set when Falcon's answer must go nowhere: the client left mid-body, or ``answer`` answers
        self.silent = False
        #: an ASGI response to send on the server's channel once Falcon is done, instead of Falcon's
        self.answer: ASGIApp | None = None
        #: what remains once the response has been sent: a background task, a bridged app's end
        self.after_response: Callable[[], Awaitable[None]] | None = None
        self._given = False

    def answer_with(self, app: ASGIApp) -> None:
        """Send ``app``'s response instead of Falcon's (an ASGI response object Falcon cannot express)."""
        self.answer = app
        self.silent = True

    async def falcon_receive(self) -> Message:
        if not self._given:
            # Falcon routes only after a first body event: one with no body yet, so the body
            # stays on the server's channel until an endpoint (or Falcon's own stream) reads it.
            self._given = True
            return {"type": "http.request", "body": b"", "more_body": True}
        return await self.receive()

    async def falcon_send(self, message: Message) -> None:
        if not self.silent:
            # Falcon ends every response with one shared message object, which a middleware that
            # rewrites messages in place (Starlette's GZip) would change for all later responses.
            await self.send(dict(message) if message is _compat.RESPONSE_END else message)


if TYPE_CHECKING:
    _FalconApp = falcon.asgi.App[falcon.asgi.Request, falcon.asgi.Response]
else:  # not subscriptable at run time before later Falcon 4 releases
    _FalconApp = falcon.asgi.App


#: Scope key of what an endpoint run outside Falcon's pipeline (``App.serve_directly``) came to
#: that only Falcon can send (an exception for its error handlers, a Falcon response): the sink
#: answers with it instead of running the endpoint again.
OUTCOME = "portable_endpoints.falcon.outcome"


class ChannelCall:
    """The ``__call__`` of ``App``, for any ``falcon.asgi.App`` subclass (see ``give_channel``)."""

    __slots__ = ()

    #: ``create_app``'s app only (its sink's ``serve_directly``): serves a portable route without
    #: Falcon's request pipeline when nothing of Falcon's could act on it; False when Falcon must.
    serve_directly: Callable[[Scope, Receive, Send], Awaitable[bool]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Falcon types the ASGI triple more narrowly than the core's plain mappings.
        falcon_call: Any = super().__call__  # type: ignore[misc]
        if scope["type"] != "http":
            await falcon_call(scope, receive, send)
            return
        direct = self.serve_directly
        if direct is not None and await direct(scope, receive, send):
            return
        channel = scope[CHANNEL] = Channel(receive, send)
        try:
            await falcon_call(scope, channel.falcon_receive, channel.falcon_send)
            if channel.answer is not None:
                await channel.answer(scope, receive, send)
            elif channel.after_response is not None:
                # As Starlette: in the request's own ASGI call, after its last message has been sent.
                await channel.after_response()
        finally:
            # The channel holds the request's objects, which hold the scope: a reference cycle
            # left to the garbage collector on every request otherwise.
            del scope[CHANNEL]


class App(ChannelCall, _FalconApp):  # type: ignore[misc]
    """``falcon.asgi.App``, with the request body left on the channel until someone reads it.

    Once a route, a sink, a static route or a middleware of Falcon's own is added, every request
    goes through Falcon's pipeline again (no ``serve_directly``): Falcon's rules then decide who
    answers and what runs around it.
    """

    def add_route(self, *args: Any, **kwargs: Any) -> Any:
        self.serve_directly = None
        return super().add_route(*args, **kwargs)

    def add_sink(self, *args: Any, **kwargs: Any) -> Any:
        self.serve_directly = None
        return super().add_sink(*args, **kwargs)

    def add_static_route(self, *args: Any, **kwargs: Any) -> Any:
        self.serve_directly = None
        return super().add_static_route(*args, **kwargs)

    def add_middleware(self, *args: Any, **kwargs: Any) -> Any:
        self.serve_directly = None
        return super().add_middleware(*args, **kwargs)


_with_channel: dict[type, type] = {}


def give_channel(app: Any) -> None:
    """Make an app ``pe.mount`` extends behave as ``App`` (413 before reading, silence for a client
    gone mid-body, background and ASGI responses in the request's call): its class becomes a
    subclass of its own class with ``App``'s ``__call__``, so it stays an instance of that class
    and Falcon's own routes read their bodies as before."""
    cls = type(app)
    if issubclass(cls, ChannelCall):
        return
    subclass = _with_channel.get(cls)
    if subclass is None:
        namespace = {"__slots__": (), "__module__": cls.__module__, "__qualname__": cls.__qualname__}
        subclass = _with_channel[cls] = type(cls.__name__, (ChannelCall, cls), namespace)
    app.__class__ = subclass


def channel_of(scope: Scope) -> Channel | None:
    found: Any = scope.get(CHANNEL)
    return found if isinstance(found, Channel) else None
