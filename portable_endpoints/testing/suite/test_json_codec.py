"""``json_codec=``: JSONResponse, request.json() and WebSocket JSON by the app's codec, on every host.

The stdlib codec is Starlette's exact behaviour. msgspec and orjson differ from it; each
difference the docs list (NaN and infinity, non-``str`` keys, integers beyond 64 bits,
``ensure_ascii``, bytes that are not UTF-8) is pinned here, and malformed input still gives 400 /
close 1003 whatever the codec.
"""

from __future__ import annotations

from typing import Any

import pytest

import portable_endpoints as pe
from portable_endpoints import (
    HTTPEndpoint,
    JSONResponse,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketDisconnect,
    WebSocketEndpoint,
    WebSocketRoute,
)
from portable_endpoints.testing import TestClient
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio

CODECS = ("stdlib", "msgspec", "orjson")
BIG = 2**64  # one past the largest unsigned 64-bit integer

#: What ``JSONResponse(value)`` sends with each codec: the body, or ``500`` when the codec refuses.
RENDERED: dict[str, tuple[Any, dict[str, bytes | int]]] = {
    "nan": (float("nan"), {"stdlib": 500, "msgspec": b"null", "orjson": b"null"}),
    "infinity": (float("inf"), {"stdlib": 500, "msgspec": b"null", "orjson": b"null"}),
    "int-key": ({1: "a"}, {"stdlib": b'{"1":"a"}', "msgspec": b'{"1":"a"}', "orjson": 500}),
    "none-key": ({None: "a"}, {"stdlib": b'{"null":"a"}', "msgspec": 500, "orjson": 500}),
    "big-int": ([BIG, -BIG], {"stdlib": b"[18446744073709551616,-18446744073709551616]", "orjson": 500}),
    # ensure_ascii is off with every codec: non-ASCII text is sent as UTF-8, not \\u escapes.
    "non-ascii": ({"é": "ü\u2028☃"}, dict.fromkeys(CODECS, '{"é":"ü\u2028☃"}'.encode())),
}
RENDERED["big-int"][1]["msgspec"] = RENDERED["big-int"][1]["stdlib"]

#: What ``await request.json()`` makes of a body: ``(type name, repr)``, or ``400``.
PARSED: dict[str, tuple[bytes, dict[str, tuple[str, str] | int]]] = {
    "nan": (b"NaN", {"stdlib": ("float", "nan"), "msgspec": 400, "orjson": 400}),
    "infinity": (b"[Infinity]", {"stdlib": ("list", "[inf]"), "msgspec": 400, "orjson": 400}),
    "big-int": (
        b"18446744073709551616",
        {"stdlib": ("int", str(BIG)), "msgspec": ("int", str(BIG)), "orjson": ("float", repr(float(BIG)))},
    ),
    "invalid-utf8": (b'{"a": "\xff"}', dict.fromkeys(CODECS, 400)),
    # The stdlib detects UTF-16 and UTF-32 from the bytes; msgspec and orjson take UTF-8 only.
    "utf-16": ('{"a": 1}'.encode("utf-16"), {"stdlib": ("dict", "{'a': 1}"), "msgspec": 400, "orjson": 400}),
    "malformed": (b'{"a": ', dict.fromkeys(CODECS, 400)),
    "empty": (b"", dict.fromkeys(CODECS, 400)),
}


class Render(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse(RENDERED[request.path_params["case"]][0])


class RenderInThread(HTTPEndpoint):
    # Sync: runs in a worker thread, which must see the route's codec too.
    def get(self, request: Request) -> JSONResponse:
        return JSONResponse(RENDERED[request.path_params["case"]][0])


class Parse(HTTPEndpoint):
    async def post(self, request: Request) -> PlainTextResponse:
        data = await request.json()
        return PlainTextResponse(f"{type(data).__name__} {data!r}")


def http_routes() -> list[Route]:
    return [Route("/render/{case}", Render), Route("/thread/{case}", RenderInThread), Route("/parse", Parse)]


@pytest.mark.parametrize("codec", CODECS)
async def test_json_response_renders_with_the_apps_codec(pe_host: Host, codec: str) -> None:
    async with TestClient(pe_host.app(http_routes(), json_codec=codec), raise_app_exceptions=False) as client:
        for case, (_, expected) in RENDERED.items():
            for prefix in ("/render", "/thread"):
                response = await client.get(f"{prefix}/{case}")
                if expected[codec] == 500:
                    assert response.status_code == 500, (codec, case, prefix, response.content)
                else:
                    assert (response.status_code, response.content) == (200, expected[codec]), (codec, case, prefix)
                    assert response.headers["content-type"] == "application/json"
                    assert response.headers["content-length"] == str(len(response.content))


@pytest.mark.parametrize("codec", CODECS)
async def test_request_json_parses_with_the_apps_codec(pe_host: Host, codec: str) -> None:
    async with TestClient(pe_host.app(http_routes(), json_codec=codec)) as client:
        for case, (body, expected) in PARSED.items():
            response = await client.post("/parse", content=body, headers={"content-type": "application/json"})
            if expected[codec] == 400:
                # Malformed input is the client's error with every codec, never a 500.
                assert response.status_code == 400, (codec, case, response.content)
            else:
                kind, value = expected[codec]  # type: ignore[misc]
                assert (response.status_code, response.text) == (200, f"{kind} {value}"), (codec, case)


async def test_each_route_table_keeps_its_own_codec(pe_host: Host) -> None:
    class Nan(HTTPEndpoint):
        async def get(self, request: Request) -> JSONResponse:
            return JSONResponse({"value": float("nan")})

    app = pe_host.app([Route("/stdlib", Nan, name="stdlib")])
    pe.mount(app, [Route("/msgspec", Nan, name="msgspec")], json_codec="msgspec")
    async with TestClient(app, raise_app_exceptions=False) as client:
        for _ in range(2):  # alternating: neither route's codec leaks into the other's requests
            assert (await client.get("/msgspec")).content == b'{"value":null}'
            assert (await client.get("/stdlib")).status_code == 500


class JSONEcho(WebSocketEndpoint):
    encoding = "json"

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_json(data)


async def echo_json_functions(websocket: WebSocket) -> None:
    await websocket.accept()
    async for data in websocket.iter_json():
        await websocket.send_json(data, mode="binary")


#: A text frame sent to a JSON WebSocket endpoint that echoes it with ``send_json``: the text
#: frame that comes back with each codec, or ``1003`` (refused on receipt).
ECHOED: dict[str, tuple[str, dict[str, str | int]]] = {
    # Starlette's send_json allows NaN, so the stdlib codec echoes it back.
    "nan": ("[NaN]", {"stdlib": "[NaN]", "msgspec": 1003, "orjson": 1003}),
    "big-int": ("[18446744073709551616]", {"stdlib": "[18446744073709551616]", "msgspec": "[18446744073709551616]"}),
    "non-ascii": ('{"é":"☃"}', dict.fromkeys(CODECS, '{"é":"☃"}')),
    "malformed": ("{not json", dict.fromkeys(CODECS, 1003)),
}
ECHOED["big-int"][1]["orjson"] = "[1.8446744073709552e+19]"


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("case", ECHOED)
async def test_websocket_json_with_the_apps_codec(pe_host: Host, codec: str, case: str) -> None:
    sent, expected = ECHOED[case]
    routes = [WebSocketRoute("/class", JSONEcho), WebSocketRoute("/functions", echo_json_functions)]
    async with TestClient(pe_host.app(routes, json_codec=codec), raise_app_exceptions=False) as client:
        for path in ("/class", "/functions"):
            async with client.websocket_connect(path) as ws:
                await ws.send_text(sent)
                if expected[codec] == 1003:
                    with pytest.raises(WebSocketDisconnect) as closed:
                        await ws.receive()
                    assert closed.value.code == 1003, (codec, case, path)
                elif path == "/class":
                    assert await ws.receive_text() == expected[codec], (codec, case)
                else:
                    assert await ws.receive_bytes() == str(expected[codec]).encode(), (codec, case)


@pytest.mark.parametrize("codec", CODECS)
async def test_websocket_bytes_that_are_not_utf8_close_1003(pe_host: Host, codec: str) -> None:
    app = pe_host.app([WebSocketRoute("/ws", JSONEcho)], json_codec=codec)
    async with TestClient(app, raise_app_exceptions=False) as client:
        async with client.websocket_connect("/ws") as ws:
            await ws.send_bytes(b'{"a": "\xff"}')
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive()
            assert closed.value.code == 1003


async def test_websocket_send_json_refusal_is_the_endpoints_error(pe_host: Host) -> None:
    # orjson refuses integer keys: the endpoint raised, so the connection closes with 1011.
    class IntKeys(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket) -> None:
            await websocket.accept()
            await websocket.send_json({1: "a"})

    async with TestClient(
        pe_host.app([WebSocketRoute("/ws", IntKeys)], json_codec="orjson"), raise_app_exceptions=False
    ) as client:
        async with client.websocket_connect("/ws") as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive()
            assert closed.value.code == 1011
    async with TestClient(pe_host.app([WebSocketRoute("/ws", IntKeys)], json_codec="msgspec")) as client:
        async with client.websocket_connect("/ws") as ws:
            assert await ws.receive_text() == '{"1":"a"}'
