"""Every way of serving portable routes: create_app, mount beside native routes, native_routes by hand.

Each composition runs under a mount prefix and a ``root_path``; the native route of a mounted or
composed app keeps working beside the portable ones.
"""

from __future__ import annotations

from typing import Any

import pytest

import portable_endpoints as pe
from portable_endpoints import (
    HTTPEndpoint,
    JSONResponse,
    Mount,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketRoute,
)
from portable_endpoints.testing import TestClient
from portable_endpoints.testing.native_kit import NoNativeKit
from portable_endpoints.testing.plugin import COMPOSITIONS, NATIVE_PATH, NATIVE_TEXT, Host

pytestmark = pytest.mark.anyio


class Item(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "id": request.path_params["item_id"],
                "path": request.path,
                "url": str(request.url),
                "self": str(request.url_for("item", item_id=1)),
                "nested": str(request.url_for("api:leaf", leaf="x")),
            }
        )

    async def put(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"put {(await request.body()).decode()}")


async def leaf(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"leaf {request.path_params['leaf']}")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json(
        {"path": websocket.path, "url": str(websocket.url), "room": websocket.path_params["room"]}
    )
    await websocket.send_text(f"echo {await websocket.receive_text()}")
    await websocket.close()


ROUTES = [
    Route("/items/{item_id:int}", Item, name="item"),
    Mount("/api", [Route("/leaves/{leaf}", leaf, name="leaf")], name="api"),
    WebSocketRoute("/rooms/{room:int}", echo, name="room"),
]
CASES = [
    pytest.param(composition, prefix, root_path, id=f"{composition}-prefix[{prefix}]-root[{root_path}]")
    for composition in COMPOSITIONS
    for prefix in ("", "/v1")
    for root_path in ("", "/root")
]


@pytest.mark.parametrize(("composition", "prefix", "root_path"), CASES)
async def test_portable_and_native_routes_work_side_by_side(
    pe_host: Host, composition: str, prefix: str, root_path: str
) -> None:
    if composition == "native_routes" and pe_host.native_kit is None:
        # Declared absence: the adapter still gives native routes, but the suite cannot compose them.
        assert pe.native_routes(ROUTES, framework=pe_host.name, prefix=prefix) is not None
        with pytest.raises(NoNativeKit, match=f"The {pe_host.name!r} adapter provides no native kit"):
            pe_host.build(ROUTES, composition, prefix=prefix)
        return
    base = f"http://testserver{root_path}{prefix}"
    async with pe_host.client(ROUTES, composition=composition, prefix=prefix, root_path=root_path) as client:
        response = await client.get(f"{prefix}/items/7?q=1")
        assert response.status_code == 200, response.text
        assert response.json() == {
            "id": 7,
            "path": f"{root_path}{prefix}/items/7",
            "url": f"{base}/items/7?q=1",
            "self": f"{base}/items/1",
            "nested": f"{base}/api/leaves/x",
        }
        assert (await client.put(f"{prefix}/items/7", content=b"body")).text == "put body"
        response = await client.post(f"{prefix}/items/7")
        assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD, PUT")
        assert (await client.get(f"{prefix}/api/leaves/x")).text == "leaf x"
        async with client.websocket_connect(f"{prefix}/rooms/3") as ws:
            assert await ws.receive_json() == {
                "path": f"{root_path}{prefix}/rooms/3",
                "url": f"ws://testserver{root_path}{prefix}/rooms/3",
                "room": 3,
            }
            await ws.send_text("hi")
            assert await ws.receive_text() == "echo hi"
        if prefix:
            assert (await client.get("/items/7")).status_code == 404
        if composition != "create_app":
            response = await client.get(NATIVE_PATH)
            assert (response.status_code, response.text) == (200, NATIVE_TEXT)
            assert response.headers["content-type"].startswith("text/plain")


async def test_mount_twice_into_one_app(pe_host: Host) -> None:
    app = pe_host.mounted_app(ROUTES, prefix="/v1")
    pe.mount(app, ROUTES, prefix="/v2")
    async with TestClient(app) as client:
        for version in ("v1", "v2"):
            response = await client.get(f"/{version}/items/2")
            assert (response.json()["id"], response.json()["path"]) == (2, f"/{version}/items/2")
        assert (await client.get(NATIVE_PATH)).text == NATIVE_TEXT


def test_the_native_kit_is_a_native_kit_or_declared_absent(pe_host: Host) -> None:
    kit: Any = pe_host.native_kit
    if kit is None:
        with pytest.raises(NoNativeKit, match=f"The {pe_host.name!r} adapter provides no native kit"):
            pe_host.require_native_kit()
    else:
        assert pe_host.require_native_kit() is kit
        for member in ("request_type", "websocket_type"):
            value = getattr(kit, member)
            assert value is None or isinstance(value, type), (member, value)
