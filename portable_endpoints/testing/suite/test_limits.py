"""Body limits: ``HTTPEndpoint.max_body_size`` and the app default, 413 on every host, before or while reading."""

from __future__ import annotations

from typing import Any

import pytest

from portable_endpoints import HTTPEndpoint, JSONResponse, Request, Route, UploadFile
from portable_endpoints.testing import TestClient
from portable_endpoints.testing._raw import drive_http, http_scope
from portable_endpoints.testing.plugin import COMPOSITIONS, Host

pytestmark = pytest.mark.anyio


async def read(request: Request, kind: str) -> Any:
    if kind == "body":
        return (await request.body()).decode()
    if kind == "json":
        return await request.json()
    if kind == "stream":
        return "".join([chunk.decode() async for chunk in request.stream()])
    form = await request.form(max_files=2, max_fields=2, max_part_size=16)
    try:
        return {key: value.filename if isinstance(value, UploadFile) else value for key, value in form.multi_items()}
    finally:
        await request.close()


class Limited(HTTPEndpoint):
    max_body_size = 10

    async def post(self, request: Request) -> JSONResponse:
        return JSONResponse({"read": await read(request, request.query_params["kind"])})


class Unlimited(HTTPEndpoint):
    async def post(self, request: Request) -> JSONResponse:
        return JSONResponse({"read": await read(request, request.query_params["kind"])})


KINDS = ["body", "json", "stream", "form"]
FITS = {
    "body": b'"123456"',
    "json": b'"123456"',
    "stream": b'"123456"',
    "form": b"a=1&b=22",
}


def content_type(kind: str) -> dict[str, str]:
    return {"content-type": "application/x-www-form-urlencoded" if kind == "form" else "application/json"}


@pytest.mark.parametrize("kind", KINDS)
async def test_a_body_within_max_body_size_is_read(pe_host: Host, kind: str) -> None:
    async with pe_host.client([Route("/", Limited)]) as client:
        response = await client.post(f"/?kind={kind}", content=FITS[kind], headers=content_type(kind))
        assert response.status_code == 200
        assert response.json()["read"] in ("123456", '"123456"', {"a": "1", "b": "22"})


def reads_whole_bodies_first(pe_host: Host) -> bool:
    """A host without ``http.streaming_request_body`` reads each whole body before any view runs."""
    return not pe_host.supports("http.streaming_request_body")


@pytest.mark.parametrize("composition", COMPOSITIONS)
@pytest.mark.parametrize("kind", KINDS)
async def test_a_declared_length_over_max_body_size_is_a_413_before_reading(
    pe_host: Host, kind: str, composition: str
) -> None:
    app = pe_host.build_if_composable([Route("/", Limited)], composition)
    if app is None:
        return  # no native kit: the suite cannot compose native routes on this host
    headers = [(b"content-length", b"11"), (b"content-type", content_type(kind)["content-type"].encode())]
    scope = http_scope("POST", "/", query_string=f"kind={kind}".encode(), headers=headers)
    if composition == "native_routes" and reads_whole_bodies_first(pe_host):
        # Routes composed by hand have no say before such a host reads the body: the 413 comes
        # once the body is in (create_app and mount apply the limit on the channel first).
        outcome = await drive_http(app, scope, [b"x" * 11])
    else:
        # The body is held back until the app answers: an app that read it first would never answer.
        outcome = await drive_http(app, scope, hold=True)
    assert outcome.finished
    assert outcome.status == 413
    assert outcome.error is None


@pytest.mark.parametrize("composition", COMPOSITIONS)
@pytest.mark.parametrize("kind", KINDS)
async def test_an_undeclared_body_is_cut_off_with_a_413_as_it_passes_max_body_size(
    pe_host: Host, kind: str, composition: str
) -> None:
    app = pe_host.build_if_composable([Route("/", Limited)], composition)
    if app is None:
        return  # no native kit: the suite cannot compose native routes on this host
    headers = [(b"content-type", content_type(kind)["content-type"].encode())]
    scope = http_scope("POST", "/", query_string=f"kind={kind}".encode(), headers=headers)
    # 12 bytes arrive, more are announced but never come until the app has answered.
    hold = not (composition == "native_routes" and reads_whole_bodies_first(pe_host))
    outcome = await drive_http(app, scope, [b"a=1234", b"&b=567"], hold=hold)
    assert outcome.finished
    assert outcome.status == 413
    assert outcome.error is None


async def test_the_app_default_limits_every_route_and_the_smaller_limit_wins(pe_host: Host) -> None:
    routes = [Route("/limited", Limited), Route("/unlimited", Unlimited)]
    async with client_with(pe_host, routes, max_body_size=8) as client:
        assert (await client.post("/unlimited?kind=body", content=b"12345678")).status_code == 200
        assert (await client.post("/unlimited?kind=body", content=b"123456789")).status_code == 413
        # The endpoint's own 10 is larger than the app's 8: the app's wins.
        assert (await client.post("/limited?kind=body", content=b"123456789")).status_code == 413
    async with client_with(pe_host, routes, max_body_size=100) as client:
        assert (await client.post("/limited?kind=body", content=b"12345678901")).status_code == 413
        assert (await client.post("/unlimited?kind=body", content=b"12345678901")).status_code == 200


async def test_without_a_limit_a_large_body_is_read(pe_host: Host) -> None:
    async with pe_host.client([Route("/", Unlimited)]) as client:
        response = await client.post("/?kind=body", content=[b"x" * 65536] * 8)
        assert response.status_code == 200
        assert len(response.json()["read"]) == 8 * 65536


class Upload(HTTPEndpoint):
    async def post(self, request: Request) -> JSONResponse:
        return JSONResponse({"read": await read(request, "form")})


def multipart(*parts: tuple[str, str | None, bytes]) -> bytes:
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += b"--xyz\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n" + data + b"\r\n"
    return body + b"--xyz--\r\n"


MULTIPART = {"content-type": "multipart/form-data; boundary=xyz"}


async def test_multipart_part_count_and_part_size_limits_are_413(pe_host: Host) -> None:
    async with pe_host.client([Route("/", Upload)]) as client:
        fits = multipart(("a", None, b"1"), ("f", "one.txt", b"x" * 100), ("g", "two.txt", b"y"))
        response = await client.post("/", content=fits, headers=MULTIPART)
        assert (response.status_code, response.json()) == (200, {"read": {"a": "1", "f": "one.txt", "g": "two.txt"}})
        too_many_files = multipart(("f", "1.txt", b"1"), ("g", "2.txt", b"2"), ("h", "3.txt", b"3"))
        assert (await client.post("/", content=too_many_files, headers=MULTIPART)).status_code == 413
        too_many_fields = multipart(("a", None, b"1"), ("b", None, b"2"), ("c", None, b"3"))
        assert (await client.post("/", content=too_many_fields, headers=MULTIPART)).status_code == 413
        field_too_large = multipart(("a", None, b"z" * 17))
        assert (await client.post("/", content=field_too_large, headers=MULTIPART)).status_code == 413
        too_many_urlencoded = b"a=1&b=2&c=3"
        headers = {"content-type": "application/x-www-form-urlencoded"}
        assert (await client.post("/", content=too_many_urlencoded, headers=headers)).status_code == 413


async def test_a_multipart_body_over_max_body_size_is_a_413(pe_host: Host) -> None:
    async with client_with(pe_host, [Route("/", Upload)], max_body_size=64) as client:
        big = multipart(("f", "big.txt", b"x" * 200))
        assert (await client.post("/", content=big, headers=MULTIPART)).status_code == 413


def client_with(pe_host: Host, routes: list[Route], **options: Any) -> TestClient:
    """A client on an app built with ``options`` (the portable ``max_body_size`` among them)."""
    return TestClient(pe_host.app(routes, **options))
