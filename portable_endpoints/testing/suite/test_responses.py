"""Neutral responses on every host: media types, redirects, streaming, files, cookies, background."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from portable_endpoints import (
    BackgroundTask,
    BackgroundTasks,
    FileResponse,
    HTMLResponse,
    HTTPEndpoint,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Request,
    Response,
    Route,
    StreamingResponse,
)
from portable_endpoints.testing._raw import drive_http, http_scope
from portable_endpoints.testing.plugin import COMPOSITIONS, Host

pytestmark = pytest.mark.anyio


class Kinds(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind == "html":
            return HTMLResponse("<h1>hi</h1>")
        if kind == "json":
            return JSONResponse({"ok": True, "text": "é"})
        if kind == "bytes":
            return Response(b"\x00\x01", media_type="application/octet-stream", headers={"x-extra": "1"})
        if kind == "status":
            return PlainTextResponse("created", status_code=201)
        if kind == "empty":
            return Response(status_code=204)
        return RedirectResponse("/target?x=1")


@pytest.mark.parametrize(
    ("kind", "status", "content_type", "body"),
    [
        ("html", 200, "text/html; charset=utf-8", b"<h1>hi</h1>"),
        ("json", 200, "application/json", '{"ok":true,"text":"é"}'.encode()),
        ("bytes", 200, "application/octet-stream", b"\x00\x01"),
        ("status", 201, "text/plain; charset=utf-8", b"created"),
    ],
)
async def test_response_kinds(pe_host: Host, kind: str, status: int, content_type: str, body: bytes) -> None:
    async with pe_host.client([Route("/{kind}", Kinds)]) as client:
        response = await client.get(f"/{kind}")
        assert response.status_code == status
        assert response.headers["content-type"] == content_type
        assert response.content == body
        assert response.headers["content-length"] == str(len(body))


async def test_empty_and_redirect_responses(pe_host: Host) -> None:
    async with pe_host.client([Route("/{kind}", Kinds)]) as client:
        response = await client.get("/empty")
        assert response.status_code == 204
        assert response.content == b""
        response = await client.get("/redirect")
        assert response.status_code == 307
        assert response.headers["location"] == "/target?x=1"


async def test_custom_headers_are_kept(pe_host: Host) -> None:
    async with pe_host.client([Route("/{kind}", Kinds)]) as client:
        assert (await client.get("/bytes")).headers["x-extra"] == "1"


async def test_streaming_response_async_and_sync(pe_host: Host) -> None:
    class Stream(HTTPEndpoint):
        async def get(self, request: Request) -> StreamingResponse:
            if request.query_params.get("sync"):
                return StreamingResponse(iter(["a", "b", "c"]), media_type="text/plain")

            async def numbers() -> object:
                for number in range(3):
                    yield f"{number},"

            return StreamingResponse(numbers(), media_type="text/plain")  # type: ignore[arg-type]

    async with pe_host.client([Route("/", Stream)]) as client:
        assert (await client.get("/")).text == "0,1,2,"
        assert (await client.get("/?sync=1")).text == "abc"


async def test_file_response(pe_host: Host, tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(b"x" * 100_000)

    class Download(HTTPEndpoint):
        async def get(self, request: Request) -> FileResponse:
            return FileResponse(path, filename="report.txt")

    async with pe_host.client([Route("/file", Download)]) as client:
        response = await client.get("/file")
        assert response.status_code == 200
        assert response.content == path.read_bytes()
        assert response.headers["content-type"].startswith("text/plain")
        assert response.headers["content-length"] == "100000"
        assert response.headers["content-disposition"] == 'attachment; filename="report.txt"'
        assert "etag" in response.headers
        assert "last-modified" in response.headers


async def test_cookies_set_and_delete(pe_host: Host) -> None:
    class Cookies(HTTPEndpoint):
        async def get(self, request: Request) -> Response:
            response = PlainTextResponse("cookies")
            response.set_cookie("first", "1", max_age=60, httponly=True)
            response.set_cookie("second", "2", path="/x", samesite="strict")
            response.delete_cookie("gone")
            return response

    async with pe_host.client([Route("/", Cookies)]) as client:
        response = await client.get("/")
        set_cookies = response.headers.getlist("set-cookie")
        assert len(set_cookies) == 3
        first = next(value for value in set_cookies if value.startswith("first="))
        assert "Max-Age=60" in first
        assert "HttpOnly" in first
        assert "Path=/" in first
        second = next(value for value in set_cookies if value.startswith("second="))
        assert "Path=/x" in second
        assert "SameSite=strict" in second
        gone = next(value for value in set_cookies if value.startswith("gone="))
        assert "Max-Age=0" in gone
        assert response.cookies == {"first": "1", "second": "2", "gone": ""}


async def test_background_tasks_run_after_the_response(pe_host: Host) -> None:
    events: list[str] = []
    release = anyio.Event()
    finished = anyio.Event()

    async def async_task(name: str) -> None:
        await release.wait()
        events.append(f"async {name}")

    def sync_task(name: str) -> None:
        events.append(f"sync {name}")

    async def done() -> None:
        finished.set()

    class WithTasks(HTTPEndpoint):
        async def get(self, request: Request) -> Response:
            tasks = BackgroundTasks([BackgroundTask(async_task, "one")])
            tasks.add_task(sync_task, "two")
            tasks.add_task(done)
            events.append("handler")
            return PlainTextResponse("sent", background=tasks)

    async with pe_host.client([Route("/", WithTasks)]) as client:
        response = await client.get("/")
        # The whole response arrived while the first task was still waiting: tasks run after it.
        assert response.text == "sent"
        assert events == ["handler"]
        release.set()
        with anyio.fail_after(5):
            await finished.wait()
    assert events == ["handler", "async one", "sync two"]


async def repeated_headers(request: Request) -> Response:
    response: Response
    if request.path_params["kind"] == "streaming":

        async def chunks() -> AsyncIterator[bytes]:
            yield b"streamed"

        response = StreamingResponse(chunks(), media_type="text/plain")
    else:
        response = PlainTextResponse("plain")
    response.set_cookie("first", "1")
    response.set_cookie("second", "2")
    response.headers.append("X-Repeated", "one")
    response.headers.append("X-Repeated", "two")
    response.raw_headers.append((b"x-raw", b"a"))
    response.raw_headers.append((b"x-raw", b"b"))
    return response


@pytest.mark.parametrize("composition", COMPOSITIONS)
@pytest.mark.parametrize("kind", ["plain", "streaming"])
async def test_repeated_response_headers_arrive_as_separate_lines(pe_host: Host, composition: str, kind: str) -> None:
    app = pe_host.build_if_composable([Route("/{kind}", repeated_headers)], composition)
    if app is None:
        return  # no native kit: the suite cannot compose native routes on this host
    # Raw ASGI, to see the header lines exactly as the host sends them to the server.
    outcome = await drive_http(app, http_scope("GET", f"/{kind}"))
    assert (outcome.error, outcome.status) == (None, 200)
    assert outcome.body == (b"streamed" if kind == "streaming" else b"plain")

    def lines(name: bytes) -> list[str]:
        return [value.decode("latin-1") for key, value in outcome.headers if key == name]

    # One header line per value, in order: never folded into one comma-joined line.
    assert [value.split(";")[0] for value in lines(b"set-cookie")] == ["first=1", "second=2"]
    assert lines(b"x-repeated") == ["one", "two"]
    assert lines(b"x-raw") == ["a", "b"]
