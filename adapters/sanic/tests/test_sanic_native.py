"""Sanic-only facts: native handlers and ``HTTPMethodView`` beside portable routes, Sanic's exception
handlers and middleware, ``pe.mount`` into a plain ``sanic.Sanic``, the blueprint from ``native_routes``."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import sanic
from portable_endpoints_sanic import App, PortableBlueprint, error_class
from portable_endpoints_sanic._app import _quoted, sanic_scope
from portable_endpoints_sanic._compat import SanicApp
from sanic.response import BaseHTTPResponse, HTTPResponse, ResponseStream, json, text
from sanic.views import HTTPMethodView

import portable_endpoints as pe
from portable_endpoints import (
    ConfigurationError,
    HTTPEndpoint,
    HTTPException,
    JSONResponse,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketRoute,
)
from portable_endpoints.middleware import Middleware
from portable_endpoints.testing import TestClient
from portable_endpoints.types import ASGIApp, Receive, Scope, Send

pytestmark = pytest.mark.anyio

_names = itertools.count(1)


def plain_sanic() -> SanicApp:
    """A plain ``sanic.Sanic``, as a user builds one; TouchUp off, as Sanic's own tests run many apps."""
    app = sanic.Sanic(f"plain_{next(_names)}")
    app.config.TOUCHUP = False
    return app


class Echo(HTTPEndpoint):
    async def get(self, request: Request[sanic.Request]) -> JSONResponse:
        native = request.native
        return JSONResponse(
            {
                "id": request.path_params["id"],
                "app": request.app.name,
                "native": type(native).__name__,
                "sanic_path": native.path,
            }
        )

    async def post(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"got {(await request.body()).decode()}")

    async def query(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("query")


class Marked(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        request.state.seen_by_endpoint = True
        return PlainTextResponse(f"marked {request.state.marked}")


async def marked_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(f"marked {websocket.state.marked}")
    await websocket.close()


class Teapot(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        raise HTTPException(418, "short and stout", headers={"x-kettle": "on"})


async def echo_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(f"echo {await websocket.receive_text()}")
    await websocket.close(4001, "done")


ROUTES = [Route("/items/{id:int}", Echo, name="item"), WebSocketRoute("/ws", echo_socket)]


class NativeView(HTTPMethodView):
    async def get(self, request: sanic.Request) -> HTTPResponse:
        return text("view get")

    async def put(self, request: sanic.Request) -> HTTPResponse:
        return text(f"view put {request.body.decode()}")


async def test_mount_into_a_plain_sanic_app_keeps_its_handlers_and_views() -> None:
    app = plain_sanic()

    @app.get("/native")
    async def native(request: sanic.Request) -> HTTPResponse:
        return json({"native": True})

    @app.get("/items/0")
    async def item_zero(request: sanic.Request) -> HTTPResponse:
        return text("native item 0")  # Sanic's own routes come first, as on Starlette

    app.add_route(NativeView.as_view(), "/view")
    pe.mount(app, ROUTES, prefix="/v1")
    pe.mount(app, [Route("/items/{id:int}", Echo)])
    async with TestClient(app) as client:
        assert (await client.get("/native")).json() == {"native": True}
        # Sanic's slash leniency for its own routes is kept (the catch-all hides none of them).
        assert (await client.get("/native/")).json() == {"native": True}
        assert (await client.get("/items/0")).text == "native item 0"
        assert (await client.get("/view")).text == "view get"
        # A native handler still gets its body read by Sanic.
        assert (await client.put("/view", content=b"body")).text == "view put body"
        answer = (await client.get("/items/3")).json()
        assert answer == {"id": 3, "app": app.name, "native": "Request", "sanic_path": "/items/3"}
        assert (await client.get("/v1/items/7")).json()["id"] == 7
        assert (await client.post("/v1/items/7", content=b"payload")).text == "got payload"
        # A method Sanic cannot route reaches the portable route.
        assert (await client.request("QUERY", "/v1/items/7")).text == "query"
        # A native route's 405 falls through to the portable route serving the method.
        assert (await client.post("/items/0", content=b"late")).text == "got late"
        response = await client.get("/nowhere")
        assert response.status_code == 404
        assert "Not Found" in response.text  # Sanic's own error page
        async with client.websocket_connect("/v1/ws") as ws:
            await ws.send_text("hi")
            assert await ws.receive_text() == "echo hi"


async def test_sanic_exception_handlers_apply_to_portable_errors_and_native_ones() -> None:
    app = pe.create_app([Route("/teapot", Teapot)], framework="sanic")
    assert isinstance(app, App)

    @app.exception(error_class(418))
    async def teapot(request: sanic.Request, error: sanic.exceptions.SanicException) -> HTTPResponse:
        return text(f"handled {error.status_code}: {error}", 299, dict(error.headers))

    @app.exception(sanic.exceptions.NotFound)
    async def not_found(request: sanic.Request, error: Exception) -> HTTPResponse:
        return text("nothing here", 404)

    async with TestClient(app) as client:
        response = await client.get("/teapot")
        assert (response.status_code, response.text) == (299, "handled 418: short and stout")
        assert response.headers["x-kettle"] == "on"
        assert (await client.get("/missing")).text == "nothing here"
    assert error_class(418) is error_class(418)
    assert error_class(404) is sanic.exceptions.NotFound


async def test_response_middleware_and_request_middleware_apply_to_portable_routes() -> None:
    app = pe.create_app(
        [*ROUTES, Route("/marked", Marked), WebSocketRoute("/marked", marked_socket)], framework="sanic"
    )

    @app.on_request  # type: ignore[untyped-decorator]  # Sanic leaves the decorator untyped
    async def mark(request: sanic.Request) -> None:
        request.ctx.marked = True

    @app.on_response  # type: ignore[untyped-decorator]
    async def stamp(request: sanic.Request, response: HTTPResponse) -> None:
        response.headers["x-stamp"] = "yes" if request.ctx.marked else "no"

    async with TestClient(app) as client:
        response = await client.get("/items/1")
        assert response.headers["x-stamp"] == "yes"
        assert response.json()["id"] == 1
        # request.state is Sanic's request.ctx, shared with the middleware.
        assert (await client.get("/marked")).text == "marked True"
        async with client.websocket_connect("/marked") as ws:
            assert await ws.receive_text() == "marked True"


async def test_a_response_middleware_answers_for_a_portable_route_as_for_a_native_one() -> None:
    # A plain portable response goes to Sanic as a handler's own response (``hosting.plain_parts``):
    # a response middleware that returns another response replaces it, as for a native handler.
    async def plain(request: Request) -> PlainTextResponse:
        return PlainTextResponse("portable", headers={"x-portable": "été"})

    app = pe.create_app([Route("/plain", plain, methods=["GET", "HEAD"])], framework="sanic")

    @app.get("/native")  # type: ignore[untyped-decorator]
    async def native(request: sanic.Request) -> HTTPResponse:
        return text("native")

    @app.on_response  # type: ignore[untyped-decorator]
    async def replace(request: sanic.Request, response: HTTPResponse) -> HTTPResponse | None:
        if "replace" in request.args:
            return text("replaced", status=202)
        return None

    async with TestClient(app) as client:
        for path in ("/plain", "/native"):
            replaced = await client.get(path, params={"replace": "1"})
            assert (replaced.status_code, replaced.text) == (202, "replaced")
        response = await client.get("/plain")
        assert (response.status_code, response.text) == (200, "portable")
        assert response.headers["x-portable"].encode("latin-1") == "été".encode("latin-1")
        head = await client.head("/plain")
        assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "8")


async def test_request_state_joins_sanics_ctx_and_the_scopes_state() -> None:
    async def both(request: Request) -> PlainTextResponse:
        request.state.from_endpoint = "endpoint"
        return PlainTextResponse(f"{request.state.from_sanic} {request.state.from_asgi} {request.state.db}")

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, str]]:
        yield {"db": "connected"}

    def asgi_state(app: ASGIApp) -> ASGIApp:
        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            state = scope.setdefault("state", {})
            state["from_asgi"] = "asgi"
            await app(scope, receive, send)
            if scope["type"] == "http":
                seen.append(state.get("from_endpoint"))

        return with_state

    seen: list[Any] = []
    app = pe.create_app([Route("/", both)], framework="sanic", lifespan=lifespan, middleware=[Middleware(asgi_state)])

    @app.on_request  # type: ignore[untyped-decorator]  # Sanic leaves the decorator untyped
    async def mark(request: sanic.Request) -> None:
        request.ctx.from_sanic = "sanic"

    @app.on_response  # type: ignore[untyped-decorator]
    async def stamp(request: sanic.Request, response: HTTPResponse) -> None:
        response.headers["x-endpoint-set"] = request.ctx.from_endpoint

    async with TestClient(app) as client:
        response = await client.get("/")
    assert response.text == "sanic asgi connected"
    # What the endpoint sets reaches both: Sanic's response middleware and the ASGI middleware.
    assert response.headers["x-endpoint-set"] == "endpoint"
    assert seen == ["endpoint"]


async def test_native_routes_is_a_blueprint_registered_on_any_app() -> None:
    blueprint = pe.native_routes(ROUTES, framework="sanic", prefix="/bp")
    assert isinstance(blueprint, PortableBlueprint)
    app = plain_sanic()
    app.blueprint(blueprint)
    async with TestClient(app) as client:
        assert (await client.get("/bp/items/5")).json()["id"] == 5
        assert (await client.request("QUERY", "/bp/items/5")).text == "query"


def test_a_blueprint_with_a_url_prefix_is_refused_clearly() -> None:
    blueprint = pe.native_routes(ROUTES, framework="sanic")
    with pytest.raises(ConfigurationError, match=r"prefix=\.\.\."):
        plain_sanic().blueprint(blueprint, url_prefix="/v1")


async def test_mounting_into_a_started_app_is_refused_clearly() -> None:
    app = plain_sanic()

    @app.get("/native")
    async def native(request: sanic.Request) -> HTTPResponse:
        return text("native")

    async with TestClient(app) as client:
        with pytest.raises(ConfigurationError, match="has already started"):
            pe.mount(app, ROUTES)
        assert (await client.get("/native")).text == "native"


async def test_a_second_mount_into_a_started_app_with_portable_routes_is_served() -> None:
    app = pe.create_app(ROUTES, framework="sanic")
    async with TestClient(app) as client:
        pe.mount(app, [Route("/late/{id:int}", Echo)])
        assert (await client.get("/late/2")).json()["id"] == 2


async def test_create_app_passes_options_to_sanic_and_names_apps_uniquely() -> None:
    first = pe.create_app(ROUTES, framework="sanic")
    second = pe.create_app(ROUTES, framework="sanic", name="my_app", strict_slashes=True)
    assert first.name != second.name
    assert second.name == "my_app"
    assert second.strict_slashes is True


async def test_app_serves_without_lifespan_under_a_root_path_and_with_raw_paths() -> None:
    app = App(f"app_{next(_names)}")

    @app.get("/native")
    async def native(request: sanic.Request) -> HTTPResponse:
        return text("native")

    pe.mount(app, ROUTES)
    async with TestClient(app, lifespan=False, root_path="/root") as client:
        assert (await client.get("/native")).text == "native"
        assert (await client.get("/items/4")).json()["id"] == 4
        assert (await client.get("/café")).status_code == 404


async def test_sanics_request_max_size_limits_portable_bodies_too() -> None:
    app = pe.create_app(ROUTES, framework="sanic")
    app.config.REQUEST_MAX_SIZE = 5
    async with TestClient(app) as client:
        assert (await client.post("/items/1", content=b"12345")).text == "got 12345"
        assert (await client.post("/items/1", content=b"123456")).status_code == 413


class NativeAnswers(HTTPEndpoint):
    async def get(self, request: Request) -> ResponseStream:
        async def chunks(response: BaseHTTPResponse | ResponseStream) -> None:
            assert isinstance(response, ResponseStream)
            await response.write("streamed ")
            await response.write("natively")

        return ResponseStream(chunks, content_type="text/plain")

    async def post(self, request: Request) -> PlainTextResponse:
        raise LookupError("no such thing")


async def test_a_sanic_response_stream_is_sent_by_sanic_and_exceptions_reach_its_handlers() -> None:
    app = pe.create_app([Route("/native", NativeAnswers)], framework="sanic")

    @app.exception(LookupError)  # type: ignore[untyped-decorator]  # create_app is typed Any
    async def lookup_failed(request: sanic.Request, error: Exception) -> HTTPResponse:
        return text(f"lookup failed: {error}", 409)

    async with TestClient(app) as client:
        assert (await client.get("/native")).text == "streamed natively"
        response = await client.post("/native")
        assert (response.status_code, response.text) == (409, "lookup failed: no such thing")


def test_sanic_scope_fast_path_agrees_with_quoting() -> None:
    for byte in range(256):
        raw_path = b"/a" + bytes([byte]) + b"b"
        scope = {"type": "http", "path": "/", "raw_path": raw_path, "root_path": ""}
        passed = sanic_scope(scope)
        assert passed["raw_path"] == _quoted(raw_path)
        assert (passed is scope) == (_quoted(raw_path) == raw_path)
    rooted = sanic_scope({"type": "http", "path": "/api/x y", "raw_path": b"/api/x y", "root_path": "/api"})
    assert rooted["raw_path"] == b"/x%20y"
    rebuilt = sanic_scope({"type": "http", "path": "/café", "root_path": ""})
    assert rebuilt["raw_path"] == b"/caf%C3%A9"


async def test_sanic_extensions_cors_applies_to_portable_routes_and_their_preflights() -> None:
    from sanic_ext import Extend

    app = pe.create_app(ROUTES, framework="sanic")
    app.config.CORS_ORIGINS = "https://example.com"
    Extend(app)
    origin = {"origin": "https://example.com"}
    async with TestClient(app) as client:
        response = await client.get("/items/1", headers=origin)
        assert response.headers["access-control-allow-origin"] == "https://example.com"
        preflight = await client.options("/items/1", headers={**origin, "access-control-request-method": "POST"})
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "https://example.com"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        # A plain OPTIONS reaches the endpoint, as on Starlette: it serves none, so 405.
        assert (await client.options("/items/1")).status_code == 405
