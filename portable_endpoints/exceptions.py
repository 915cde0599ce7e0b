"""Errors raised by endpoints (``HTTPException``, ``WebSocketException``) and by the library itself."""

from __future__ import annotations

import http
from collections.abc import Mapping


class HTTPException(Exception):
    """Raised in an endpoint to end the request with an HTTP error.

    Every adapter turns it into the host framework's own HTTP error, so the host app's
    exception handlers apply to it.
    """

    def __init__(self, status_code: int, detail: str | None = None, headers: Mapping[str, str] | None = None):
        if detail is None:
            detail = http.HTTPStatus(status_code).phrase
        self.status_code = status_code
        self.detail = detail
        self.headers = headers

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class NoMatchFound(Exception):
    """``url_for`` / ``url_path_for`` found no route with that name and those parameters."""

    def __init__(self, name: str, path_params: Mapping[str, object]) -> None:
        params = ", ".join(sorted(path_params))
        super().__init__(f'No route exists for name "{name}" and params "{params}".')


class WebSocketException(Exception):
    """Raised in a WebSocket endpoint to close the connection with ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r})"


class PortableEndpointsError(Exception):
    """Base class of the errors the library raises about how it is used."""


class ConfigurationError(PortableEndpointsError, ValueError):
    """A route, endpoint or option is invalid; raised when the route or class is defined."""


class AdapterNotFound(PortableEndpointsError, LookupError):
    """No installed adapter serves the framework name or app object that was asked for."""


class AdapterUnavailable(PortableEndpointsError, ImportError):
    """The adapter is known but cannot run here, usually because its framework is not installed."""
