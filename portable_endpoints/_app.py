"""The app around the routes: ``create_app``'s ``middleware=``, ``lifespan=`` and ``exception_handlers=``.

Starlette's app is ``ServerErrorMiddleware -> user middleware -> ExceptionMiddleware -> router``
(the router also runs the lifespan). On every host the core rebuilds the part that matters: the
user's middleware around the host's whole ASGI entry (so they run for paths no route matches),
then ``AppLayer``, which runs the lifespan around the host's own, hands its state to every
request, and answers the host's not-found with the ``404`` handler. Endpoint exceptions are
answered in ``run_endpoint`` (the route table's ``exception_handlers``).

How the stack is put in place is the adapter's ``wrap_asgi(app, wrap)`` (see
``portable_endpoints.hosting.WrapsASGIEntry``); an adapter without one gets the default: an app
with an ``asgi_app`` attribute (Quart's convention, ``__call__`` delegating to it) has it wrapped,
and any other app of a plain Python class gets a subclass of its class whose ``__call__`` runs the
stack (so a third-party adapter gets the options with no work).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any

import anyio

from portable_endpoints._handlers import EndpointReached, ExceptionHandler, call_handler, endpoint_reached
from portable_endpoints.datastructures import State
from portable_endpoints.exceptions import ConfigurationError, HTTPException
from portable_endpoints.middleware import is_middleware, wrap
from portable_endpoints.requests import Request
from portable_endpoints.routing import RouteTable
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

#: ``lifespan=``: called with the host's app, an async context manager; what it yields (a mapping
#: or None) is the lifespan state every request sees in ``request.state``.
Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


class AppLayer:
    """Inside the user's middleware, around the host's entry: lifespan, its state, the 404 handler."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        host_app: Any,
        table: RouteTable,
        lifespan: Lifespan | None,
        not_found: ExceptionHandler | None,
    ) -> None:
        self.app = app
        self.host_app = host_app
        self.table = table
        self.lifespan = lifespan
        self.not_found = not_found
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
        if kind != "http" or self.not_found is None:
            await self.app(scope, receive, send)
            return
        await self._watch_not_found(scope, receive, send)

    async def _watch_not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A 404 the host sends when no portable endpoint ran is its not-found: replaced by the handler's,
        # sent as soon as the host's own has ended (a host may wait for the client before returning).
        reached = EndpointReached()
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

        async def watched_send(message: Message) -> None:
            nonlocal held
            if held:
                if not answered and message["type"] == "http.response.body" and not message.get("more_body"):
                    await answer()
                return
            if message["type"] == "http.response.start" and message["status"] == 404 and not reached.value:
                held = True
                return
            await send(message)

        token = endpoint_reached.set(reached)
        try:
            await self.app(scope, receive, watched_send)
        finally:
            endpoint_reached.reset(token)
        if held and not answered:
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
    """Put ``middleware`` and the ``AppLayer`` around ``app``'s ASGI entry (when there is anything to add)."""
    handlers = table.exception_handlers
    not_found = None if handlers is None else handlers.for_status(404)
    if not middleware and lifespan is None and not_found is None:
        return

    def wrap_entry(entry: ASGIApp) -> ASGIApp:
        layer = AppLayer(entry, host_app=app, table=table, lifespan=lifespan, not_found=not_found)
        return wrap(layer, middleware)

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
