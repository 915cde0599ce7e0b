"""Litestar-only routing facts: the OpenAPI schema of portable routes.

Matching (Starlette's rules on Litestar's router) is the suite's routing grid
(``portable_endpoints/testing/suite/test_routing_grid.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, JSONResponse, PlainTextResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.testing import TestClient, TestResponse

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


def labelled(path: str, label: str) -> Route:
    return Route(path, endpoint(label), name=label)


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"Hello, {request.path_params['username']}")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(websocket.path)
    await websocket.close()


ROUTES = [
    # A literal and a parameter at one trie node: Litestar would not backtrack from "b".
    labelled("/t/{x}/c", "t-param"),
    labelled("/t/b/{y}/d", "t-literal"),
    # One trie leaf for two routes: Litestar's int parser must not reject "bob".
    labelled("/k/{id:int}", "k-int"),
    labelled("/k/{name}", "k-str"),
    # Declaration order wins, even over Litestar's preference for plain paths.
    labelled("/g/{name}", "g-param"),
    labelled("/g/about", "g-plain"),
    labelled("/w/{a}/{b}", "w-two"),
    labelled("/w/{c}/c", "w-c"),
    labelled("/mid/{p:path}/end", "mid"),
    labelled("/p/{rest:path}", "p"),
    labelled("/v{n:int}/x", "v"),
    labelled("/files/{name}.{ext}", "files"),
    labelled("/slash/", "slash"),
    labelled("/f/{v:float}", "float"),
    labelled("/u/{u:uuid}", "uuid"),
    labelled("/x/{id:int}", "x"),
    labelled("/s/{s}", "s"),
    labelled("/", "root"),
    Route("/{username}", hello),
    WebSocketRoute("/ws", echo, name="ws"),
    WebSocketRoute("/only-ws/{n:int}", echo, name="only-ws"),
]
UUID_UPPER = "8B8F2C328F2B4F6B9D2B6A0A4C1E7F10"
PATHS = [
    *("/t/b/c", "/t/b/x/d", "/t/a/c", "/t/b/c/", "/k/5", "/k/bob", "/k/-5", "/g/about", "/g/other"),
    *("/w/b/c", "/w/x/y", "/mid//end", "/mid/a/b/end", "/mid/end", "/p/", "/p", "/p//a", "/p/a/b"),
    *("/v5/x", "/v/x", "/vx/x", "/files/a.tar.gz", "/files/noext", "/slash/", "/slash", "/f/1.5", "/f/1e5"),
    *("/f/nan", "/f/-1", f"/u/{UUID_UPPER}", "/u/xyz", "//x//5//", "/x/5/", "/x/05", "/x/+5", "/s/b%2Fc"),
    *("/s/", "/", "//", "/ws", "/only-ws/1", "/nowhere/at/all"),
]


def outcome(response: TestResponse) -> tuple[int, str | None, str]:
    # Error bodies are each host's own format; successes must match byte for byte.
    body = response.text if response.status_code < 400 else ""
    return response.status_code, response.headers.get("allow"), body


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
