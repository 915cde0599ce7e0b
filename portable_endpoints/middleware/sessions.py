"""``SessionMiddleware``: ``request.session`` kept in a signed cookie, on every host.

Ported from Starlette 1.10 (``starlette.middleware.sessions``, BSD-3-Clause, (c) Encode OSS Ltd).
The cookie is signed with itsdangerous, from the ``sessions`` extra
(``pip install "portable-endpoints[sessions]"``). The session is ``scope["session"]``, which
``request.session`` and ``websocket.session`` read on every host, ahead of the host's own session.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from typing import Any, Literal

from portable_endpoints.middleware._headers import message_headers
from portable_endpoints.requests import HTTPConnection
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

#: What to install when itsdangerous is missing.
INSTALL_HINT = 'SessionMiddleware signs its cookie with itsdangerous: pip install "portable-endpoints[sessions]"'


class SessionMiddleware:
    """A session in a signed cookie: ``request.session`` is a dict saved in the response's cookie.

    :param secret_key: the signing key (a ``str``, or anything whose ``str()`` is the key).
    :param session_cookie: the cookie's name.
    :param max_age: the cookie's and the signature's lifetime in seconds (``None``: a browser session).
    :param path: the cookie's path.
    :param same_site: the cookie's ``SameSite``: ``"lax"``, ``"strict"`` or ``"none"``.
    :param https_only: whether the cookie is ``Secure`` (sent over HTTPS only).
    :param domain: the cookie's domain (``None``: this host only).
    :param partitioned: whether the cookie is ``Partitioned`` (CHIPS).
    """

    def __init__(
        self,
        app: ASGIApp,
        secret_key: object,
        session_cookie: str = "session",
        max_age: int | None = 14 * 24 * 60 * 60,  # 14 days, in seconds
        path: str = "/",
        same_site: Literal["lax", "strict", "none"] = "lax",
        https_only: bool = False,
        domain: str | None = None,
        partitioned: bool = False,
    ) -> None:
        try:
            import itsdangerous
            from itsdangerous.exc import BadSignature
        except ImportError as exc:
            raise ImportError(INSTALL_HINT) from exc
        self.app = app
        self.signer = itsdangerous.TimestampSigner(str(secret_key))
        self._bad_signature = BadSignature
        self.session_cookie = session_cookie
        self.max_age = max_age
        self.path = path
        self.security_flags = "httponly; samesite=" + same_site
        if https_only:  # Secure flag can be used with HTTPS only
            self.security_flags += "; secure"
        if domain is not None:
            self.security_flags += f"; domain={domain}"
        if partitioned:
            self.security_flags += "; partitioned"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        connection: HTTPConnection[None] = HTTPConnection(scope)
        initial_session_was_empty = True

        if self.session_cookie in connection.cookies:
            data = connection.cookies[self.session_cookie].encode("utf-8")
            try:
                data = self.signer.unsign(data, max_age=self.max_age)
                scope["session"] = Session(json.loads(b64decode(data)))
                initial_session_was_empty = False
            except self._bad_signature:
                scope["session"] = Session()
        else:
            scope["session"] = Session()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                session: Session = scope["session"]
                headers = message_headers(message)
                if session.accessed:
                    headers.add_vary_header("Cookie")
                if session.modified and session:
                    # We have session data to persist.
                    data = b64encode(json.dumps(session).encode("utf-8"))
                    data = self.signer.sign(data)
                    header_value = "{session_cookie}={data}; path={path}; {max_age}{security_flags}".format(
                        session_cookie=self.session_cookie,
                        data=data.decode("utf-8"),
                        path=self.path,
                        max_age=f"Max-Age={self.max_age}; " if self.max_age is not None else "",
                        security_flags=self.security_flags,
                    )
                    headers.append("Set-Cookie", header_value)
                elif session.modified and not initial_session_was_empty:
                    # The session has been cleared.
                    header_value = "{session_cookie}={data}; path={path}; {expires}{security_flags}".format(
                        session_cookie=self.session_cookie,
                        data="null",
                        path=self.path,
                        expires="expires=Thu, 01 Jan 1970 00:00:00 GMT; ",
                        security_flags=self.security_flags,
                    )
                    headers.append("Set-Cookie", header_value)
            await send(message)

        await self.app(scope, receive, send_wrapper)


class Session(dict[str, Any]):
    """The session: a dict that knows whether it was read (``accessed``) or changed (``modified``)."""

    accessed: bool = False
    modified: bool = False

    def mark_accessed(self) -> None:
        self.accessed = True

    def mark_modified(self) -> None:
        self.accessed = True
        self.modified = True

    def __setitem__(self, key: str, value: Any) -> None:
        self.mark_modified()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.mark_modified()
        super().__delitem__(key)

    def clear(self) -> None:
        self.mark_modified()
        super().clear()

    def pop(self, key: str, *args: Any) -> Any:
        if key in self:
            self.mark_modified()
        return super().pop(key, *args)

    def popitem(self) -> tuple[str, Any]:
        item = super().popitem()
        self.mark_modified()
        return item

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.mark_modified()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.mark_modified()
        super().update(*args, **kwargs)

    def __ior__(self, other: Any, /) -> Session:  # type: ignore[override,misc]
        self.mark_modified()
        return super().__ior__(other)


__all__ = ["Session", "SessionMiddleware"]
