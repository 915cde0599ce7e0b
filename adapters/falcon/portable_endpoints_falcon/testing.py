"""The Falcon host's native kit, for the conformance suite (``pe_native_kit``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import falcon
import falcon.asgi

from portable_endpoints import create_app
from portable_endpoints.routing import BaseRoute
from portable_endpoints_falcon._app import App
from portable_endpoints_falcon._responses import error_class

TEXT = "text/plain; charset=utf-8"


class RootPathMiddleware:
    """Routes Falcon's own routes below the ASGI ``root_path``.

    Falcon matches ``req.path``, which is the whole ASGI ``path`` (the ``root_path`` included, as
    the ASGI spec and current servers have it); a Falcon app served under a root path strips it
    in a middleware, as Falcon documents for rewriting ``req.path`` before routing. Portable
    routes do not need it: they match below the root path themselves.
    """

    async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        root_path = req.root_path
        if root_path and req.path.startswith(root_path + "/"):
            req.path = req.path[len(root_path) :]


class FalconKit:
    request_type = falcon.asgi.Request
    websocket_type = falcon.asgi.WebSocket

    def app_with_native_route(self, path: str, text: str, native_routes: Any = None) -> falcon.asgi.App[Any, Any]:
        class Native:
            async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
                resp.content_type = TEXT
                resp.text = text

        # Portable routes composed by hand go into an ``App`` (a ``falcon.asgi.App``), as the docs
        # advise: a sink has no say before Falcon's own call reads the first body event, nor over
        # what Falcon sends for a client gone mid-body. ``pe.mount`` gives a plain app that call.
        cls = falcon.asgi.App if native_routes is None else App
        app = cls(middleware=[RootPathMiddleware()])
        app.add_route(path, Native())
        if native_routes is not None:
            app.add_sink(native_routes.serve, native_routes.prefix)
        return app

    def app_with_error_handlers(
        self, routes: Sequence[BaseRoute], status_codes: Sequence[int]
    ) -> falcon.asgi.App[Any, Any]:
        async def handler(
            req: falcon.asgi.Request, resp: falcon.asgi.Response, error: Exception, params: dict[str, Any]
        ) -> None:
            assert isinstance(error, falcon.HTTPError)  # registered for HTTP error classes only
            resp.status = 299
            resp.set_headers(list(error.headers.items()) if isinstance(error.headers, Mapping) else [])
            resp.content_type = TEXT
            resp.text = f"handled {error.status_code}: {error.description}"

        app: falcon.asgi.App[Any, Any] = create_app(routes, framework="falcon")
        for status_code in status_codes:
            app.add_error_handler(error_class(status_code), handler)
        return app

    def native_response(
        self, text: str, *, status_code: int, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> falcon.asgi.Response:
        response = falcon.asgi.Response()
        response.status = status_code
        response.content_type = TEXT
        response.text = text
        response.set_headers(dict(headers))
        for name, value in cookies.items():
            response.set_cookie(name, value, secure=False)
        return response


NATIVE_KIT = FalconKit()
