"""The tiny host's native kit, for the conformance suite (``pe_native_kit``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import portable_endpoints as pe
from portable_endpoints.hosting import RouteTable
from portable_endpoints.routing import BaseRoute

from . import TinyApp, TinyResponse

TEXT = ("content-type", "text/plain; charset=utf-8")


class TinyKit:
    # The tiny host hands endpoints no request or websocket object of its own.
    request_type = None
    websocket_type = None

    def app_with_native_route(self, path: str, text: str, native_routes: RouteTable | None = None) -> TinyApp:
        app = TinyApp()
        app.add_route(path, lambda: TinyResponse(text.encode(), 200, [TEXT]))
        if native_routes is not None:
            app.routes.include(native_routes)  # how TinyApp's users compose pe.native_routes
        return app

    def app_with_error_handlers(self, routes: Sequence[BaseRoute], status_codes: Sequence[int]) -> TinyApp:
        def handler(status_code: int, detail: str, headers: dict[str, str]) -> TinyResponse:
            return TinyResponse(f"handled {status_code}: {detail}".encode(), 299, [*headers.items(), TEXT])

        app: TinyApp = pe.create_app(routes, framework="tiny")
        app.error_handlers.update(dict.fromkeys(status_codes, handler))
        return app

    def native_response(
        self, text: str, *, status_code: int, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> Any:
        cookie_headers = [("set-cookie", f"{name}={value}; Path=/") for name, value in cookies.items()]
        return TinyResponse(text.encode(), status_code, [*headers.items(), *cookie_headers, TEXT])


NATIVE_KIT = TinyKit()
