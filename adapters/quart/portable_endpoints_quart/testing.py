"""The Quart host's native kit, for the conformance suite (``pe_native_kit``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import quart
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException as WerkzeugHTTPException

from portable_endpoints import create_app
from portable_endpoints.routing import BaseRoute

TEXT = "text/plain; charset=utf-8"


class QuartKit:
    request_type = quart.Request
    websocket_type = quart.Websocket

    def app_with_native_route(self, path: str, text: str, native_routes: Any = None) -> quart.Quart:
        app = quart.Quart(__name__)

        async def native() -> quart.Response:
            return quart.Response(text, content_type=TEXT)

        app.add_url_rule(path, "native", native)
        if native_routes is not None:
            app.register_blueprint(native_routes)
        return app

    def app_with_error_handlers(self, routes: Sequence[BaseRoute], status_codes: Sequence[int]) -> quart.Quart:
        async def handler(error: WerkzeugHTTPException) -> quart.Response:
            headers = [(key, value) for key, value in error.get_headers() if key.lower() != "content-type"]
            body = f"handled {error.code}: {error.description}"
            return quart.Response(body, 299, Headers(headers), content_type=TEXT)

        app: quart.Quart = create_app(routes, framework="quart")
        for status_code in status_codes:
            app.register_error_handler(status_code, handler)
        return app

    def native_response(
        self, text: str, *, status_code: int, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> quart.Response:
        response = quart.Response(text, status_code, dict(headers), content_type=TEXT)
        for name, value in cookies.items():
            response.set_cookie(name, value)
        return response


NATIVE_KIT = QuartKit()
