"""The Sanic host's native kit, for the conformance suite (``pe_native_kit``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sanic
from sanic.server.websockets.connection import WebSocketConnection

from portable_endpoints import create_app
from portable_endpoints.routing import BaseRoute
from portable_endpoints_sanic._adapter import unique_name
from portable_endpoints_sanic._app import App
from portable_endpoints_sanic._compat import SanicApp
from portable_endpoints_sanic._responses import error_class

TEXT = "text/plain; charset=utf-8"


class SanicKit:
    request_type = sanic.Request
    websocket_type = WebSocketConnection

    def app_with_native_route(self, path: str, text: str, native_routes: Any = None) -> SanicApp:
        # The adapter's App: a Sanic app that every ASGI server runs alike (lifespan or not, a
        # root path, a raw path outside ASCII), as the module docs recommend for mounting into.
        app = App(unique_name("native"))
        # As a test suite starting many Sanic apps in one process must (see _compat.skip_touchup).
        app.config.TOUCHUP = False

        @app.get(path, name="native")
        async def native(request: sanic.Request) -> sanic.HTTPResponse:
            return sanic.response.text(text, content_type=TEXT)

        if native_routes is not None:
            app.blueprint(native_routes)
        return app

    def app_with_error_handlers(self, routes: Sequence[BaseRoute], status_codes: Sequence[int]) -> SanicApp:
        async def handler(request: sanic.Request, error: Exception) -> sanic.HTTPResponse:
            assert isinstance(error, sanic.exceptions.SanicException)  # registered for Sanic's HTTP errors only
            headers = {key: value for key, value in (error.headers or {}).items() if key.lower() != "content-type"}
            body = f"handled {error.status_code}: {error}"
            return sanic.response.text(body, 299, headers, content_type=TEXT)

        app: SanicApp = create_app(routes, framework="sanic")
        for status_code in status_codes:
            app.exception(error_class(status_code))(handler)
        return app

    def native_response(
        self, text: str, *, status_code: int, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> sanic.HTTPResponse:
        response = sanic.response.text(text, status_code, dict(headers), content_type=TEXT)
        for name, value in cookies.items():
            response.add_cookie(name, value, secure=False)
        return response


NATIVE_KIT = SanicKit()
