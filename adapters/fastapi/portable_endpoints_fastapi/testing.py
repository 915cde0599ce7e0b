"""The FastAPI host's native kit, for the conformance suite (``pe_native_kit``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import fastapi
import fastapi.responses
import starlette.exceptions

from portable_endpoints import create_app
from portable_endpoints.routing import BaseRoute


class FastAPIKit:
    # FastAPI's Request and WebSocket are Starlette's own classes.
    request_type = fastapi.Request
    websocket_type = fastapi.WebSocket

    def app_with_native_route(self, path: str, text: str, native_routes: Any = None) -> fastapi.FastAPI:
        app = fastapi.FastAPI()

        async def native() -> fastapi.responses.PlainTextResponse:
            return fastapi.responses.PlainTextResponse(text)

        app.add_api_route(path, native, methods=["GET"])
        if native_routes is not None:
            app.include_router(native_routes)
        return app

    def app_with_error_handlers(self, routes: Sequence[BaseRoute], status_codes: Sequence[int]) -> fastapi.FastAPI:
        async def handler(request: fastapi.Request, exc: Exception) -> fastapi.responses.Response:
            error = cast(starlette.exceptions.HTTPException, exc)  # registered by status code: always one
            return fastapi.responses.PlainTextResponse(
                f"handled {error.status_code}: {error.detail}", status_code=299, headers=error.headers
            )

        app: fastapi.FastAPI = create_app(
            routes, framework="fastapi", exception_handlers=dict.fromkeys(status_codes, handler)
        )
        return app

    def native_response(
        self, text: str, *, status_code: int, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> fastapi.responses.Response:
        response = fastapi.responses.PlainTextResponse(text, status_code=status_code, headers=dict(headers))
        for name, value in cookies.items():
            response.set_cookie(name, value)
        return response


NATIVE_KIT = FastAPIKit()
