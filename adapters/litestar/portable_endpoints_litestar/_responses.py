"""A neutral response on its way through Litestar: a ``litestar.Response`` to Litestar, sent as is.

Converting each neutral response into Litestar's own would rebuild headers and lose repeated ones
(several ``Set-Cookie``); the neutral response is already an ASGI app, so it is sent untouched.
Being a ``Response`` subclass keeps Litestar's contract for ``after_request`` hooks, which get
the response and may read or change its status, headers and cookies.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import copy
from typing import Any

import litestar
from litestar.datastructures import Cookie

from portable_endpoints.background import BackgroundTask
from portable_endpoints.datastructures import MutableHeaders
from portable_endpoints.responses import Response


class PortableResponse(litestar.Response[Any]):
    __slots__ = ("_cookies", "portable")

    def __init__(self, portable: Response) -> None:
        # Litestar's __init__ renders content; the neutral response has done all of that already.
        self.portable = portable
        self._cookies: list[Cookie] | None = None

    @property
    def status_code(self) -> int:
        return self.portable.status_code

    @status_code.setter
    def status_code(self, value: int) -> None:
        self.portable.status_code = value

    @property
    def headers(self) -> MutableHeaders:  # type: ignore[override]
        """The neutral response's own headers; writes reach the client (CR/LF still refused)."""
        return self.portable.headers

    @property
    def cookies(self) -> list[Cookie]:
        """Cookies an ``after_request`` hook adds, sent after the response's own."""
        if self._cookies is None:
            self._cookies = []
        return self._cookies

    @cookies.setter
    def cookies(self, value: list[Cookie]) -> None:
        self._cookies = list(value)

    @property
    def media_type(self) -> str | None:  # type: ignore[override]
        return self.portable.media_type

    @property
    def content(self) -> bytes | None:
        return getattr(self.portable, "body", None)

    @property
    def background(self) -> BackgroundTask | None:  # type: ignore[override]
        return self.portable.background

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.portable.charset

    def to_asgi_response(  # type: ignore[override]
        self,
        app: Any,
        request: Any,
        *,
        headers: dict[str, str] | None = None,
        cookies: Iterable[Cookie] | None = None,
        **_: Any,
    ) -> Response:
        """The neutral response, plus the app's layered ``response_headers`` and ``response_cookies``."""
        portable = self.portable
        if not headers and not cookies and not self._cookies:
            return portable
        raw = list(portable.raw_headers)
        present = {name for name, _ in raw}
        for key, value in (headers or {}).items():
            name = key.lower().encode("latin-1")
            if name not in present:  # as in Litestar, the response's own headers win over the layers'
                raw.append((name, str(value).encode("latin-1")))
        for cookie in (*(cookies or ()), *(self._cookies or ())):
            if not cookie.documentation_only:
                raw.append(cookie.to_encoded_header())
        # A copy, not the original: an endpoint may return one response object on every request.
        sent = copy(portable)
        sent.raw_headers = raw
        return sent


class ASGIAppResponse(litestar.Response[Any]):
    """Any other ASGI app an endpoint answered with (Starlette's responses, a mounted app), sent by
    Litestar as it is: called with Litestar's ``scope, receive, send``."""

    __slots__ = ("app",)

    def __init__(self, app: Any) -> None:
        super().__init__(content=None)
        self.app = app

    def to_asgi_response(self, app: Any, request: Any, **_: Any) -> Any:
        return self.app


class _Silence(Response):
    """Sends nothing: for a client that has already gone."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        return None


def no_answer() -> PortableResponse:
    """What a handler returns when the client left mid-body: Litestar sends it, and it sends nothing."""
    return PortableResponse(_Silence())
