"""Falcon-only facts: native responders beside portable routes, Falcon's error handlers and middleware,
``pe.mount`` into a plain ``falcon.asgi.App``, the sink from ``native_routes``, native responses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import falcon
import falcon.asgi
import pytest
from portable_endpoints_falcon import App, PortableSink, error_class

import portable_endpoints as pe
from portable_endpoints import (
    HTTPEndpoint,
    HTTPException,
    JSONResponse,
    PlainTextResponse,
    Request,
    Response,
    Route,
    WebSocket,
    WebSocketRoute,
)
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


class Native:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"native": True}


class Echo(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse({"id": request.path_params["id"], "app": type(request.app).__name__})

    async def post(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"got {(await request.body()).decode()}")


async def echo_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(f"echo {await websocket.receive_text()}")
    await websocket.close(4001, "done")


ROUTES = [Route("/items/{id:int}", Echo, name="item"), WebSocketRoute("/ws", echo_socket)]


async def test_mount_into_a_plain_falcon_app_keeps_its_responders_routes_and_sinks(tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("static file")
    app: Any = falcon.asgi.App()  # an ASGI app, which Falcon types more narrowly than the test client
    app.add_route("/native", Native())
    app.add_route("/items/0", Native())  # Falcon's own routes come first, as on Starlette

    async def earlier_sink(req: falcon.asgi.Request, resp: falcon.asgi.Response | None, **kwargs: Any) -> None:
        assert resp is not None
        resp.text = "earlier sink"

    app.add_sink(earlier_sink, "/other")
    app.add_static_route("/static", str(tmp_path))
    pe.mount(app, ROUTES, prefix="/v1")
    pe.mount(app, [Route("/items/{id:int}", Echo)])
    async with TestClient(app) as client:
        assert (await client.get("/native")).json() == {"native": True}
        assert (await client.get("/items/0")).json() == {"native": True}
        assert (await client.get("/items/3")).json() == {"id": 3, "app": "App"}
        assert (await client.get("/v1/items/7")).json() == {"id": 7, "app": "App"}
        # The body is read from Falcon's own channel, its first event put back.
        assert (await client.post("/v1/items/7", content=b"payload")).text == "got payload"
        assert (await client.get("/other/x")).text == "earlier sink"
        assert (await client.get("/static/hello.txt")).text == "static file"
        response = await client.get("/nowhere")
        assert response.status_code == 404
        assert response.json()["title"] == "404 Not Found"  # Falcon's own error format
        async with client.websocket_connect("/v1/ws") as ws:
            await ws.send_text("hi")
            assert await ws.receive_text() == "echo hi"
            with pytest.raises(pe.WebSocketDisconnect) as closed:
                await ws.receive_text()
        # The endpoint's close reached the client; Falcon sent no close of its own after it.
        assert (closed.value.code, closed.value.reason) == (4001, "done")


async def test_falcons_error_handlers_apply_to_portable_errors() -> None:
    class Teapot(HTTPEndpoint):
        async def get(self, request: Request) -> Response:
            raise HTTPException(int(request.query_params["status"]), detail="nope", headers={"x-why": "because"})

    async def handler(req: falcon.asgi.Request, resp: falcon.asgi.Response, error: Any, params: Any) -> None:
        resp.status = 299
        why = (error.headers or {}).get("x-why")
        resp.text = f"{type(error).__name__} {error.status_code} {error.description} {why}"

    app = pe.create_app([Route("/", Teapot)], framework="falcon")
    app.add_error_handler(falcon.HTTPNotFound, handler)
    app.add_error_handler(error_class(418), handler)
    async with TestClient(app) as client:
        assert (await client.get("/?status=404")).text == "HTTPNotFound 404 nope because"
        assert (await client.get("/?status=418")).text == "HTTP418 418 nope because"
        # An unmatched path is Falcon's own 404, which the same handler gets.
        response = await client.get("/missing")
        assert (response.status_code, response.text.split()[0]) == (299, "HTTPRouteNotFound")
        response = await client.get("/?status=409")  # no handler: Falcon's default error body
        assert (response.status_code, response.json()["title"]) == (409, "409 Conflict")
        assert response.headers["x-why"] == "because"
        response = await client.post("/")
        assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD")
    assert error_class(418) is error_class(418)
    assert error_class(405) is falcon.HTTPMethodNotAllowed


async def test_falcon_middleware_and_cors_see_portable_responses() -> None:
    class Stamp:
        async def process_response(self, req: Any, resp: falcon.asgi.Response, resource: Any, ok: bool) -> None:
            resp.set_header("x-stamp", "falcon")

    app = pe.create_app(ROUTES, framework="falcon", middleware=[Stamp()], cors_enable=True)
    async with TestClient(app) as client:
        response = await client.get("/items/1", headers={"origin": "https://example.com"})
        assert response.headers["x-stamp"] == "falcon"
        assert response.headers["access-control-allow-origin"] == "*"
        # A preflight is answered as for Falcon's own resources, which its CORS middleware completes.
        preflight = {"origin": "https://example.com", "access-control-request-method": "POST"}
        response = await client.request("OPTIONS", "/items/1", headers=preflight)
        assert response.status_code == 200
        assert response.headers["access-control-allow-methods"] == "GET, HEAD, POST"
        assert response.headers["access-control-allow-origin"] == "*"
        # Any other OPTIONS is the core's 405, as on Starlette.
        assert (await client.request("OPTIONS", "/items/1")).status_code == 405
    plain = pe.create_app(ROUTES, framework="falcon")
    async with TestClient(plain) as client:
        preflight = {"origin": "https://example.com", "access-control-request-method": "POST"}
        assert (await client.request("OPTIONS", "/items/1", headers=preflight)).status_code == 405


async def test_headers_are_sent_as_given_and_a_native_response_passes() -> None:
    class Headers(HTTPEndpoint):
        async def get(self, request: Request) -> Any:
            if request.query_params.get("native"):
                native = falcon.asgi.Response()
                native.status = 203
                native.text = "native"
                native.set_cookie("n", "1")
                return native
            response = Response(b"raw")
            response.raw_headers += [(b"x-multi", b"a"), (b"x-multi", b"b"), (b"x-latin", "caf\xe9".encode("latin-1"))]
            response.set_cookie("one", "1")
            response.set_cookie("two", "2")
            return response

    async with TestClient(pe.create_app([Route("/", Headers)], framework="falcon")) as client:
        response = await client.get("/")
        assert response.headers.getlist("x-multi") == ["a", "b"]
        assert response.headers["x-latin"].encode("latin-1") == "caf\xe9".encode("latin-1")
        assert len(response.headers.getlist("set-cookie")) == 2
        assert "content-type" not in response.headers  # no default of Falcon's
        response = await client.get("/?native=1")
        assert (response.status_code, response.text, response.cookies) == (203, "native", {"n": "1"})


async def test_native_routes_is_a_sink_to_register() -> None:
    sink = pe.native_routes(ROUTES, framework="falcon", prefix="/api")
    assert isinstance(sink, PortableSink)
    app: Any = falcon.asgi.App()
    app.add_route("/native", Native())
    app.add_sink(sink.serve, sink.prefix)
    async with TestClient(app) as client:
        assert (await client.get("/api/items/4")).json() == {"id": 4, "app": "NoneType"}
        assert (await client.get("/native")).json() == {"native": True}
        assert (await client.get("/items/4")).status_code == 404


async def test_create_app_builds_a_falcon_app_with_its_options() -> None:
    app = pe.create_app(ROUTES, framework="falcon", cors_enable=True)
    assert isinstance(app, App)
    assert isinstance(app, falcon.asgi.App)
    with pytest.raises(TypeError):
        pe.create_app(ROUTES, framework="falcon", no_such_option=True)


@pytest.mark.parametrize("kind", ["create_app", "falcon.asgi.App"])
async def test_a_body_a_falcon_middleware_began_to_read_is_read_on_from_falcons_stream(kind: str) -> None:
    class Peek:
        async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            req.context.peeked = await req.stream.read(4)

    class Rest(HTTPEndpoint):
        async def post(self, request: Request) -> JSONResponse:
            peeked = request.native.context.peeked.decode()
            return JSONResponse({"peeked": peeked, "rest": (await request.body()).decode()})

    routes = [Route("/", Rest)]
    app: Any = pe.create_app(routes, framework="falcon", middleware=[Peek()])
    if kind != "create_app":
        app = falcon.asgi.App(middleware=[Peek()])
        pe.mount(app, routes)
    async with TestClient(app) as client:
        with anyio.fail_after(5):
            response = await client.post("/", content=b"headbody")
        assert response.json() == {"peeked": "head", "rest": "body"}
