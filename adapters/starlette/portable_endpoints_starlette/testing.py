"""The Starlette host's native kit, for the conformance suite (``pe_native_kit``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import starlette.exceptions
import starlette.requests
import starlette.responses
import starlette.routing
import starlette.websockets
from starlette.applications import Starlette

from portable_endpoints import create_app
from portable_endpoints.routing import BaseRoute


class StarletteKit:
    request_type = starlette.requests.Request
    websocket_type = starlette.websockets.WebSocket
    #: the adapter whose ``create_app`` builds the error-handler app (the FastAPI kit reuses this one)
    framework = "starlette"

    def app_with_native_route(self, path: str, text: str, native_routes: Any = None) -> Starlette:
        async def native(request: starlette.requests.Request) -> starlette.responses.PlainTextResponse:
            return starlette.responses.PlainTextResponse(text)

        return Starlette(routes=[starlette.routing.Route(path, native), *(native_routes or [])])

    def app_with_error_handlers(self, routes: Sequence[BaseRoute], status_codes: Sequence[int]) -> Any:
        async def handler(request: starlette.requests.Request, exc: Exception) -> starlette.responses.Response:
            error = cast(starlette.exceptions.HTTPException, exc)  # registered by status code: always one
            return starlette.responses.PlainTextResponse(
                f"handled {error.status_code}: {error.detail}", status_code=299, headers=error.headers
            )

        return create_app(routes, framework=self.framework, exception_handlers=dict.fromkeys(status_codes, handler))

    def native_response(
        self, text: str, *, status_code: int, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> starlette.responses.Response:
        response = starlette.responses.PlainTextResponse(text, status_code=status_code, headers=dict(headers))
        for name, value in cookies.items():
            response.set_cookie(name, value)
        return response


NATIVE_KIT = StarletteKit()
