"""An ASGI app answering for an endpoint, run until its response starts, then handed the host's ``send``.

A route may answer through an ASGI app: a ``Mount(app=...)``'s app, an ``HTTPEndpoint`` whose
``dispatch()`` is overridden, a route's middleware stack. In Starlette an HTTP exception such an app
raises before it answers (``StaticFiles``' 404) reaches the app's exception handlers. So
``start_app`` runs the app in a task of its own until it sends its first message: an HTTP exception
it raises first (the portable ``HTTPException``, or any with an int ``status_code`` and a
``detail``, such as Starlette's) comes out of the endpoint call as the portable ``HTTPException``,
where ``run_endpoint`` gives it to the route table's ``exception_handlers``, else to the host's own
HTTP error. Any other exception comes out as it is. Once the app has sent its first message,
``start_app`` returns ``HandedOver``, the ASGI app the adapter sends as the response: it hands the
app the host's ``send`` (the app's first message and every later one go out unchanged, from the
app's task) and waits for the app to return, background work included.

The app keeps the ``receive`` it started with (``request_receive``: the body streams to it, never
read first). On a host with no raw ``send`` (the bridge's hosts), the response extensions the bridge
cannot carry are hidden from the app's scope, as the bridge hides them.

Where the host sends the response on the request's own ``send`` at once
(``Request.sends_response_at_once``: the Starlette, FastAPI and bare ASGI hosts), no task is
needed: the app runs inline, as Starlette runs it, with a ``send`` that notes its first message;
an HTTP exception it raises before is raised as above, one it raises after comes out where the
host sends the response (as from ``HandedOver``).

``raise_http_errors(scope)`` tells ``StaticFiles`` whether an app above it turns what it raises
into the app's answer (as Starlette's ``"starlette.exception_handlers"`` scope key does).

asyncio only, as the bridge.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from portable_endpoints._bridge import bridge_scope, request_receive
from portable_endpoints.exceptions import HTTPException
from portable_endpoints.requests import Request, _no_send
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

#: Scope key set for the app of a ``Mount(app=...)``: the value of Starlette's handlers key then,
#: so an app that set its own (a Starlette app in between) keeps what is raised below it.
_RAISES_HTTP_ERRORS = "portable_endpoints.raise_http_errors"
_STARLETTE_HANDLERS = "starlette.exception_handlers"


def catch_http_errors(scope: Scope) -> None:
    """Mark ``scope`` (an app's, below a portable route): HTTP exceptions raised in it are answered above."""
    scope[_RAISES_HTTP_ERRORS] = (scope.get(_STARLETTE_HANDLERS),)


def raise_http_errors(scope: Scope) -> bool:
    """Whether an app serving ``scope`` may raise its HTTP errors: a portable route answers them."""
    marked = scope.get(_RAISES_HTTP_ERRORS)
    return marked is not None and marked[0] is scope.get(_STARLETTE_HANDLERS)


class _Handover:
    """What the app's task and ``HandedOver`` share: the app's first message, then the host's ``send``."""

    __slots__ = ("first", "host_send", "send", "started")

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        #: done once the app sends its first message, or returns (or raises) before it
        self.first: asyncio.Future[None] = loop.create_future()
        #: the app sent its first message
        self.started = False
        #: the host's ``send``, given by ``HandedOver``
        self.host_send: asyncio.Future[Send] = loop.create_future()
        self.send: Send | None = None

    async def app_send(self, message: Message) -> None:
        send = self.send
        if send is None:
            if not self.started:
                self.started = True
                self.first.set_result(None)
            send = self.send = await self.host_send
        await send(message)


class HandedOver:
    """The response of an app ``start_app`` started: hands it the host's ``send``, waits for its end.

    Dropped without being sent (the host gave up on the response), it cancels the app.
    """

    __slots__ = ("_handover", "_task")

    def __init__(self, handover: _Handover, task: asyncio.Task[None]) -> None:
        self._handover = handover
        self._task = task

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        host_send = self._handover.host_send
        if not host_send.done():
            host_send.set_result(send)
        await self._task  # cancelled with it, when the host cancels the response

    def __del__(self) -> None:
        task = self._task
        if not task.done() and not self._handover.host_send.done() and not task.get_loop().is_closed():
            task.cancel()


async def _run(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    await app(scope, receive, send)


def _settle(first: asyncio.Future[None], task: asyncio.Task[None]) -> None:
    """The app returned or raised before its first message: the endpoint goes on."""
    if not first.done():
        first.set_result(None)


def _http_exception(exc: BaseException) -> HTTPException | None:
    """``exc`` as the portable ``HTTPException`` when it is one, or looks like one (Starlette's)."""
    if isinstance(exc, HTTPException):
        return exc
    status_code = getattr(exc, "status_code", None)
    if isinstance(status_code, int) and not isinstance(status_code, bool) and hasattr(exc, "detail"):
        headers = getattr(exc, "headers", None)
        return HTTPException(status_code, exc.detail, dict(headers) if headers else None)
    return None


async def start_app(app: ASGIApp, scope: Scope, request: Request[Any], *, limit_body: bool = True) -> ASGIApp:
    """Run ``app`` for ``request`` (with ``scope``) until it sends its first message; then return the
    ASGI app that sends its response. An HTTP exception it raises first is raised here as the
    portable ``HTTPException``; any other exception as it is. Where the host sends the response on
    ``request.send`` at once (``sends_response_at_once``), the app runs to its end here, answering
    on ``request.send``, and the app returned sends nothing (or raises what the app raised after
    its first message).

    ``limit_body``: the host's ``receive`` enforces ``request.max_body_size`` (a 413), as
    ``request.stream()`` does.
    """
    receive = request_receive(request)
    if receive is request.receive and limit_body and request.max_body_size is not None:
        receive = _limited_receive(receive, scope, request.max_body_size)
    send = request.send
    if send is _no_send:
        scope = bridge_scope(scope)
    elif request.sends_response_at_once:
        # The host sends the response on `send` at once: the app answers on it now, as Starlette
        # calls it (its ExceptionMiddleware notes the response's start the same way).
        watch = _StartWatch(send)
        try:
            await app(scope, receive, watch)
        except Exception as exc:
            if watch.started:
                return _Raise(exc)
            error = _http_exception(exc)
            if error is None or error is exc:
                raise
            raise error from exc
        return _answered
    handover = _Handover()
    first = handover.first
    task = asyncio.get_running_loop().create_task(_run(app, scope, receive, handover.app_send))
    task.add_done_callback(partial(_settle, first))
    try:
        await first
    except BaseException:
        task.cancel()
        raise
    if task.done() and not task.cancelled():
        raised = task.exception()
        if raised is not None and not handover.started:
            error = _http_exception(raised)
            if error is None:
                raise raised
            if error is raised:
                raise error
            raise error from raised
    return HandedOver(handover, task)


class _StartWatch:
    """The host's ``send``, noting whether the app has sent its first message."""

    __slots__ = ("send", "started")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = True
        await self.send(message)


async def _answered(scope: Scope, receive: Receive, send: Send) -> None:
    """The response of an app that has answered already, inline: nothing left to send."""


class _Raise:
    """The response of an app that raised once it had started answering: the exception, raised
    where the host sends the response (where ``HandedOver`` raises it)."""

    __slots__ = ("exc",)

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exc, self.exc = self.exc, None  # type: ignore[assignment]  # no cycle through the traceback
        raise exc


def _limited_receive(receive: Receive, scope: Scope, limit: int) -> Receive:
    """``receive``, raising ``HTTPException(413)`` once the body passes ``limit`` (or declares more)."""
    received = 0
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-length" and value.isdigit() and int(value) > limit:
            received = int(value)

    async def limited() -> Message:
        nonlocal received
        if received > limit:
            raise HTTPException(413, f"Request body larger than {limit} bytes")
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, f"Request body larger than {limit} bytes")
        return message

    return limited
