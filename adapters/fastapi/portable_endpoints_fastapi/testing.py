"""The FastAPI host's native kit, for the conformance suite (``pe_native_kit``).

FastAPI's requests, websockets, responses and HTTP errors are Starlette's own classes, so this is
the Starlette kit with FastAPI's app and path operations.
"""

from __future__ import annotations

from typing import Any

import fastapi
import fastapi.responses
from portable_endpoints_starlette.testing import StarletteKit


class FastAPIKit(StarletteKit):
    framework = "fastapi"

    def app_with_native_route(self, path: str, text: str, native_routes: Any = None) -> fastapi.FastAPI:
        app = fastapi.FastAPI()

        async def native() -> fastapi.responses.PlainTextResponse:
            return fastapi.responses.PlainTextResponse(text)

        app.add_api_route(path, native, methods=["GET"])
        if native_routes is not None:
            app.include_router(native_routes)
        return app


NATIVE_KIT = FastAPIKit()
