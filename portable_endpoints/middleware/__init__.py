"""Middleware, as Starlette's: ``Middleware(cls, *args, **kwargs)`` around a whole app, a mount's
routes or one route, on every host.

``cls`` is any ASGI middleware factory, called as ``cls(app, *args, **kwargs)``: the portable
middleware of this package, Starlette's own, or any pure-ASGI class. Starlette's ``Middleware``
objects are accepted wherever a portable one is (both unpack as ``(cls, args, kwargs)``).

Starlette's middleware, ported as pure ASGI, are in the modules of Starlette's names: ``base``
(``BaseHTTPMiddleware``), ``cors``, ``gzip``, ``sessions``, ``trustedhost``, ``httpsredirect``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from portable_endpoints.types import ASGIApp


class Middleware:
    """One middleware of a stack: ``cls(app, *args, **kwargs)`` is built when the stack is."""

    __slots__ = ("args", "cls", "kwargs")

    def __init__(self, cls: Any, *args: Any, **kwargs: Any) -> None:
        self.cls = cls
        self.args = args
        self.kwargs = kwargs

    def __iter__(self) -> Iterator[Any]:
        return iter((self.cls, self.args, self.kwargs))

    def __repr__(self) -> str:
        args = [getattr(self.cls, "__name__", repr(self.cls))]
        args += [repr(value) for value in self.args]
        args += [f"{key}={value!r}" for key, value in self.kwargs.items()]
        return f"{type(self).__name__}({', '.join(args)})"


def is_middleware(item: object) -> bool:
    """Whether ``item`` declares an ASGI middleware: a portable ``Middleware`` or Starlette's."""
    if isinstance(item, Middleware):
        return True
    return all(hasattr(item, name) for name in ("cls", "args", "kwargs")) and hasattr(item, "__iter__")


def wrap(app: ASGIApp, middleware: Iterable[Any]) -> ASGIApp:
    """``app`` inside ``middleware``, the first item outermost (Starlette's order)."""
    for cls, args, kwargs in reversed(list(middleware)):
        app = cls(app, *args, **kwargs)
    return app


__all__ = ["Middleware", "is_middleware", "wrap"]
