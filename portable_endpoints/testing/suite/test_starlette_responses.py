"""Starlette 1.10's FileResponse and cookies on every host, and the outcome slips found porting to them.

Expected values are what Starlette's ``FileResponse`` and ``Response.set_cookie`` send
(``starlette/responses.py`` of 1.10); 304 on conditional requests is what its ``StaticFiles`` adds.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import datetime, timedelta, timezone
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any

import anyio
import pytest

from portable_endpoints import (
    FileResponse,
    HTTPEndpoint,
    HTTPException,
    PlainTextResponse,
    Request,
    Response,
    Route,
)
from portable_endpoints.testing import TestClient
from portable_endpoints.testing.plugin import COMPOSITIONS, Host

pytestmark = pytest.mark.anyio

CONTENT = bytes(range(256)) * 4  # 1024 bytes, every offset distinct enough to check slices


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(CONTENT)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    return path


def file_routes(path: Path) -> list[Route]:
    class File(HTTPEndpoint):
        async def get(self, request: Request) -> FileResponse:
            return FileResponse(path, media_type="application/octet-stream")

        async def post(self, request: Request) -> FileResponse:
            return FileResponse(path, media_type="application/octet-stream")

    class Typed(HTTPEndpoint):
        async def get(self, request: Request) -> FileResponse:
            return FileResponse(path, media_type="text/plain")

    return [Route("/file", File), Route("/typed", Typed)]


async def test_a_file_says_it_accepts_ranges_and_head_has_its_length(pe_host: Host, data_file: Path) -> None:
    async with pe_host.client(file_routes(data_file)) as client:
        response = await client.get("/file")
        assert response.status_code == 200
        assert response.content == CONTENT
        assert response.headers["accept-ranges"] == "bytes"
        assert response.headers["content-length"] == "1024"
        assert response.headers["last-modified"] == formatdate(1_700_000_000, usegmt=True)
        assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["etag"])
        head = await client.head("/file")
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == "1024"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 100),
        ("bytes=100-", 100, 1024),
        ("bytes=-10", 1014, 1024),
        ("bytes=1000-5000", 1000, 1024),
        ("bytes=-5000", 0, 1024),
        ("BYTES = 5-5", 5, 6),
    ],
)
async def test_a_single_range_is_206_with_its_content_range(
    pe_host: Host, data_file: Path, header: str, start: int, end: int
) -> None:
    async with pe_host.client(file_routes(data_file)) as client:
        response = await client.get("/file", headers={"range": header})
        assert response.status_code == 206
        assert response.content == CONTENT[start:end]
        assert response.headers["content-range"] == f"bytes {start}-{end - 1}/1024"
        assert response.headers["content-length"] == str(end - start)
        head = await client.head("/file", headers={"range": header})
        assert head.status_code == 206
        assert head.content == b""
        assert head.headers["content-length"] == str(end - start)


async def test_several_ranges_are_multipart_byteranges_merged_and_sorted(pe_host: Host, data_file: Path) -> None:
    async with pe_host.client(file_routes(data_file)) as client:
        response = await client.get("/typed", headers={"range": "bytes=500-509, 0-9, 5-14, -4"})
        assert response.status_code == 206
        content_type = response.headers["content-type"]
        match = re.fullmatch(r"multipart/byteranges; boundary=([0-9a-f]{26})", content_type)
        assert match is not None, content_type
        boundary = match.group(1)
        expected = b""
        for start, end in [(0, 15), (500, 510), (1020, 1024)]:
            expected += (
                (
                    f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    f"Content-Range: bytes {start}-{end - 1}/1024\r\n\r\n"
                ).encode()
                + CONTENT[start:end]
                + b"\r\n"
            )
        expected += f"--{boundary}--".encode()
        assert response.content == expected
        assert response.headers["content-length"] == str(len(expected))


@pytest.mark.parametrize(
    ("header", "status", "body"),
    [
        ("bytes=1024-", 416, b""),
        ("bytes=5000-6000", 416, b""),
        ("bytes=10-5", 400, b"Range header: start must be less than end"),
        ("items=0-5", 400, b"Only support bytes range"),
        ("bytes", 400, b"Malformed range header."),
        ("bytes=x-y", 400, b"Range header: range must be requested"),
    ],
)
async def test_unsatisfiable_and_malformed_ranges(
    pe_host: Host, data_file: Path, header: str, status: int, body: bytes
) -> None:
    async with pe_host.client(file_routes(data_file)) as client:
        response = await client.get("/file", headers={"range": header})
        assert response.status_code == status
        assert response.content == body
        if status == 416:
            assert response.headers["content-range"] == "bytes */1024"


async def test_if_range_and_methods_decide_whether_the_range_applies(pe_host: Host, data_file: Path) -> None:
    async with pe_host.client(file_routes(data_file)) as client:
        whole = await client.get("/file")
        etag, modified = whole.headers["etag"], whole.headers["last-modified"]
        for validator in (etag, modified):
            response = await client.get("/file", headers={"range": "bytes=0-1", "if-range": validator})
            assert (response.status_code, response.content) == (206, CONTENT[:2])
        for stale in ('"other"', "W/" + etag, formatdate(1_600_000_000, usegmt=True)):
            response = await client.get("/file", headers={"range": "bytes=0-1", "if-range": stale})
            assert (response.status_code, response.content) == (200, CONTENT)
        # Only GET and HEAD are answered with ranges.
        response = await client.post("/file", headers={"range": "bytes=0-1"})
        assert (response.status_code, response.content) == (200, CONTENT)


async def test_conditional_requests_are_304_with_validators_and_no_body(pe_host: Host, data_file: Path) -> None:
    async with pe_host.client(file_routes(data_file)) as client:
        etag = (await client.get("/file")).headers["etag"]
        for headers in (
            {"if-none-match": etag},
            {"if-none-match": f'"nope", W/{etag}'},
            {"if-none-match": "*"},
            {"if-modified-since": formatdate(1_700_000_000, usegmt=True)},
            {"if-modified-since": formatdate(1_800_000_000, usegmt=True)},
        ):
            response = await client.get("/file", headers=headers)
            assert response.status_code == 304, headers
            assert response.content == b""
            assert response.headers["etag"] == etag
            assert "content-length" not in response.headers
            assert "last-modified" not in response.headers
        for headers in (
            {"if-none-match": '"nope"'},
            {"if-modified-since": formatdate(1_600_000_000, usegmt=True)},
            {"if-modified-since": "not a date"},
        ):
            response = await client.get("/file", headers=headers)
            assert (response.status_code, response.content) == (200, CONTENT), headers


# -- 7. cookies -----------------------------------------------------------------------------------


def cookie_with(name: str, values: list[str]) -> dict[str, str]:
    """One Set-Cookie header as {attribute (lower case): value}; the cookie itself under ``name``."""
    header = next(value for value in values if value.startswith(name + "="))
    attributes: dict[str, str] = {}
    for index, part in enumerate(header.split(";")):
        key, _, value = part.strip().partition("=")
        attributes[name if index == 0 else key.lower()] = value
    return attributes


async def test_set_cookie_takes_every_starlette_parameter(pe_host: Host) -> None:
    at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)

    async def cookies(request: Request) -> Response:
        response = PlainTextResponse("cookies")
        response.set_cookie("seconds", "1", expires=3600)
        response.set_cookie("dated", "2", expires=at)
        response.set_cookie("text", "3", expires="Thu, 01 Jan 2032 00:00:00 GMT")
        response.set_cookie(
            "everything",
            "4",
            max_age=60,
            path="/x",
            domain="example.com",
            secure=True,
            httponly=True,
            samesite="none",
            partitioned=True,
        )
        response.set_cookie("no_path", "5", path=None, samesite=None)
        response.delete_cookie("gone", path="/y", secure=True, httponly=True, samesite="strict", partitioned=True)
        return response

    async with pe_host.client([Route("/", cookies)]) as client:
        before = datetime.now(timezone.utc).replace(microsecond=0)
        response = await client.get("/")
        after = datetime.now(timezone.utc)
    values = response.headers.getlist("set-cookie")
    assert len(values) == 6
    seconds = cookie_with("seconds", values)
    expires = parsedate_to_datetime(seconds["expires"])
    assert before + timedelta(seconds=3599) <= expires <= after + timedelta(seconds=3601)
    assert seconds["expires"].endswith(" GMT")
    assert cookie_with("dated", values)["expires"] == "Wed, 02 Jan 2030 03:04:05 GMT"
    assert cookie_with("text", values)["expires"] == "Thu, 01 Jan 2032 00:00:00 GMT"
    assert cookie_with("everything", values) == {
        "everything": "4",
        "max-age": "60",
        "path": "/x",
        "domain": "example.com",
        "secure": "",
        "httponly": "",
        "samesite": "none",
        "partitioned": "",
    }
    assert cookie_with("no_path", values) == {"no_path": "5"}
    gone = cookie_with("gone", values)
    assert gone["gone"] == '""'
    assert gone["max-age"] == "0"
    # delete_cookie sends "now" as a valid HTTP date, never a bare "0".
    assert before - timedelta(seconds=1) <= parsedate_to_datetime(gone["expires"]) <= after + timedelta(seconds=1)
    assert {key: gone[key] for key in ("path", "secure", "httponly", "samesite", "partitioned")} == {
        "path": "/y",
        "secure": "",
        "httponly": "",
        "samesite": "strict",
        "partitioned": "",
    }


def test_samesite_must_be_one_of_three() -> None:
    with pytest.raises(ValueError, match="samesite must be either 'strict', 'lax' or 'none'"):
        Response().set_cookie("a", samesite="sometimes")  # type: ignore[arg-type]


# -- 8. outcome slips --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [204, 304])
async def test_http_exception_with_a_bodyless_status_keeps_headers_and_sends_no_body(
    pe_host: Host, status: int
) -> None:
    async def bodyless(request: Request) -> Response:
        raise HTTPException(status, headers={"ETag": '"v1"', "X-Why": "cached"})

    async with pe_host.client([Route("/", bodyless)]) as client:
        response = await client.get("/")
        assert response.status_code == status
        assert response.content == b""
        assert response.headers["etag"] == '"v1"'
        assert response.headers["x-why"] == "cached"


@pytest.mark.parametrize("composition", COMPOSITIONS)
async def test_a_client_that_leaves_mid_body_gets_nothing_sent_and_nothing_logged(
    pe_host: Host, composition: str, caplog: pytest.LogCaptureFixture
) -> None:
    finished: list[str] = []

    async def upload(request: Request) -> Response:
        try:
            await request.body()
        finally:
            finished.append("endpoint done")
        return PlainTextResponse("never sent")

    app = pe_host.build_if_composable([Route("/upload", upload, methods=["POST"])], composition)
    if app is None:
        return  # no native kit: the suite cannot compose native routes on this host
    sent: list[dict[str, Any]] = []
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": b"part one", "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/upload",
        "raw_path": b"/upload",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-length", b"100")],
        "client": ["testclient", 50000],
        "server": ["testserver", 80],
        "extensions": {},
        "state": {},
    }
    async with TestClient(app):  # runs the app's lifespan around the raw call
        with caplog.at_level(logging.WARNING), anyio.fail_after(10):
            await app(scope, receive, send)
    # Nothing at all reaches the client (no 500). A host that reads the whole body before any view
    # (Django) never runs the endpoint; the others run it until the body read fails.
    assert sent == []
    assert finished in ([], ["endpoint done"])
    # Nobody left to answer is no error: nothing is logged either.
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []


async def test_a_multipart_body_without_its_closing_boundary_is_400(pe_host: Host) -> None:
    async def form(request: Request) -> Response:
        data = await request.form()
        return PlainTextResponse(repr(sorted(data.keys())))

    truncated = b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
    complete = truncated + b"--xyz--\r\n"
    headers = {"content-type": "multipart/form-data; boundary=xyz"}
    async with pe_host.client([Route("/", form, methods=["POST"])]) as client:
        response = await client.post("/", content=complete, headers=headers)
        assert (response.status_code, response.text) == (200, "['a']")
        response = await client.post("/", content=truncated, headers=headers)
        assert response.status_code == 400  # the body is the host's error format
