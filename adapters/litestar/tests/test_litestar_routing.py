"""Litestar-only routing facts: the OpenAPI schema of portable routes.

Matching (Starlette's rules on Litestar's router) is the suite's routing grid
(``portable_endpoints/testing/suite/test_routing_grid.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, JSONResponse, PlainTextResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


def endpoint(label: str) -> type[HTTPEndpoint]:
    class Labelled(HTTPEndpoint):
        async def get(self, request: Request) -> JSONResponse:
            params = {key: [type(value).__name__, str(value)] for key, value in request.path_params.items()}
            return JSONResponse({"route": label, "params": params, "path": request.path, "url": str(request.url)})

        async def post(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"post {label}")

        async def query(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"query {label}")

    return Labelled


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(websocket.path)
    await websocket.close()


class User(HTTPEndpoint):
    """A user resource.

    Addressed by its integer id.
    """

    async def get(self, request: Request) -> PlainTextResponse:
        """Read a user."""
        return PlainTextResponse("user")

    async def post(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("posted")

    async def query(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("queried")


async def listing(request: Request) -> PlainTextResponse:
    """List the things."""
    return PlainTextResponse("things")


async def test_openapi_lists_portable_routes_with_typed_path_params() -> None:
    routes = [
        Route("/users/{user_id:int}", User),
        Route("/things", listing, methods=["GET", "POST"]),
        Route("/float/{value:float}", endpoint("float"), name="float"),
        Route("/uuid/{value:uuid}", endpoint("uuid"), name="uuid"),
        Route("/path/{rest:path}", endpoint("path"), name="path"),
        Route("/files/{name}.{ext}", endpoint("files"), name="files"),
        Route("/hidden/{n:int}", endpoint("hidden"), name="hidden", include_in_schema=False),
        WebSocketRoute("/ws", echo),
    ]
    async with TestClient(pe.create_app(routes, framework="litestar")) as client:
        schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]

    def params(path: str, method: str = "get") -> dict[str, Any]:
        return {p["name"]: (p["in"], p["schema"], p["required"]) for p in paths[path][method].get("parameters", [])}

    assert sorted(paths) == sorted(
        ["/users/{user_id}", "/things", "/float/{value}", "/uuid/{value}", "/path/{rest}", "/files/{name}.{ext}"]
    )
    # The verbs the endpoint defines; not the implicit HEAD, nor QUERY, which OpenAPI 3.1 lacks.
    assert sorted(paths["/users/{user_id}"]) == ["get", "post"]
    assert sorted(paths["/things"]) == ["get", "post"]
    user = paths["/users/{user_id}"]["get"]
    assert user["description"] == "A user resource.\n\nAddressed by its integer id."
    assert user["summary"] == "Read a user."
    assert paths["/things"]["post"]["description"] == "List the things."
    assert params("/users/{user_id}") == {"user_id": ("path", {"type": "integer"}, True)}
    assert params("/users/{user_id}", "post") == {"user_id": ("path", {"type": "integer"}, True)}
    assert params("/float/{value}") == {"value": ("path", {"type": "number"}, True)}
    assert params("/uuid/{value}") == {"value": ("path", {"type": "string", "format": "uuid"}, True)}
    assert params("/path/{rest}") == {"rest": ("path", {"type": "string"}, True)}
    assert params("/files/{name}.{ext}") == {
        "name": ("path", {"type": "string"}, True),
        "ext": ("path", {"type": "string"}, True),
    }
    operation_ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
