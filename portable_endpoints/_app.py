"""The app around the routes: ``create_app``'s ``middleware=``, ``lifespan=`` and ``exception_handlers=``.

Starlette's app is ``ServerErrorMiddleware -> user middleware -> ExceptionMiddleware -> router``
(the router also runs the lifespan). On every host the core rebuilds it around the host's whole
ASGI entry (so it runs for paths no route matches): ``ServerErrorLayer`` outermost, then the
user's middleware, then ``AppLayer``, which runs the lifespan around the host's own, hands its
state to every request, answers the host's not-found with the ``404`` handler, and raises what an
endpoint raised that no handler of its class took (``run_endpoint`` answers those it takes, as
``ExceptionMiddleware``). So the middleware sees the exception, and the ``500`` handler's answer
(or a plain 500) goes out around them, the exception then re-raised to the server: Starlette's
order. ``ServerErrorLayer`` is there when the app has middleware or a ``500`` handler; else an
endpoint's exception is the host's to answer, as it is on routes put in your own app.

How the stack is put in place is the adapter's ``wrap_asgi(app, wrap)`` (see
``portable_endpoints.hosting.WrapsASGIEntry``); an adapter without one gets the default: an app
with an ``asgi_app`` attribute (Quart's convention, ``__call__`` delegating to it) has it wrapped,
and any other app of a plain Python class gets a subclass of its class whose ``__call__`` runs the
stack (so a third-party adapter gets the options with no work).
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any

from portable_endpoints._concurrency import withdraw_cancel
from portable_endpoints._handlers import ExceptionHandler, RequestOutcome, call_handler, request_outcome
from portable_endpoints.datastructures import State
from portable_endpoints.exceptions import ConfigurationError, HTTPException
from portable_endpoints.middleware import is_middleware, wrap
from portable_endpoints.requests import Request
from portable_endpoints.responses import PlainTextResponse
from portable_endpoints.routing import RouteTable
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

#: ``lifespan=``: called with the host's app, an async context manager; what it yields (a mapping
#: or None) is the lifespan state every request sees in ``request.state``.
Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


class ServerErrorLayer:
    """Outside the user's middleware, as Starlette's ``ServerErrorMiddleware``: an exception that
    leaves them before the response started is answered by the ``500`` handler (sync or async),
    else with a plain ``Internal Server Error``; either way it is re-raised, for the server to log."""

    def __init__(self, app: ASGIApp, *, handler: ExceptionHandler | None, table: RouteTable) -> None:
        self.app = app
        self.handler = handler
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as exc:
            if not started:
                if self.handler is None:
                    response: Any = PlainTextResponse("Internal Server Error", status_code=500)
                else:
                    request: Request[None] = Request(scope, receive, send, route_table=self.table)
                    response = await call_handler(self.handler, request, exc)
                await response(scope, receive, send)
            raise


class AppLayer:
    """Inside the user's middleware, around the host's entry: lifespan, its state, the 404 handler,
    and the exceptions ``run_endpoint`` leaves to the middleware."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        host_app: Any,
        table: RouteTable,
        lifespan: Lifespan | None,
        not_found: ExceptionHandler | None,
        escalates: bool,
    ) -> None:
        self.app = app
        self.host_app = host_app
        self.table = table
        self.lifespan = lifespan
        self.not_found = not_found
        #: whether a ``ServerErrorLayer`` above answers what endpoints raise
        self.escalates = escalates
        #: what the lifespan yielded, while it runs; copied into each request's ``scope["state"]``
        self.state: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            if self.lifespan is None:
                await self.app(scope, receive, send)
            else:
                await self._lifespan(scope, receive, send)
            return
        if self.state:
            # As a server copies the lifespan state into each scope (a host may not pass it on).
            state = scope.setdefault("state", {})
            for key, value in self.state.items():
                state.setdefault(key, value)
        if kind != "http" or (self.not_found is None and not self.escalates):
            await self.app(scope, receive, send)
            return
        await self._watch(scope, receive, send)

    async def _watch(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Two answers of the host's are not sent. A 404 when no portable endpoint ran is its
        # not-found: replaced by the 404 handler's, sent as soon as the host's own has ended (a host
        # may wait for the client before returning). The stand-in 500 for an endpoint's exception:
        # the exception is raised instead, once the host has returned.
        outcome = RequestOutcome(escalates=self.escalates)
        held = answered = False

        async def answer() -> None:
            nonlocal answered
            answered = True
            assert self.not_found is not None
            request: Request[None] = Request(scope, receive, send, route_table=self.table)
            response = await call_handler(self.not_found, request, HTTPException(404))
            if not callable(response):
                raise TypeError(
                    f"The 404 handler {self.not_found!r} returned {response!r} for a path no route matches; "
                    "return a portable Response (or any ASGI response)"
                )
            await response(scope, receive, send)

        host_receive, stand_in_sent = receive, _nothing
        if self.escalates:
            host_receive, stand_in_sent = _receive_ending_with_the_stand_in(receive)

        async def watched_send(message: Message) -> None:
            nonlocal held
            if held:
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    if outcome.error is not None:
                        stand_in_sent()
                    elif not answered:
                        await answer()
                return
            if message["type"] == "http.response.start" and (
                outcome.error is not None or (message["status"] == 404 and not outcome.reached and self.not_found)
            ):
                held = True
                return
            await send(message)

        token = request_outcome.set(outcome)
        try:
            await self.app(scope, host_receive, watched_send)
        finally:
            request_outcome.reset(token)
        if outcome.error is not None:
            raise outcome.error
        if held and not answered and self.not_found is not None:
            await answer()

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The user's lifespan starts before the host's and stops after it, as Starlette's wraps its router's.
        assert self.lifespan is not None
        startup = await receive()
        context = self.lifespan(self.host_app)
        try:
            state = await context.__aenter__()
        except BaseException as exc:
            await send({"type": "lifespan.startup.failed", "message": repr(exc)})
            raise
        if state is not None:
            self.state = dict(state)
            scope.setdefault("state", {}).update(state)
        replayed = False
        open_ = True

        async def host_receive() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return startup
            return await receive()

        async def close(exc: BaseException | None) -> None:
            nonlocal open_
            if open_:
                open_ = False
                self.state = {}
                await context.__aexit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)

        async def shut_down() -> None:
            try:
                await close(None)
            except BaseException as exc:
                await send({"type": "lifespan.shutdown.failed", "message": repr(exc)})
                raise

        answered = False

        async def host_send(message: Message) -> None:
            nonlocal answered
            answered = True
            if message["type"] == "lifespan.shutdown.complete":
                await shut_down()
            await send(message)

        try:
            await self.app(scope, host_receive, host_send)
        except BaseException as exc:
            if answered:
                await close(exc)
                raise
            # Raising before any answer is how an ASGI app says it speaks no lifespan.
        if answered:
            await close(None)
            return
        # A host that speaks no lifespan: the portable one still runs, answered here.
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await shut_down()
        await send({"type": "lifespan.shutdown.complete"})


def _nothing() -> None:
    pass


def _receive_ending_with_the_stand_in(receive: Receive) -> tuple[Receive, Callable[[], None]]:
    """The host's ``receive``, and what to call once the host has sent its whole stand-in 500.

    Then, as a server's once a response is complete, ``receive`` says ``http.disconnect`` at once,
    a pending call included: a host that listens for the disconnect until then (Quart 0.23) returns.
    After the request body only ``http.disconnect`` can come, so a listening call cut short loses
    nothing. The pending call's task is cancelled, and the cancellation withdrawn where it is
    caught, so a host's own cancellation of its listener (Django's) still reaches it. Python 3.10
    cannot withdraw one: there nothing is cancelled (the hosts that run there return on their own).
    """
    body_complete = ended = woken = False
    listener: asyncio.Task[Any] | None = None

    async def host_receive() -> Message:
        nonlocal body_complete, listener
        if ended:
            return {"type": "http.disconnect"}
        if not body_complete:
            message = await receive()
            body_complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message
        listener = task = asyncio.current_task()
        try:
            return await receive()
        except asyncio.CancelledError:
            if woken and withdraw_cancel(task) == 0:
                return {"type": "http.disconnect"}  # ours alone: the stand-in has been sent
            raise
        finally:
            listener = None

    def stand_in_sent() -> None:
        nonlocal ended, woken
        ended = True
        if listener is not None and sys.version_info >= (3, 11):
            woken = True
            listener.cancel()

    return host_receive, stand_in_sent


def split_middleware(middleware: object) -> tuple[list[Any], list[Any]]:
    """``middleware=``'s portable declarations (``Middleware``, Starlette's) and the host's own entries."""
    if isinstance(middleware, str | bytes) or not isinstance(middleware, Sequence):
        raise ConfigurationError(
            f"middleware={middleware!r} must be a list of Middleware(cls, *args, **kwargs) declarations"
        )
    portable = [item for item in middleware if is_middleware(item)]
    return portable, [item for item in middleware if not is_middleware(item)]


def split_exception_handlers(adapter: Any, handlers: Any) -> tuple[Any, dict[Any, Any]]:
    """``exception_handlers=``'s portable entries, and those keyed by the host's own exception
    classes (``adapter.native_exception_types``), which go to the host untouched."""
    native_types: tuple[type, ...] = getattr(adapter, "native_exception_types", ())
    if not native_types or not isinstance(handlers, Mapping):
        return handlers, {}
    native = {key: value for key, value in handlers.items() if isinstance(key, type) and issubclass(key, native_types)}
    return {key: value for key, value in handlers.items() if key not in native}, native


def split_lifespan(lifespan: object) -> tuple[Lifespan | None, Any]:
    """``lifespan=``: a callable is the portable lifespan; a list (Litestar's own option) is the host's."""
    if lifespan is None or callable(lifespan):
        return lifespan, None
    if isinstance(lifespan, Sequence) and not isinstance(lifespan, str | bytes):
        return None, lifespan
    raise ConfigurationError(
        f"lifespan={lifespan!r} must be a callable taking the app and returning an async context manager"
    )


def install(
    adapter: Any,
    app: Any,
    table: RouteTable,
    *,
    middleware: Sequence[Any],
    lifespan: Lifespan | None,
) -> None:
    """Put the ``ServerErrorLayer``, ``middleware`` and the ``AppLayer`` around ``app``'s ASGI entry
    (when there is anything to add)."""
    handlers = table.exception_handlers
    not_found = None if handlers is None else handlers.for_status(404)
    server_error = None if handlers is None else handlers.server_error
    answers_server_errors = bool(middleware) or server_error is not None
    if not answers_server_errors and lifespan is None and not_found is None:
        return
    # A host that lets an endpoint's exception out of its entry needs no stand-in to get it there.
    raises = answers_server_errors and getattr(adapter, "raises_endpoint_exceptions", False)
    table.raises_server_errors = raises
    escalates = answers_server_errors and not raises

    # A host whose own outermost layer answers an exception as the ServerErrorLayer would without
    # a 500 handler (Starlette's ServerErrorMiddleware) needs no second one inside it.
    server_error_layer = answers_server_errors and not (
        server_error is None and getattr(adapter, "answers_server_errors", False)
    )

    def wrap_entry(entry: ASGIApp) -> ASGIApp:
        layer = entry
        if lifespan is not None or not_found is not None or escalates:
            layer = AppLayer(
                entry, host_app=app, table=table, lifespan=lifespan, not_found=not_found, escalates=escalates
            )
        stack = wrap(layer, middleware)
        return ServerErrorLayer(stack, handler=server_error, table=table) if server_error_layer else stack

    wrap_asgi = getattr(adapter, "wrap_asgi", None)
    if wrap_asgi is not None:
        wrap_asgi(app, wrap_entry)
    elif callable(getattr(app, "asgi_app", None)):
        app.asgi_app = wrap_entry(app.asgi_app)
    elif not _call_through(app, wrap_entry):
        raise ConfigurationError(
            f"The {adapter.name!r} adapter cannot put middleware, a lifespan or a 404 handler around its app: "
            "it needs a wrap_asgi(app, wrap) method, or an app whose __call__ delegates to an asgi_app attribute"
        )


def _call_through(app: Any, wrap_entry: Callable[[ASGIApp], ASGIApp]) -> bool:
    """The last resort for an app with neither ``wrap_asgi`` nor ``asgi_app``: ``app`` becomes an
    instance of a one-off subclass of its class whose ``__call__`` runs the stack around the class's
    own, so it stays an instance of its host's class. False when its class cannot be swapped."""
    cls = type(app)
    if not callable(app) or cls.__module__ == "builtins":
        return False
    stack = wrap_entry(functools.partial(cls.__call__, app))

    async def __call__(self: Any, scope: Scope, receive: Receive, send: Send) -> None:
        # A coroutine function, as servers tell an ASGI 3 app by its __call__. The app is in the
        # scope before the middleware runs, as Starlette's.
        if "app" not in scope:
            scope["app"] = self
        await stack(scope, receive, send)

    namespace = {"__slots__": (), "__call__": __call__, "__module__": cls.__module__, "__qualname__": cls.__qualname__}
    try:
        app.__class__ = type(cls.__name__, (cls,), namespace)
    except TypeError:
        return False
    return True


def ensure_state(app: Any) -> None:
    """Give ``app`` a ``state`` (Starlette's ``app.state``) when its host has none."""
    if not hasattr(app, "state"):
        # An app object that takes no attributes: request.app.state stays the host's business.
        with suppress(AttributeError):
            app.state = State()


async def lifespan_complete(scope: Scope, receive: Receive, send: Send) -> None:
    """An ASGI lifespan that only answers: nothing to start or stop."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


@asynccontextmanager
async def asgi_lifespan(app: ASGIApp) -> AsyncIterator[None]:
    """``app``'s ASGI lifespan as an async context manager: startup on entry, shutdown on exit.

    For a host whose own lifespan hook is a context manager and whose entry never sees the
    lifespan scope (Litestar's ``lifespan=[...]``): the app's startup or shutdown failure raises.
    """
    import anyio  # on first use: a host not built on anyio need not import it

    to_app, app_receives = anyio.create_memory_object_stream[Message](1)
    app_sends, from_app = anyio.create_memory_object_stream[Message](1)
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
    failures: list[BaseException] = []

    async def run() -> None:
        try:
            await app(scope, app_receives.receive, app_sends.send)
        except BaseException as exc:  # reported through the failed message below
            failures.append(exc)
        finally:
            app_sends.close()

    async def step(message: Message, done: str) -> None:
        await to_app.send(message)
        try:
            answer = await from_app.receive()
        except anyio.EndOfStream:
            answer = {"type": "ended"}
        if answer["type"] != done:
            if failures:
                raise failures[0]
            raise RuntimeError(f"The app's lifespan answered {answer!r} instead of {done}")

    async with anyio.create_task_group() as tasks, to_app, app_receives, from_app:
        tasks.start_soon(run)
        await step({"type": "lifespan.startup"}, "lifespan.startup.complete")
        try:
            yield
        finally:
            await step({"type": "lifespan.shutdown"}, "lifespan.shutdown.complete")
