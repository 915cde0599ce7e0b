"""Litestar-only request facts: the body Litestar owns, its limit, disconnects, before_request hooks."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pytest
from litestar import Request as LitestarRequest
from litestar import Response as LitestarResponse

import portable_endpoints as pe
from portable_endpoints import ClientDisconnect, HTTPEndpoint, JSONResponse, PlainTextResponse, Request, Route
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


class Body(HTTPEndpoint):
    async def post(self, request: Request) -> JSONResponse:
        if request.query_params.get("stream"):
            return JSONResponse({"chunks": [chunk.decode() async for chunk in request.stream()]})
        body = await request.body()
        return JSONResponse({"body": body.decode(), "native": (await request.native.body()).decode()})


async def test_a_body_litestar_middleware_has_read_is_the_endpoints_too() -> None:
    read_first: list[bytes] = []

    def reads_the_body_first(app: Any) -> Any:
        async def middleware(scope: Any, receive: Any, send: Any) -> None:
            # A middleware that reads the body with Litestar's own request, before the endpoint does.
            scope.setdefault("state", {})
            read_first.append(await LitestarRequest(scope, receive).body())
            await app(scope, receive, send)

        return middleware

    app = pe.create_app([Route("/", Body)], framework="litestar", middleware=[reads_the_body_first])
    async with TestClient(app) as client:
        assert (await client.post("/", content=b"payload")).json() == {"body": "payload", "native": "payload"}
        response = await client.post("/?stream=1", content=b"payload")
        assert response.json() == {"chunks": ["payload", ""]}
    assert read_first == [b"payload", b"payload"]


async def test_the_body_the_endpoint_read_is_litestars_too() -> None:
    async with TestClient(pe.create_app([Route("/", Body)], framework="litestar")) as client:
        response = await client.post("/", content=[b"pay", b"load"])
        assert response.json() == {"body": "payload", "native": "payload"}


async def test_litestars_request_body_limit_applies() -> None:
    options: dict[str, Any] = {}
    has_limit = tuple(int(part) for part in version("litestar").split(".")[:2]) >= (2, 10)
    if has_limit:  # request_max_body_size exists from Litestar 2.10; before, a body has no limit
        options["request_max_body_size"] = 4
    async with TestClient(pe.create_app([Route("/", Body)], framework="litestar", **options)) as client:
        response = await client.post("/", content=b"too long")
        assert response.status_code == (413 if has_limit else 200)
        response = await client.post("/", content=[b"too ", b"long"])  # no content-length: counted as read
        assert response.status_code == (413 if has_limit else 200)
        assert (await client.post("/", content=b"tiny")).json()["body"] == "tiny"


async def test_a_client_gone_mid_body_is_the_portable_client_disconnect() -> None:
    seen: list[str] = []

    class Upload(HTTPEndpoint):
        async def post(self, request: Request) -> PlainTextResponse:
            try:
                await request.body()
            except ClientDisconnect:
                seen.append("body")
            try:
                async for _ in request.stream():
                    pass
            except RuntimeError as exc:
                seen.append(str(exc))
            return PlainTextResponse("unheard")

    app = pe.create_app([Route("/", Upload)], framework="litestar")
    messages = [{"type": "http.request", "body": b"part", "more_body": True}, {"type": "http.disconnect"}]
    sent: list[Any] = []

    async def receive() -> Any:
        return messages.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "raw_path": b"/", "query_string": b"", "headers": []}
    await app({**scope, "asgi": {"version": "3.0"}, "scheme": "http", "root_path": ""}, receive, send)
    assert seen == ["body", "Stream consumed"]
    assert sent[0]["status"] == 200


async def test_the_apps_before_request_hook_still_runs_and_may_answer() -> None:
    calls: list[str] = []

    async def before_request(request: LitestarRequest[Any, Any, Any]) -> LitestarResponse[str] | None:
        calls.append(request.url.path)
        if request.headers.get("x-stop"):
            return LitestarResponse("stopped by the hook", media_type="text/plain")
        return None

    app = pe.create_app([Route("/", Body)], framework="litestar", before_request=before_request)
    async with TestClient(app) as client:
        assert (await client.post("/", content=b"x")).json() == {"body": "x", "native": "x"}
        assert (await client.post("/", content=b"x", headers={"x-stop": "1"})).text == "stopped by the hook"
    assert calls == ["/", "/"]
