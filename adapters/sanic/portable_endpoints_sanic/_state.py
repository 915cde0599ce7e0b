"""``request.state`` on Sanic: Sanic's ``request.ctx``, joined with the ASGI ``scope["state"]``.

Sanic keeps its per-request state in ``request.ctx`` (its app's middleware and handlers share
it); ASGI middleware around the app, and the core's lifespan, keep theirs in ``scope["state"]``
(Starlette's ``request.state``). Sanic's ``ctx`` cannot take that dict as its attribute store (a
``SimpleNamespace``'s ``__dict__`` is read-only), so the view reads ``ctx`` first, then the
scope's state, and writes to both: what the endpoint sets is seen by Sanic's response middleware
and by a ``BaseHTTPMiddleware`` after ``call_next`` alike.
"""

from __future__ import annotations

from typing import Any


class SanicState:
    """The attribute view ``request.state`` / ``websocket.state`` is on Sanic (see the module's docstring)."""

    __slots__ = ("_ctx", "_state")

    _ctx: Any
    _state: dict[str, Any]

    def __init__(self, ctx: Any, state: dict[str, Any]) -> None:
        object.__setattr__(self, "_ctx", ctx)
        object.__setattr__(self, "_state", state)

    @property
    def ctx(self) -> Any:
        """Sanic's ``request.ctx`` behind the view."""
        return self._ctx

    def __getattr__(self, key: str) -> Any:
        try:
            return getattr(self._ctx, key)
        except AttributeError:
            pass
        try:
            return self._state[key]
        except KeyError:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        setattr(self._ctx, key, value)
        self._state[key] = value

    def __delattr__(self, key: str) -> None:
        found = False
        if hasattr(self._ctx, key):
            delattr(self._ctx, key)
            found = True
        if key in self._state:
            del self._state[key]
            found = True
        if not found:
            raise AttributeError(key)
