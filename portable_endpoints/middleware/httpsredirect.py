"""``HTTPSRedirectMiddleware``: plain ``http``/``ws`` requests are redirected to ``https``/``wss``.

Ported from Starlette 1.10 (``starlette.middleware.httpsredirect``, BSD-3-Clause, (c) Encode OSS Ltd).
"""

from __future__ import annotations

from portable_endpoints.datastructures import URL
from portable_endpoints.responses import PlainTextResponse, RedirectResponse
from portable_endpoints.types import ASGIApp, Receive, Scope, Send


class HTTPSRedirectMiddleware:
    """A 307 to the same URL over ``https`` (``wss``); port 80 or 443 is dropped from the host."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope["scheme"] in ("http", "ws"):
            url = URL.from_scope(scope)
            if not url.netloc:
                await PlainTextResponse("Invalid host header", status_code=400)(scope, receive, send)
                return
            redirect_scheme = {"http": "https", "ws": "wss"}[url.scheme]
            netloc = url.hostname if url.port in (80, 443) else url.netloc
            url = url.replace(scheme=redirect_scheme, netloc=netloc)
            response = RedirectResponse(url, status_code=307)
            await response(scope, receive, send)
        else:
            await self.app(scope, receive, send)


__all__ = ["HTTPSRedirectMiddleware"]
