"""The neutral request and websocket over Litestar's own ``Request`` / ``WebSocket`` (``.native``).

Litestar owns the body stream (its limit, its cache), the per-request state and the route names, so
these classes take those from it; headers, query and cookies are read lazily from the scope, as on
every host. The one thing not to take from Litestar is the path: it rewrites ``scope["path"]`` to
its normalised route path, so the original (from ``raw_path``) is what ``path`` and ``url`` show.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import litestar
from litestar.exceptions import ClientException, InternalServerException, NoRouteMatchFoundException
from litestar.utils.scope.state import ScopeState

from portable_endpoints.datastructures import URL
from portable_endpoints.requests import ClientDisconnect, HTTPConnection, Request
from portable_endpoints.routing import NoMatchFound
from portable_endpoints.websockets import WebSocket


class _LitestarConnection(HTTPConnection):
    __slots__ = ()
    session_hint = (
        "install Litestar's session middleware: create_app(..., middleware=[CookieBackendConfig(secret=...)"
        ".middleware]) or ServerSideSessionConfig (litestar.middleware.session)"
    )
    # Set right after construction by the handler: the request's original path.
    _full_path: str

    @property
    def path(self) -> str:
        return self._full_path

    @property
    def url(self) -> URL:
        try:
            return self._url
        except AttributeError:
            scope = self.scope
            self._url = URL.from_scope(
                {
                    "scheme": scope.get("scheme", "http"),
                    "server": scope.get("server"),
                    "path": self._full_path,
                    "query_string": scope.get("query_string", b""),
                    "headers": scope["headers"],
                }
            )
            return self._url

    @property
    def state(self) -> Any:
        """Litestar's own per-request ``State``, shared with its middleware and dependencies."""
        return self._native.state

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """A portable route by its Starlette name (this table, then the app's other portable tables),
        else any route Litestar knows by that handler name."""
        if self.route_table is not None and self.route_table.knows(name):
            # Starlette's rule, not Litestar's (which would ignore parameters that do not fit).
            return super().url_for(name, **path_params)
        try:
            return URL(str(self._native.url_for(name, **path_params)))
        except (NoRouteMatchFoundException, ValueError, TypeError):
            raise NoMatchFound(name, path_params) from None


def _body_limit(native: Any) -> int | None:
    # request_max_body_size exists from Litestar 2.10; before, a body has no limit.
    resolve = getattr(native.route_handler, "resolve_request_max_body_size", None)
    return resolve() if resolve is not None else None


def _too_large() -> Exception:
    # Litestar >= 2.10, the versions with a limit to enforce.
    from litestar.exceptions.http_exceptions import RequestEntityTooLarge

    return RequestEntityTooLarge()


def _announced_length(header: str | None) -> int:
    try:
        return int(header) if header is not None else 0
    except ValueError:
        raise ClientException(f"Invalid content-length: {header!r}") from None


class LitestarRequest(_LitestarConnection, Request):
    __slots__ = ("_full_path",)

    @property
    def native(self) -> litestar.Request[Any, Any, Any]:
        return self._native  # type: ignore[no-any-return]

    async def _chunks(self) -> AsyncIterator[bytes]:
        # Litestar's stream enforces its request_max_body_size; a body its middleware has already
        # read is reused, since the receive channel is drained by then.
        cached = ScopeState.from_scope(self.scope).body  # type: ignore[arg-type]
        if isinstance(cached, bytes):
            yield cached
            return
        native = self._native
        if not native.is_connected:
            raise RuntimeError("Stream consumed")
        try:
            async for chunk in native.stream():
                yield chunk
        except InternalServerException as exc:  # Litestar's name for a client gone mid-body
            native.is_connected = False
            raise ClientDisconnect("The client disconnected before the whole body arrived") from exc

    async def body(self) -> bytes:
        try:
            return self._body
        except AttributeError:
            pass
        state = ScopeState.from_scope(self.scope)  # type: ignore[arg-type]
        if isinstance(state.body, bytes):  # read earlier, by a middleware or a hook
            self._body = state.body
            return self._body
        native = self._native
        if not native.is_connected:
            raise RuntimeError("Stream consumed")
        # Read the channel directly, the way Litestar's body() does, without its generator layers
        # (a third of a small JSON request's time); its limit and its cache are kept.
        limit = _body_limit(native)
        if limit is not None and _announced_length(self.headers.get("content-length")) > limit:
            raise _too_large()
        chunks = []
        size = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                if chunk:
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise _too_large()
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            elif message["type"] == "http.disconnect":
                native.is_connected = False
                raise ClientDisconnect("The client disconnected before the whole body arrived")
        native.is_connected = False
        self._body = state.body = b"".join(chunks)
        return self._body


class LitestarWebSocket(_LitestarConnection, WebSocket):
    __slots__ = ("_full_path",)

    @property
    def native(self) -> litestar.WebSocket[Any, Any, Any]:
        return self._native  # type: ignore[no-any-return]
