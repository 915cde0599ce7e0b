"""FastAPI-only: portable routes in the app's OpenAPI schema and /docs, while the core still routes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from openapi_spec_validator import validate

import portable_endpoints as pe
from portable_endpoints import (
    HTTPEndpoint,
    JSONResponse,
    PlainTextResponse,
    Request,
    Response,
    Route,
    WebSocket,
    WebSocketEndpoint,
    WebSocketRoute,
)
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


class Items(HTTPEndpoint):
    """Items of the catalogue."""

    async def get(self, request: Request) -> JSONResponse:
        """Read one item.

        Looked up by its integer id.
        """
        return JSONResponse({"item_id": request.path_params["item_id"]})

    async def put(self, request: Request) -> JSONResponse:
        return JSONResponse({"replaced": request.path_params["item_id"]})

    async def query(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("queried")


class Typed(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        params = request.path_params
        return JSONResponse({"ratio": params["ratio"], "token": params["token"].hex, "rest": params["rest"]})


class Probe(HTTPEndpoint):
    async def head(self, request: Request) -> Response:
        """Probe without a body."""
        return Response(headers={"x-probe": "yes"})

    async def options(self, request: Request) -> Response:
        return Response(headers={"Allow": "HEAD, OPTIONS"})


async def health(request: Request) -> PlainTextResponse:
    """Liveness.

    Always answers ok.
    """
    return PlainTextResponse("ok")


class Hidden(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("hidden")


class Echo(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_text(data)


ROUTES = [
    Route("/items/{item_id:int}", Items),
    Route("/typed/{ratio:float}/{token:uuid}/{rest:path}", Typed),
    Route("/probe", Probe),
    Route("/health", health, methods=["GET", "POST"]),
    Route("/hidden", Hidden, include_in_schema=False),
    WebSocketRoute("/ws", Echo),
]


def parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        param["name"]: {k: v for k, v in param["schema"].items() if k != "title"} for param in operation["parameters"]
    }


async def test_openapi_lists_every_portable_route_typed_and_documented() -> None:
    app = pe.create_app(ROUTES, framework="fastapi", title="Catalogue", tags=["portable"])
    assert isinstance(app, FastAPI)
    async with TestClient(app) as client:
        response = await client.get("/openapi.json")
        docs = await client.get("/docs")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    paths = schema["paths"]
    assert set(paths) == {"/items/{item_id}", "/typed/{ratio}/{token}/{rest}", "/probe", "/health"}

    # One operation per verb the endpoint defines; QUERY has no OpenAPI operation; HEAD only when defined.
    assert set(paths["/items/{item_id}"]) == {"get", "put"}
    assert set(paths["/probe"]) == {"head", "options"}
    assert set(paths["/health"]) == {"get", "post"}

    get_item = paths["/items/{item_id}"]["get"]
    assert parameters(get_item) == {"item_id": {"type": "integer"}}
    assert (get_item["parameters"][0]["in"], get_item["parameters"][0]["required"]) == ("path", True)
    assert get_item["summary"] == "Read one item."
    assert get_item["description"] == "Read one item.\n\nLooked up by its integer id."
    assert get_item["tags"] == ["portable"]
    put_item = paths["/items/{item_id}"]["put"]
    assert put_item["description"] == "Items of the catalogue."  # no docstring of its own: the class's
    assert put_item["operationId"] != get_item["operationId"]

    assert parameters(paths["/typed/{ratio}/{token}/{rest}"]["get"]) == {
        "ratio": {"type": "number"},
        "token": {"type": "string", "format": "uuid"},
        "rest": {"type": "string"},
    }
    assert paths["/probe"]["head"]["summary"] == "Probe without a body."
    assert "description" not in paths["/probe"]["options"]  # nothing documents it
    assert paths["/health"]["get"]["summary"] == "Liveness."
    assert paths["/health"]["get"]["description"] == "Liveness.\n\nAlways answers ok."

    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert "/openapi.json" in docs.text


async def test_the_schema_is_generated_but_the_core_routes() -> None:
    app = pe.create_app(ROUTES, framework="fastapi")
    token = uuid.uuid4()
    async with TestClient(app) as client:
        assert (await client.get("/items/7")).json() == {"item_id": 7}
        assert (await client.get("/items/x")).status_code == 404
        typed = await client.get(f"/typed/2.5/{token}/a/b/c")
        assert typed.json() == {"ratio": 2.5, "token": token.hex, "rest": "a/b/c"}
        # Starlette's 405 and Allow, from the core, in FastAPI's error format.
        refused = await client.post("/items/7")
        assert refused.status_code == 405
        assert refused.headers["allow"] == "GET, HEAD, PUT, QUERY"
        assert refused.json() == {"detail": "Method Not Allowed"}
        # HEAD falls back to GET with no body; QUERY is served though not documented.
        head = await client.head("/items/7")
        assert (head.status_code, head.content) == (200, b"")
        assert (await client.request("QUERY", "/items/7")).text == "queried"
        # Only standard verbs dispatch.
        assert (await client.request("SNEAK", "/items/7")).status_code == 405
        assert (await client.get("/hidden")).text == "hidden"
        async with client.websocket_connect("/ws") as ws:
            await ws.send_text("hi")
            assert await ws.receive_text() == "hi"


async def test_mount_adds_to_an_existing_schema_next_to_native_path_operations() -> None:
    app = FastAPI()

    @app.get("/native/{n}")
    async def native(n: int) -> dict[str, int]:
        return {"n": n}

    async with TestClient(app) as client:
        before = (await client.get("/openapi.json")).json()
        pe.mount(app, ROUTES, prefix="/v1")
        after = (await client.get("/openapi.json")).json()
        assert (await client.get("/v1/items/3")).json() == {"item_id": 3}
        assert (await client.get("/native/4")).json() == {"n": 4}
    assert set(before["paths"]) == {"/native/{n}"}
    validate(after)
    assert set(after["paths"]) == {
        "/native/{n}",
        "/v1/items/{item_id}",
        "/v1/typed/{ratio}/{token}/{rest}",
        "/v1/probe",
        "/v1/health",
    }


async def test_native_routes_are_an_api_router_to_include_with_prefix_and_tags() -> None:
    router = pe.native_routes(ROUTES, framework="fastapi")
    assert isinstance(router, APIRouter)
    app = FastAPI()
    app.include_router(router, prefix="/api", tags=["catalogue"])
    async with TestClient(app) as client:
        schema = (await client.get("/openapi.json")).json()
        assert (await client.get("/api/items/5")).json() == {"item_id": 5}
        assert (await client.delete("/api/items/5")).headers["allow"] == "GET, HEAD, PUT, QUERY"
        async with client.websocket_connect("/api/ws") as ws:
            await ws.send_text("included")
            assert await ws.receive_text() == "included"
    validate(schema)
    operation = schema["paths"]["/api/items/{item_id}"]["get"]
    assert operation["tags"] == ["catalogue"]
    assert parameters(operation) == {"item_id": {"type": "integer"}}
    assert "/api/hidden" not in schema["paths"]


async def test_mount_on_an_api_router_takes_its_prefix_and_tags() -> None:
    router = APIRouter(prefix="/shop", tags=["shop"])
    pe.mount(router, ROUTES)
    app = FastAPI()
    app.include_router(router)
    async with TestClient(app) as client:
        schema = (await client.get("/openapi.json")).json()
        assert (await client.get("/shop/items/2")).json() == {"item_id": 2}
        async with client.websocket_connect("/shop/ws") as ws:
            await ws.send_text("shop")
            assert await ws.receive_text() == "shop"
    validate(schema)
    assert schema["paths"]["/shop/items/{item_id}"]["put"]["tags"] == ["shop"]


@pytest.mark.parametrize("tags", ["portable", [1, 2]])
def test_tags_must_be_a_list_of_names(tags: Any) -> None:
    with pytest.raises(pe.ConfigurationError, match="tags= takes a list of OpenAPI tag names"):
        pe.create_app(ROUTES, framework="fastapi", tags=tags)
