"""``create_app``'s app serves portable routes without Falcon's request pipeline while nothing of
Falcon's could act on them, and through it again as soon as something could."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi
import pytest

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, JSONResponse, PlainTextResponse, Request, Route
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio

seen: list[str] = []


class Item(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        seen.append(type(request).__name__)
        return PlainTextResponse(f"portable {request.path_params['id']}")

    async def post(self, request: Request) -> JSONResponse:
        native = request.native
        assert isinstance(native, falcon.asgi.Request)
        body = await native.stream.read()
        return JSONResponse({"method": native.method, "path": native.path, "body": body.decode()})


class Fails(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        raise LookupError("gone")


class NativeItem:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, id: int) -> None:
        resp.text = f"native {id}"


ROUTES = [Route("/items/{id:int}", Item), Route("/fails", Fails)]


async def test_portable_routes_skip_falcons_pipeline_until_falcon_has_something_to_do() -> None:
    seen.clear()
    app = pe.create_app(ROUTES, framework="falcon")
    async with TestClient(app) as client:
        assert (await client.get("/items/1")).text == "portable 1"
    assert seen == ["DirectFalconRequest"]  # no Falcon request was built for it

    class Stamp:
        async def process_response(self, req: Any, resp: falcon.asgi.Response, resource: Any, ok: bool) -> None:
            resp.set_header("x-stamp", "falcon")

    app.add_middleware(Stamp())
    async with TestClient(app) as client:
        response = await client.get("/items/2")
    assert (response.text, response.headers["x-stamp"]) == ("portable 2", "falcon")
    assert seen == ["DirectFalconRequest", "FalconRequest"]


async def test_a_route_of_falcons_added_later_comes_first_as_always() -> None:
    app = pe.create_app(ROUTES, framework="falcon")
    app.add_route("/items/{id:int}", NativeItem())
    async with TestClient(app) as client:
        assert (await client.get("/items/3")).text == "native 3"


async def test_the_native_request_is_built_when_asked_for_with_the_body_still_to_read() -> None:
    app = pe.create_app(ROUTES, framework="falcon")
    async with TestClient(app) as client:
        response = await client.post("/items/4?x=1", content=b"hello")
    assert response.json() == {"method": "POST", "path": "/items/4", "body": "hello"}


async def test_what_only_falcon_answers_goes_through_its_error_handlers() -> None:
    async def handler(req: falcon.asgi.Request, resp: falcon.asgi.Response, error: Exception, params: Any) -> None:
        resp.status = 503
        resp.text = f"handled {error!r}"

    app = pe.create_app(ROUTES, framework="falcon")
    async with TestClient(app, raise_app_exceptions=False) as client:
        default = await client.get("/fails")
    assert default.status_code == 500  # Falcon's own answer to an unhandled exception
    app.add_error_handler(LookupError, handler)
    async with TestClient(app) as client:
        handled = await client.get("/fails")
    assert (handled.status_code, handled.text) == (503, "handled LookupError('gone')")
