"""Starlette's own responses, ``StaticFiles`` and apps, served by portable routes on every host.

The conformance suite proves the same with plain ASGI objects (it cannot assume Starlette is
installed); these run Starlette's real classes through ``pe_host`` on every installed host, and
compare a mounted app's answers with native Starlette's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import starlette.applications
import starlette.background
import starlette.middleware
import starlette.middleware.base
import starlette.middleware.gzip
import starlette.requests
import starlette.responses
import starlette.routing
import starlette.staticfiles
import starlette.templating
import starlette.websockets

from portable_endpoints import ConfigurationError, HTTPEndpoint, HTTPException, Mount, PlainTextResponse, Request, Route
from portable_endpoints.testing import TestClient
from portable_endpoints.testing.plugin import COMPOSITIONS, Host

pytestmark = pytest.mark.anyio


def compositions(pe_host: Host) -> list[str]:
    return [name for name in COMPOSITIONS if name != "native_routes" or pe_host.native_kit is not None]


async def test_starlette_plain_text_response(pe_host: Host) -> None:
    class Hello(HTTPEndpoint):
        async def get(self, request: Request) -> starlette.responses.Response:
            response = starlette.responses.PlainTextResponse("hello", status_code=202, headers={"x-from": "starlette"})
            response.set_cookie("first", "1")
            response.set_cookie("second", "2")
            return response

    for composition in compositions(pe_host):
        async with pe_host.client([Route("/", Hello)], composition=composition) as client:
            response = await client.get("/")
        assert (response.status_code, response.text) == (202, "hello")
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.headers["x-from"] == "starlette"
        assert response.cookies == {"first": "1", "second": "2"}


async def test_starlette_streaming_response_and_its_background_task(pe_host: Host) -> None:
    events: list[str] = []
    release = anyio.Event()
    finished = anyio.Event()

    async def numbers() -> AsyncIterator[str]:
        for number in range(4):
            events.append(f"chunk {number}")
            yield f"{number};"

    async def after() -> None:
        await release.wait()
        events.append("background")
        finished.set()

    async def endpoint(request: Request) -> starlette.responses.StreamingResponse:
        response = starlette.responses.StreamingResponse(
            numbers(), media_type="text/plain", background=starlette.background.BackgroundTask(after)
        )
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return response

    async with pe_host.client([Route("/stream", endpoint)]) as client:
        response = await client.get("/stream")
        assert response.text == "0;1;2;3;"
        assert response.headers.getlist("set-cookie")[0].startswith("a=1")
        assert response.headers.getlist("set-cookie")[1].startswith("b=2")
        assert events == ["chunk 0", "chunk 1", "chunk 2", "chunk 3"]
        release.set()
        with anyio.fail_after(5):
            await finished.wait()
    assert events[-1] == "background"


async def test_starlette_dispatch_override_as_documented(pe_host: Host) -> None:
    class Negotiating(HTTPEndpoint):
        async def dispatch(self) -> None:
            request = starlette.requests.Request(self.scope, receive=self.receive)
            if "application/json" in request.headers.get("accept", ""):
                response: starlette.responses.Response = starlette.responses.JSONResponse(
                    {"name": request.path_params["name"]}
                )
            else:
                response = starlette.responses.PlainTextResponse(request.path_params["name"])
            await response(self.scope, self.receive, self.send)

    async with pe_host.client([Route("/users/{name}", Negotiating)]) as client:
        assert (await client.get("/users/ada", headers={"accept": "application/json"})).json() == {"name": "ada"}
        assert (await client.get("/users/ada")).text == "ada"


def starlette_app() -> starlette.applications.Starlette:
    async def where(request: starlette.requests.Request) -> starlette.responses.JSONResponse:
        return starlette.responses.JSONResponse(
            {
                "path": request.url.path,
                "root_path": request.scope.get("root_path"),
                "params": request.path_params,
                "url": str(request.url),
                "body": (await request.body()).decode(),
            }
        )

    async def ws(websocket: starlette.websockets.WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"root_path": websocket.scope["root_path"], "params": websocket.path_params})
        await websocket.close()

    return starlette.applications.Starlette(
        routes=[
            starlette.routing.Route("/items/{item}", where, name="where", methods=["GET", "POST"]),
            starlette.routing.WebSocketRoute("/ws", ws),
        ]
    )


async def test_a_mounted_starlette_app_answers_as_under_starlette(pe_host: Host) -> None:
    native = starlette.applications.Starlette(
        routes=[starlette.routing.Mount("/{org}/sub", app=starlette_app(), name="sub")]
    )
    async with TestClient(native) as client:
        expected = (await client.post("/acme/sub/items/7", content=b"hi")).json()
        async with client.websocket_connect("/acme/sub/ws") as session:
            expected_ws = await session.receive_json()
    for composition in compositions(pe_host):
        async with pe_host.client(
            [Mount("/{org}/sub", app=starlette_app(), name="sub")], composition=composition
        ) as client:
            assert (await client.post("/acme/sub/items/7", content=b"hi")).json() == expected
            async with client.websocket_connect("/acme/sub/ws") as session:
                assert await session.receive_json() == expected_ws
            assert (await client.get("/acme/sub/nothing")).status_code == 404


async def test_starlette_static_files_mounted(pe_host: Host, tmp_path: Path) -> None:
    (tmp_path / "app.css").write_text("body { color: red }")

    async def page(request: Request) -> Any:
        return starlette.responses.PlainTextResponse(str(request.url_for("static", path="/app.css")))

    async def raise_404(request: Request) -> Any:
        raise HTTPException(404)

    routes = [
        Route("/", page),
        Route("/raise-404", raise_404),
        Mount("/static", app=starlette.staticfiles.StaticFiles(directory=tmp_path), name="static"),
    ]
    for composition in compositions(pe_host):
        async with pe_host.client(routes, composition=composition) as client:
            assert (await client.get("/")).text == "http://testserver/static/app.css"
            css = await client.get("/static/app.css")
            assert (css.status_code, css.text) == (200, "body { color: red }")
            assert css.headers["content-type"].startswith("text/css")
            etag = css.headers["etag"]
            assert (await client.get("/static/app.css", headers={"if-none-match": etag})).status_code == 304
            # Starlette's HTTPException, which its StaticFiles raises, is the host's own 404, as an
            # endpoint's HTTPException(404) is.
            missing = await client.get("/static/missing.css")
            raised = await client.get("/raise-404")
            assert (missing.status_code, missing.headers.get("content-type")) == (
                404,
                raised.headers.get("content-type"),
            )
            assert missing.text.replace("/static/missing.css", "PATH") == raised.text.replace("/raise-404", "PATH")
            head = await client.head("/static/app.css")
            assert head.status_code == 200
            assert head.headers["content-length"] == str(len("body { color: red }"))
    # As in a Starlette app: the app's 404 handler answers what Starlette's StaticFiles raises.
    async with TestClient(pe_host.app(routes, exception_handlers={404: not_found_page})) as client:
        missing = await client.get("/static/missing.css")
    assert (missing.status_code, missing.text) == (404, "no page at /static/missing.css")


def not_found_page(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse(f"no page at {request.url.path}", status_code=404)


def test_a_mount_needs_an_app_or_routes_not_both() -> None:
    with pytest.raises(ConfigurationError, match=r"give either app=\.\.\. \(an ASGI app\) or routes=\[\.\.\.\]"):
        Mount("/static")
    with pytest.raises(ConfigurationError, match="not both"):
        Mount("/static", app=starlette_app(), routes=[])
    with pytest.raises(ConfigurationError, match="app must be an ASGI application"):
        Mount("/static", app=42)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="Duplicated param name path"):
        Mount("/{path}", app=starlette_app())


async def test_starlettes_middleware_around_one_route(pe_host: Host) -> None:
    class Timing(starlette.middleware.base.BaseHTTPMiddleware):
        async def dispatch(self, request: starlette.requests.Request, call_next: Any) -> starlette.responses.Response:
            response: starlette.responses.Response = await call_next(request)
            response.headers["x-timed"] = request.url.path
            return response

    async def big(request: Request) -> PlainTextResponse:
        return PlainTextResponse("x" * 1000)

    routes = [
        Route(
            "/big",
            big,
            middleware=[
                starlette.middleware.Middleware(starlette.middleware.gzip.GZipMiddleware, minimum_size=10),
                starlette.middleware.Middleware(Timing),
            ],
        ),
        Route("/plain", big),
    ]
    for composition in compositions(pe_host):
        async with pe_host.client(routes, composition=composition) as client:
            zipped = await client.get("/big", headers={"accept-encoding": "gzip"})
            plain = await client.get("/plain", headers={"accept-encoding": "gzip"})
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["x-timed"] == "/big"
        assert zipped.content == b"x" * 1000  # the client decodes it, as httpx does
        assert "content-encoding" not in plain.headers
        assert plain.text == "x" * 1000


def test_middleware_entries_must_be_middleware() -> None:
    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse("")

    with pytest.raises(ConfigurationError, match=r"Route\('/'\): middleware= takes Middleware\(cls, \*args"):
        Route("/", endpoint, middleware=[starlette.middleware.gzip.GZipMiddleware])
    with pytest.raises(ConfigurationError, match=r"Mount\('/m'\): middleware= takes Middleware"):
        Mount("/m", routes=[], middleware=[object()])


async def test_starlettes_template_response(pe_host: Host, tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<p>{{ name }} at {{ url_for('page') }}</p>")
    templates = starlette.templating.Jinja2Templates(directory=tmp_path)

    async def page(request: Request) -> Any:
        return templates.TemplateResponse(request, "page.html", {"name": "ada"})  # type: ignore[arg-type]

    async with pe_host.client([Route("/page", page)]) as client:
        response = await client.get("/page")
    assert response.text == "<p>ada at http://testserver/page</p>"
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_body_limits_must_be_byte_counts() -> None:
    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse("")

    with pytest.raises(ConfigurationError, match=r"Route\('/'\): max_body_size=-1 must be a number of bytes"):
        Route("/", endpoint, max_body_size=-1)
    with pytest.raises(ConfigurationError, match=r"Mount\('/m'\): max_body_size='1' must be a number of bytes"):
        Mount("/m", routes=[], max_body_size="1")  # type: ignore[arg-type]
