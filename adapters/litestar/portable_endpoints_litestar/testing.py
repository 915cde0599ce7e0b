"""The Litestar host's native kit, for the conformance suite (``pe_native_kit``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import litestar
from litestar import Litestar, MediaType, get
from litestar.datastructures import Cookie

from portable_endpoints import create_app
from portable_endpoints.routing import BaseRoute


class LitestarKit:
    request_type = litestar.Request
    websocket_type = litestar.WebSocket

    def app_with_native_route(self, path: str, text: str, native_routes: Any = None) -> Litestar:
        @get(path, name="native", media_type=MediaType.TEXT, sync_to_thread=False)
        def native() -> str:
            return text

        return Litestar(route_handlers=[native, *(native_routes or [])])

    def app_with_error_handlers(self, routes: Sequence[BaseRoute], status_codes: Sequence[int]) -> Litestar:
        def handler(request: litestar.Request[Any, Any, Any], exc: Exception) -> litestar.Response[str]:
            status_code, detail = getattr(exc, "status_code", 500), getattr(exc, "detail", "")
            return litestar.Response(
                f"handled {status_code}: {detail}",
                status_code=299,
                headers=getattr(exc, "headers", None),
                media_type=MediaType.TEXT,
            )

        app: Litestar = create_app(
            routes, framework="litestar", exception_handlers=dict.fromkeys(status_codes, handler)
        )
        return app

    def native_response(
        self, text: str, *, status_code: int, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> litestar.Response[str]:
        return litestar.Response(
            text,
            status_code=status_code,
            headers=dict(headers),
            media_type=MediaType.TEXT,
            cookies=[Cookie(key=name, value=value) for name, value in cookies.items()],
        )


NATIVE_KIT = LitestarKit()
