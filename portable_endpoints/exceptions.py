"""Errors raised by endpoints (``HTTPException``, ``WebSocketException``) and by the library itself."""

from __future__ import annotations

import http
import json
import re
import sys
from collections.abc import Mapping
from typing import Any

if sys.version_info >= (3, 11):
    from typing import Self
else:
    from typing_extensions import Self


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


#: msgspec's ``DecodeError`` names the offset in its message: "JSON is malformed: ... (byte 7)".
_BYTE_OFFSET = re.compile(r"\(byte (\d+)\)$")


class _MalformedJSON(json.JSONDecodeError):
    """A codec's malformed-JSON (or bad UTF-8) error as the stdlib's ``JSONDecodeError``.

    Real code wraps ``json()`` in ``except json.JSONDecodeError``, as Starlette's raises it; every
    codec's error (msgspec's, orjson's, a ``UnicodeDecodeError``) reaches it as this. ``str()`` is
    the codec's own message.
    """

    def __init__(self, msg: str, doc: str, pos: int, message: str | None = None) -> None:
        super().__init__(msg, doc, pos)
        if message is not None:
            self.args = (message,)

    @classmethod
    def from_codec_error(cls, error: ValueError, data: str | bytes) -> Self:
        """``error``, raised by a codec's ``loads(data)``, with its message and where it points."""
        if isinstance(error, json.JSONDecodeError):  # the stdlib's and orjson's
            return cls(error.msg, error.doc, error.pos, str(error))
        text = data if isinstance(data, str) else data.decode("utf-8", "replace")
        if isinstance(error, UnicodeDecodeError):
            offset = error.start
        else:
            found = _BYTE_OFFSET.search(str(error))
            offset = int(found.group(1)) if found else 0
        # The codecs count bytes (of the UTF-8 text), JSONDecodeError counts characters.
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        pos = len(raw[:offset].decode("utf-8", "replace"))
        return cls(str(error), text, pos, str(error))

    def __str__(self) -> str:
        return str(self.args[0])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.msg, self.doc, self.pos, str(self))


class MalformedJSON(_MalformedJSON, HTTPException):
    """``await request.json()`` on a body that is not JSON (nor UTF-8), with any ``json_codec``.

    ``except json.JSONDecodeError`` (or ``ValueError``) catches it, as on Starlette; uncaught, it is
    the ``HTTPException(400)`` it also is, so the host answers 400 (``detail``: "Malformed JSON
    body: ...").
    """

    def __init__(self, msg: str, doc: str, pos: int, message: str | None = None) -> None:
        super().__init__(msg, doc, pos, message)
        self.status_code = 400
        self.detail = f"Malformed JSON body: {self}"
        self.headers = None


class MalformedJSONMessage(_MalformedJSON, WebSocketException):
    """``await websocket.receive_json()`` (or ``iter_json``) on a message that is not JSON.

    ``except json.JSONDecodeError`` (or ``ValueError``) catches it with the connection still open,
    as on Starlette; uncaught, it is the ``WebSocketException(1003)`` it also is, so the
    connection closes with 1003 ("Malformed JSON data received.").
    """

    def __init__(self, msg: str, doc: str, pos: int, message: str | None = None) -> None:
        super().__init__(msg, doc, pos, message)
        self.code = 1003
        self.reason = "Malformed JSON data received."


class PortableEndpointsError(Exception):
    """Base class of the errors the library raises about how it is used."""


class ConfigurationError(PortableEndpointsError, ValueError):
    """A route, endpoint or option is invalid; raised when the route or class is defined."""


class SessionNotInstalled(PortableEndpointsError, AssertionError, RuntimeError):
    """``request.session`` / ``websocket.session`` with no session on this host; the message names
    what to install. An ``AssertionError``, as Starlette's (``except AssertionError`` ports)."""


class AdapterNotFound(PortableEndpointsError, LookupError):
    """No installed adapter serves the framework name or app object that was asked for."""


class AdapterUnavailable(PortableEndpointsError, ImportError):
    """The adapter is known but cannot run here, usually because its framework is not installed."""
