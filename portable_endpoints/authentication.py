"""Who is calling: ``requires``, users, credentials and backends, with Starlette's names and behaviour.

Ported from Starlette 1.10's ``starlette.authentication`` (BSD-3-Clause, Encode OSS Ltd.). A
backend runs in ``portable_endpoints.middleware.authentication.AuthenticationMiddleware``, which
sets ``scope["auth"]`` and ``scope["user"]``; ``request.auth`` / ``request.user`` read them on every
host, and so does ``requires``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec
from urllib.parse import urlencode

from portable_endpoints._concurrency import is_async_callable
from portable_endpoints.exceptions import HTTPException
from portable_endpoints.requests import HTTPConnection, Request
from portable_endpoints.responses import RedirectResponse
from portable_endpoints.websockets import WebSocket

_P = ParamSpec("_P")


def has_required_scope(conn: HTTPConnection[Any], scopes: Sequence[str]) -> bool:
    """Whether the connection's credentials (``conn.auth.scopes``) hold every one of ``scopes``."""
    granted = conn.auth.scopes
    return all(scope in granted for scope in scopes)


def requires(
    scopes: str | Sequence[str],
    status_code: int = 403,
    redirect: str | None = None,
) -> Callable[[Callable[_P, Any]], Callable[_P, Any]]:
    """Guard an endpoint (function or endpoint method, sync or async) by credential scopes.

    The guarded callable takes a parameter named ``request`` or ``websocket``. Without the scopes,
    an HTTP endpoint raises ``HTTPException(status_code)``, or with ``redirect`` answers 303 to
    ``url_for(redirect)`` with ``?next=`` the original URL; a WebSocket is closed before it is
    accepted (the handshake is refused).
    """
    scopes_list = [scopes] if isinstance(scopes, str) else list(scopes)

    def decorator(func: Callable[_P, Any]) -> Callable[_P, Any]:
        names = list(inspect.signature(func).parameters)
        found = next((name for name in names if name in ("request", "websocket")), None)
        if found is None:
            raise Exception(f'No "request" or "websocket" argument on function "{func}"')
        kind, index = found, names.index(found)

        def connection(args: Any, kwargs: Any, expected: type) -> Any:
            conn = kwargs.get(kind, args[index] if index < len(args) else None)
            if not isinstance(conn, expected):
                raise AssertionError(
                    f"Parameter with name '{kind}' is required to be of type '{expected.__name__}'"
                    f" not '{type(conn).__name__}'"
                )
            return conn

        def refusal(request: Request[Any]) -> RedirectResponse:
            if redirect is None:
                raise HTTPException(status_code=status_code)
            next_url = f"{request.url_for(redirect)}?{urlencode({'next': str(request.url)})}"
            return RedirectResponse(url=next_url, status_code=303)

        if kind == "websocket":

            @functools.wraps(func)
            async def websocket_wrapper(*args: _P.args, **kwargs: _P.kwargs) -> None:
                websocket = connection(args, kwargs, WebSocket)
                if not has_required_scope(websocket, scopes_list):
                    await websocket.close()
                else:
                    await func(*args, **kwargs)

            return websocket_wrapper

        if is_async_callable(func):

            @functools.wraps(func)
            async def async_wrapper(*args: _P.args, **kwargs: _P.kwargs) -> Any:
                request = connection(args, kwargs, Request)
                if not has_required_scope(request, scopes_list):
                    return refusal(request)
                return await func(*args, **kwargs)

            return async_wrapper

        @functools.wraps(func)
        def sync_wrapper(*args: _P.args, **kwargs: _P.kwargs) -> Any:
            request = connection(args, kwargs, Request)
            if not has_required_scope(request, scopes_list):
                return refusal(request)
            return func(*args, **kwargs)

        return sync_wrapper

    return decorator


class AuthenticationError(Exception):
    """Raised by a backend for credentials it refuses; its message is written for the client."""


class AuthenticationBackend:
    """Finds who is calling: ``authenticate`` returns ``(AuthCredentials, BaseUser)``, or None for nobody."""

    async def authenticate(self, conn: HTTPConnection[Any]) -> tuple[AuthCredentials, BaseUser] | None:
        raise NotImplementedError()


class AuthCredentials:
    """What the caller may do: the scopes ``requires`` checks."""

    def __init__(self, scopes: Sequence[str] | None = None) -> None:
        self.scopes = [] if scopes is None else list(scopes)


class BaseUser:
    """Who is calling; ``request.user`` is one."""

    @property
    def is_authenticated(self) -> bool:
        raise NotImplementedError()

    @property
    def display_name(self) -> str:
        raise NotImplementedError()

    @property
    def identity(self) -> str:
        raise NotImplementedError()


class SimpleUser(BaseUser):
    """An authenticated user known by a username."""

    def __init__(self, username: str) -> None:
        self.username = username

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.username

    @property
    def identity(self) -> str:
        return self.username


class UnauthenticatedUser(BaseUser):
    """Nobody: what ``request.user`` is when the backend found no credentials."""

    @property
    def is_authenticated(self) -> bool:
        return False

    @property
    def display_name(self) -> str:
        return ""

    @property
    def identity(self) -> str:
        return ""


__all__ = [
    "AuthCredentials",
    "AuthenticationBackend",
    "AuthenticationError",
    "BaseUser",
    "SimpleUser",
    "UnauthenticatedUser",
    "has_required_scope",
    "requires",
]
