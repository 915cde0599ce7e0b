"""Exception handlers, as Starlette's ``exception_handlers={ExcClassOrStatusCode: handler}``.

Starlette's lookup (credit: Starlette, BSD-3, ``starlette/_exception_handler.py`` and
``starlette/applications.py``): an ``HTTPException`` goes to the handler of its status code, else
to the handler of the nearest class in its MRO; any other exception to the nearest class in its
MRO. The ``500`` / ``Exception`` handler is the server-error handler (Starlette's
``ServerErrorMiddleware``): it answers any other exception, never an ``HTTPException``.

In a ``create_app`` app with middleware or a server-error handler, an exception no handler of
its class takes leaves the host as Starlette's leaves its ``ExceptionMiddleware``: the app layer
around the host raises it through the app's middleware, and the outermost layer answers it (the
server-error handler, else a plain 500) and re-raises it to the server. ``RequestOutcome`` carries
it there: the host sends a stand-in 500 that the app layer drops.

This module sits below ``_dispatch`` (which consults a route table's handlers in ``run_endpoint``)
and imports neither requests nor responses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from portable_endpoints._concurrency import is_async_callable, run_in_threadpool
from portable_endpoints.exceptions import ConfigurationError, HTTPException

#: ``(request, exc) -> response``, sync (run in a worker thread) or async.
ExceptionHandler = Callable[[Any, Exception], Any]

logger = logging.getLogger("portable_endpoints")


class RequestOutcome:
    """What the app layer around the host learns from ``run_endpoint`` about one request.

    ``reached``: a portable route matched, so a 404 is the endpoint's, not the host's not-found
    answer (for the ``404`` handler). ``escalates``: set by the app layer when a layer above it
    answers server errors (Starlette's ``ServerErrorMiddleware``); ``run_endpoint`` then leaves
    such an exception in ``error`` for the app layer to raise, instead of to the host.
    """

    __slots__ = ("error", "escalates", "reached")

    def __init__(self, *, escalates: bool) -> None:
        self.reached = False
        self.escalates = escalates
        self.error: Exception | None = None


#: The current request's ``RequestOutcome``, when an app layer watches the host's answer.
request_outcome: ContextVar[RequestOutcome | None] = ContextVar("request_outcome", default=None)


def mark_endpoint_reached() -> None:
    """Tell the app layer watching this request (if any) that a portable endpoint answers it."""
    outcome = request_outcome.get()
    if outcome is not None:
        outcome.reached = True


def escalate(exc: Exception) -> bool:
    """Hand ``exc`` to the app layer, to raise it through the app's middleware (Starlette's
    order); False when no layer above answers server errors (the host's handling applies)."""
    outcome = request_outcome.get()
    if outcome is None or not outcome.escalates:
        return False
    outcome.error = exc
    return True


class ExceptionHandlers:
    """One ``exception_handlers`` mapping, validated and split as Starlette splits it."""

    __slots__ = ("by_class", "by_status", "server_error")

    def __init__(self, handlers: Mapping[Any, ExceptionHandler]) -> None:
        if not isinstance(handlers, Mapping):
            raise ConfigurationError(
                f"exception_handlers={handlers!r} must be a mapping of exception classes or status codes to handlers"
            )
        self.by_status: dict[int, ExceptionHandler] = {}
        self.by_class: dict[type[BaseException], ExceptionHandler] = {}
        #: the ``500`` / ``Exception`` handler (the last given wins, as in Starlette)
        self.server_error: ExceptionHandler | None = None
        for key, handler in handlers.items():
            if not callable(handler):
                raise ConfigurationError(f"The exception handler for {key!r} must be callable, got {handler!r}")
            if key in (500, Exception):
                self.server_error = handler
            elif isinstance(key, int) and not isinstance(key, bool):
                if not 100 <= key <= 599:
                    raise ConfigurationError(f"exception_handlers key {key!r} is not an HTTP status code")
                self.by_status[key] = handler
            elif isinstance(key, type) and issubclass(key, Exception):
                self.by_class[key] = handler
            else:
                raise ConfigurationError(
                    f"exception_handlers key {key!r} must be an Exception subclass or an HTTP status code"
                )

    def for_status(self, status_code: int) -> ExceptionHandler | None:
        return self.by_status.get(status_code)

    def lookup(self, exc: Exception) -> ExceptionHandler | None:
        """The handler of ``exc`` by Starlette's ``ExceptionMiddleware`` rules (the server-error
        handler aside), or None."""
        if isinstance(exc, HTTPException):
            handler = self.by_status.get(exc.status_code)
            if handler is not None:
                return handler
        for cls in type(exc).__mro__:
            handler = self.by_class.get(cls)
            if handler is not None:
                return handler
        return None


async def call_handler(handler: ExceptionHandler, request: Any, exc: Exception) -> Any:
    """The handler's response for ``exc``; a sync handler runs in a worker thread, as in Starlette."""
    if is_async_callable(handler):
        response = await handler(request, exc)
    else:
        response = await run_in_threadpool(handler, request, exc)
    if response is None:
        raise TypeError(f"Exception handler {handler!r} returned None for {exc!r}; return a Response")
    return response


async def server_error_response(handlers: ExceptionHandlers, request: Any, exc: Exception) -> Any:
    """The server-error handler's response where it answers in place (routes ``pe.mount`` put in
    your app: no layer of ours around it), ``exc`` logged as a server would log it."""
    assert handlers.server_error is not None
    logger.error("Exception in ASGI application, answered by the 500 handler", exc_info=exc)
    return await call_handler(handlers.server_error, request, exc)
