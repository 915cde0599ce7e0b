"""The host's own objects, through the adapter's native kit: native responses, handlers, request types.

On an adapter that provides no native kit, each test asserts that declared absence instead.
"""

from __future__ import annotations

from typing import Any

import pytest

from portable_endpoints import HTTPEndpoint, HTTPException, PlainTextResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.testing import TestClient
from portable_endpoints.testing.native_kit import NoNativeKit
from portable_endpoints.testing.plugin import COMPOSITIONS, Host

pytestmark = pytest.mark.anyio


def assert_no_native_kit(pe_host: Host) -> None:
    assert pe_host.native_kit is None
    with pytest.raises(NoNativeKit, match=f"The {pe_host.name!r} adapter provides no native kit"):
        pe_host.require_native_kit()


@pytest.mark.parametrize("composition", COMPOSITIONS)
async def test_a_native_response_passes_through_untouched(pe_host: Host, composition: str) -> None:
    kit = pe_host.native_kit
    if kit is None:
        assert_no_native_kit(pe_host)
        return
    native = kit.native_response("native", status_code=202, headers={"x-native": "yes"}, cookies={"n": "1"})

    class Native(HTTPEndpoint):
        async def get(self, request: Request) -> Any:
            return native

    async with pe_host.client([Route("/", Native)], composition=composition, prefix="/p") as client:
        response = await client.get("/p/")
    assert (response.status_code, response.content) == (202, b"native")
    assert response.headers["x-native"] == "yes"
    assert response.headers["content-type"].startswith("text/plain")
    assert response.cookies == {"n": "1"}


class Refuse(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        raise HTTPException(418, "short and stout", headers={"x-pot": "tea"})

    async def put(self, request: Request) -> PlainTextResponse:
        raise HTTPException(404)


async def test_the_hosts_exception_handlers_apply_to_portable_http_errors(pe_host: Host) -> None:
    kit = pe_host.native_kit
    if kit is None:
        assert_no_native_kit(pe_host)
        return
    app = kit.app_with_error_handlers([Route("/", Refuse)], [418, 405])
    async with TestClient(app) as client:
        response = await client.get("/")
        assert (response.status_code, response.text) == (299, "handled 418: short and stout")
        assert response.headers["x-pot"] == "tea"
        # The portable 405 (an unserved verb) is the host's own error too, with the portable Allow.
        response = await client.post("/")
        assert response.status_code == 299
        assert response.text.startswith("handled 405: ")
        assert response.headers["allow"] == "GET, HEAD, PUT"
        # A status with no handler keeps the host's default answer.
        assert (await client.put("/")).status_code == 404


@pytest.mark.parametrize("composition", COMPOSITIONS)
async def test_native_request_and_websocket_are_the_hosts_own(pe_host: Host, composition: str) -> None:
    kit = pe_host.native_kit
    if kit is None and composition == "native_routes":
        assert_no_native_kit(pe_host)
        return
    seen: dict[str, Any] = {}

    class Native(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            seen["request"] = request.native
            seen["request again"] = request.native
            return PlainTextResponse("seen")

    async def session(websocket: WebSocket) -> None:
        seen["websocket"] = websocket.native
        await websocket.accept()
        await websocket.send_text("seen")
        await websocket.close()

    routes = [Route("/", Native), WebSocketRoute("/ws", session)]
    async with pe_host.client(routes, composition=composition) as client:
        assert (await client.get("/")).text == "seen"
        async with client.websocket_connect("/ws") as ws:
            assert await ws.receive_text() == "seen"
    request_type = kit.request_type if kit is not None else None
    websocket_type = kit.websocket_type if kit is not None else None
    if request_type is None:
        assert seen["request"] is None
    else:
        assert isinstance(seen["request"], request_type), type(seen["request"])
        assert seen["request again"] is seen["request"]
    if websocket_type is None:
        assert seen["websocket"] is None
    else:
        assert isinstance(seen["websocket"], websocket_type), type(seen["websocket"])
