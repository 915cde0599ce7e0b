"""The differential routing grid: every host answers as the built-in ``asgi`` reference does.

Routes x request paths x methods x root paths x compositions. The reference routes with the
core's own (Starlette's) rules; a host's router on its own would differ on many of these cases:
converters (float, uuid, path), trailing and merged slashes, leading ``//``, static segments
preferred over parameters, no backtracking in a trie, one trie leaf for two routes, methods the
host has no verb for. Successful bodies must match byte for byte; error bodies are each host's
own format, so only their status, ``Allow`` and ``Location`` are compared.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

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
from portable_endpoints.testing import TestClient, TestResponse, WebSocketRejected
from portable_endpoints.testing.native_kit import NoNativeKit
from portable_endpoints.testing.plugin import COMPOSITIONS, Host

pytestmark = pytest.mark.anyio

METHODS = ("GET", "POST", "QUERY", "DELETE", "FOO")
#: Methods outside most frameworks' own verbs: the ones "native_routes.any_method" is about.
EXTENSION_METHODS = ("QUERY", "FOO")


def labelled(path: str, label: str | None = None) -> Route:
    label = label or path

    class Labelled(HTTPEndpoint):
        async def get(self, request: Request) -> JSONResponse:
            params = {key: [type(value).__name__, str(value)] for key, value in request.path_params.items()}
            return JSONResponse({"route": label, "params": params, "path": request.path, "url": str(request.url)})

        async def post(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"post {label}")

        async def query(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"query {label}")

    return Route(path, Labelled, name=label)


def get_only(path: str) -> Route:
    class Which(HTTPEndpoint):
        async def get(self, request: Request) -> JSONResponse:
            params = {key: [type(value).__name__, str(value)] for key, value in request.path_params.items()}
            return JSONResponse({"route": path, "params": params})

    return Route(path, Which, name=path)


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"Hello, {request.path_params['username']}")


def greeter(word: str) -> Any:
    async def session(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(f"{word} {websocket.path} {websocket.path_params}")
        await websocket.close()

    return session


#: Converters and slashes: each case here differs on a werkzeug-style router.
CONVERTER_PATHS = [
    *("/", "/int/{v:int}", "/float/{v:float}", "/uuid/{v:uuid}", "/str/{v}", "/path/{v:path}"),
    *("/files/{name}.{ext}", "/items/", "/users/{id:int}/", "/users/{name}", "/users/me", "/mixed/{a:int}-{b}"),
    *("/deep/{p:path}/end", "/tail/{v:path}/", "/{catch}/static", "/any/static"),
]
CONVERTER_ROUTES = [
    *(get_only(path) for path in CONVERTER_PATHS),
    WebSocketRoute("/ws/{room}", greeter("param"), name="ws-param"),
    WebSocketRoute("/ws/lobby", greeter("static"), name="ws-static"),
    WebSocketRoute("/only/", greeter("slash"), name="ws-slash"),
]
CONVERTER_REQUESTS = [
    *("/", "//", "/int/7", "/int/007", "/int/-7", "/int/\u0665", "/int/7/", "//int/7", "/int//7", "/float/1"),
    *("/float/1.5", "/float/1.", "/float/.5", "/float/1e3", "/float/nan"),
    *("/uuid/8b8f2c32-8f2b-4f6b-9d2b-6a0a4c1e7f10", "/uuid/8B8F2C328F2B4F6B9D2B6A0A4C1E7F10"),
    *("/uuid/8b8f2c328f2b-4f6b-9d2b-6a0a4c1e7f10", "/uuid/8b8f2c32-8f2b-4f6b-9d2b-6a0a4c1e7f1"),
    *("/str/x", "/str/", "/str/x/", "/str/a b", "/path/", "/path", "/path/a/b/", "/path//a", "/files/a.b.c"),
    *("/files/.txt", "/files/a.", "/items/", "/items", "/items//", "/users/5/", "/users/5", "/users/me"),
    *("/users/me/", "/mixed/1-x", "/mixed/1-", "/mixed/x-1", "/deep/end", "/deep//end", "/deep/a/b/end"),
    *("/tail/x/", "/tail/x", "/tail//", "/any/static", "/other/static"),
]
CONVERTER_SOCKETS = ["/ws/lobby", "/ws/x", "/only/", "/only", "//ws/lobby", "/ws/", "/nowhere"]

#: Shadowing and backtracking: each case here differs on a trie router that prefers static segments.
TRIE_ROUTES = [
    labelled("/t/{x}/c", "t-param"),  # a literal and a parameter at one trie node: no backtracking from "b"
    labelled("/t/b/{y}/d", "t-literal"),
    labelled("/k/{id:int}", "k-int"),  # one trie leaf for two routes: "bob" is not an int
    labelled("/k/{name}", "k-str"),
    labelled("/g/{name}", "g-param"),  # declaration order wins over a preference for plain paths
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
    WebSocketRoute("/ws", greeter("ws"), name="ws"),
    WebSocketRoute("/only-ws/{n:int}", greeter("only-ws"), name="only-ws"),
]
UUID_UPPER = "8B8F2C328F2B4F6B9D2B6A0A4C1E7F10"
TRIE_REQUESTS = [
    *("/t/b/c", "/t/b/x/d", "/t/a/c", "/t/b/c/", "/k/5", "/k/bob", "/k/-5", "/g/about", "/g/other"),
    *("/w/b/c", "/w/x/y", "/mid//end", "/mid/a/b/end", "/mid/end", "/p/", "/p", "/p//a", "/p/a/b"),
    *("/v5/x", "/v/x", "/vx/x", "/files/a.tar.gz", "/files/noext", "/slash/", "/slash", "/f/1.5", "/f/1e5"),
    *("/f/nan", "/f/-1", f"/u/{UUID_UPPER}", "/u/xyz", "//x//5//", "/x/5/", "/x/05", "/x/+5", "/s/b%2Fc"),
    *("/s/", "/", "//", "/ws", "/only-ws/1", "/nowhere/at/all"),
]
TRIE_SOCKETS = ["/ws", "/only-ws/7", "/only-ws/x", "/only-ws/-1", "/t/b/c", "/nowhere"]

GRIDS = {
    "converters": (CONVERTER_ROUTES, CONVERTER_REQUESTS, CONVERTER_SOCKETS),
    "shadowing": (TRIE_ROUTES, TRIE_REQUESTS, TRIE_SOCKETS),
}
PREFIX = {"create_app": "", "mount": "/v1", "native_routes": "/v2"}
CASES = [
    pytest.param(grid, composition, root_path, id=f"{grid}-{composition}-root[{root_path}]")
    for grid in GRIDS
    for composition in COMPOSITIONS
    for root_path in ("", "/api")
]


def reference(routes: list[Any], prefix: str) -> Any:
    return pe.create_app([Mount(prefix, routes)] if prefix else routes, framework="asgi")


Outcome = tuple[int, str | None, str | None, str]


def outcome(response: TestResponse) -> Outcome:
    body = response.text if response.status_code < 400 else ""
    return response.status_code, response.headers.get("allow"), response.headers.get("location"), body


def native_slash_policy(path: str, answered: Outcome, expected: Outcome) -> bool:
    """Whether the two differ only by a slash redirect, which a native app decides for itself.

    Mounted into, or composed by hand into, a user's native app, portable routes follow that app's
    trailing-slash policy (a Starlette app's ``redirect_slashes``; Quart and Litestar apps have
    none): a path that matches only with its trailing slash toggled is a 307 to that twin, or a 404.
    """
    if {answered[0], expected[0]} != {307, 404}:
        return False
    location = (answered if answered[0] == 307 else expected)[2] or ""
    twin = path[:-1] if path.endswith("/") else path + "/"
    return urlsplit(location).path.endswith(twin)


async def socket_outcome(client: TestClient, url: str) -> tuple[str, ...]:
    # A refusal is each host's own (a 403 close, or its 404 page); the route that answered is not.
    try:
        async with client.websocket_connect(url) as ws:
            return ("accepted", await ws.receive_text())
    except WebSocketRejected:
        return ("rejected",)


@pytest.mark.parametrize(("grid", "composition", "root_path"), CASES)
async def test_every_request_routes_as_on_the_reference_host(
    pe_host: Host, grid: str, composition: str, root_path: str
) -> None:
    routes, requests, sockets = GRIDS[grid]
    prefix = PREFIX[composition]
    if composition == "native_routes" and pe_host.native_kit is None:
        with pytest.raises(NoNativeKit, match=f"The {pe_host.name!r} adapter provides no native kit"):
            pe_host.build(routes, composition, prefix=prefix)
        return
    expected_client = TestClient(reference(routes, prefix), root_path=root_path)
    host_client = TestClient(pe_host.build(routes, composition, prefix=prefix), root_path=root_path)
    # Declared limit: composed by hand, methods outside the framework's verbs get its own 405.
    limited = composition == "native_routes" and not pe_host.supports("native_routes.any_method")
    mismatches: list[tuple[Any, ...]] = []
    async with expected_client, host_client:
        for path in requests:
            # Absolute, or the client would read a leading "//" as the start of a host name.
            url = f"http://testserver{prefix}{path}"
            for method in METHODS:
                expected = outcome(await expected_client.request(method, url))
                answered = outcome(await host_client.request(method, url))
                if composition != "create_app" and native_slash_policy(path, answered, expected):
                    continue
                if limited and method in EXTENSION_METHODS:
                    if answered != expected and answered[0] != 405:
                        mismatches.append((method, path, answered, "the host's own 405"))
                elif answered != expected:
                    mismatches.append((method, path, answered, expected))
        for path in sockets:
            url = f"ws://testserver{prefix}{path}"
            expected_socket = await socket_outcome(expected_client, url)
            answered_socket = await socket_outcome(host_client, url)
            if answered_socket != expected_socket:
                mismatches.append(("WEBSOCKET", path, answered_socket, expected_socket))
    assert mismatches == []
