"""``App``: a ``sanic.Sanic`` that any ASGI server can run as it runs any ASGI app; ``create_app``'s class.

Sanic's ASGI mode expects what its own deployment guide sets up, and fails otherwise:

- it starts (finalises its router, learns it runs under ASGI) only on the ``lifespan.startup``
  event, so under a server without lifespan (``uvicorn --lifespan off``, Daphne) every request
  fails; ``App`` starts on its first request when no lifespan has started it;
- it starts once: a second ``lifespan.startup`` (a second server or test client serving the
  app) fails to finalise the router again; ``App`` then runs the listeners only;
- it builds its request from ``scope["raw_path"]``, which the ASGI spec makes optional, and
  refuses one with bytes a URL cannot hold (outside ASCII, a space) by raising out of the ASGI
  call (no answer at all); ``App`` gives Sanic the path percent-encoded, as an HTTP client would
  have sent it;
- it routes the whole path, ``root_path`` included, so an app served under a root path finds
  none of its routes; ``App`` gives Sanic's router the path below the root path (portable routes
  match below it themselves, on any ``Sanic``).

``pe.mount`` works on any ``sanic.Sanic``; on this one these hold for the native routes too.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import quote

from portable_endpoints.types import Receive, Scope, Send
from portable_endpoints_sanic import _compat
from portable_endpoints_sanic._compat import SanicApp


class App(SanicApp):
    """``sanic.Sanic``, served alike by every ASGI server (see the module's docstring)."""

    __slots__ = ("_portable_started", "_portable_startup")

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(name, *args, **kwargs)
        self._portable_startup = asyncio.Lock()
        #: the router was seen finalised (it stays so): no request after that asks again
        self._portable_started = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            if not self._portable_started:
                async with self._portable_startup:
                    if not _compat.router_finalized(self):
                        await _compat.start_without_lifespan(self)
                self._portable_started = True
            # Before Sanic's copy of the scope, so that ASGI middleware around the app and the
            # endpoint's request.state share one dict.
            if "state" not in scope:  # not setdefault: that builds a dict on every request
                scope["state"] = {}
            scope = sanic_scope(scope)
        elif scope["type"] == "lifespan" and _compat.router_finalized(self):
            # Served again (a second server, a second test client): Sanic starts only once.
            await _compat.lifespan_again(self, scope, receive, send)
            return
        sanic_call: Any = super().__call__  # untyped in Sanic
        await sanic_call(scope, receive, send)


#: What ``quote`` leaves as it is in a path: RFC 3986's ``pchar`` and ``/``.
_PATH_SAFE = "/:@!$&'()*+,;=~-._"
#: A raw path Sanic takes as it is: what ``_quoted`` leaves unchanged (checked on every request).
_URL_PATH = re.compile(rb"[A-Za-z0-9/:@!$&'()*+,;=~\-._%?]*")


def sanic_scope(scope: Scope) -> Scope:
    """``scope`` with the ``raw_path`` Sanic routes: below the root path, ASCII only.

    The same dict when nothing changes (portable routes then see the server's own scope).
    """
    root_path: str = scope.get("root_path", "")
    raw_path: bytes | None = scope.get("raw_path")
    if raw_path is not None and not root_path and _URL_PATH.fullmatch(raw_path) is not None:
        return scope
    if raw_path is None:
        raw_path = quote(scope["path"], safe=_PATH_SAFE).encode("ascii")
    if root_path:
        for prefix in (root_path.encode("utf-8"), quote(root_path, safe=_PATH_SAFE).encode("ascii")):
            if raw_path.startswith(prefix) and raw_path[len(prefix) : len(prefix) + 1] in (b"", b"/"):
                raw_path = raw_path[len(prefix) :] or b"/"
                break
    return {**scope, "raw_path": _quoted(raw_path)}


def _quoted(raw_path: bytes) -> bytes:
    """``raw_path`` with every byte a URL cannot hold as it is percent-encoded (escapes and a
    query some clients leave in it kept)."""
    return quote(raw_path, safe=_PATH_SAFE + "%?").encode("ascii")
