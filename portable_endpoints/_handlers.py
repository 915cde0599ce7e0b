"""Exception handlers, as Starlette's ``exception_handlers={ExcClassOrStatusCode: handler}``.

Starlette's lookup (credit: Starlette, BSD-3, ``starlette/_exception_handler.py`` and
``starlette/applications.py``): an ``HTTPException`` goes to the handler of its status code, else
to the handler of the nearest class in its MRO; any other exception to the nearest class in its
MRO. The ``500`` / ``Exception`` handler is the server-error handler (Starlette's
``ServerErrorMiddleware``): it answers any other exception, never an ``HTTPException``.

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


class EndpointReached:
    """Set by ``run_endpoint`` once a portable route matched: the response is the endpoint's, not
    the host's not-found answer (read by the app layer that runs a ``404`` handler)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = False


#: The current request's ``EndpointReached``, when an app layer watches for the host's 404.
endpoint_reached: ContextVar[EndpointReached | None] = ContextVar("endpoint_reached", default=None)


def mark_endpoint_reached() -> None:
    """Tell the app layer watching this request (if any) that a portable endpoint answers it."""
    reached = endpoint_reached.get()
    if reached is not None:
        reached.value = True


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
        """The handler of ``exc`` by Starlette's rules, or None (the host's own handling applies)."""
        if isinstance(exc, HTTPException):
            handler = self.by_status.get(exc.status_code)
            if handler is not None:
                return handler
        for cls in type(exc).__mro__:
            handler = self.by_class.get(cls)
            if handler is not None:
                return handler
        if isinstance(exc, HTTPException):
            return None
        return self.server_error


async def call_handler(handler: ExceptionHandler, request: Any, exc: Exception) -> Any:
    """The handler's response for ``exc``; a sync handler runs in a worker thread, as in Starlette."""
    if is_async_callable(handler):
        response = await handler(request, exc)
    else:
        response = await run_in_threadpool(handler, request, exc)
    if response is None:
        raise TypeError(f"Exception handler {handler!r} returned None for {exc!r}; return a Response")
    return response


async def handler_response(handlers: ExceptionHandlers, handler: ExceptionHandler, request: Any, exc: Exception) -> Any:
    """``call_handler``, logging ``exc`` when the server-error handler answers it.

    The server-error handler's response replaces the 500 the host would send; Starlette then also
    re-raises the exception to the server, here it is logged instead (the host sends the response).
    """
    if handler is handlers.server_error:
        logger.error("Exception in ASGI application, answered by the 500 handler", exc_info=exc)
    return await call_handler(handler, request, exc)
