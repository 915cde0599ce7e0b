"""The request protocol: URL, headers, query, cookies, client, body, json, form, stream, state."""

from __future__ import annotations

from typing import Any

import pytest

from portable_endpoints import HTTPEndpoint, JSONResponse, Request, Route, UploadFile
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio


class Echo(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "method": request.method,
                "url": str(request.url),
                "path": request.path,
                "query": request.query_params.multi_items(),
                "tags": request.query_params.getlist("tag"),
                "accept": request.headers["ACCEPT"],
                "x_multi": request.headers.getlist("x-multi"),
                "has_header": "X-Multi" in request.headers,
                "cookies": request.cookies,
                "client": list(request.client) if request.client else None,
                "params": request.path_params,
            }
        )


async def test_request_metadata(pe_host: Host) -> None:
    async with pe_host.client([Route("/echo/{name}", Echo)]) as client:
        client.cookies["session"] = "abc"
        response = await client.request(
            "GET",
            "/echo/ada?tag=a&tag=b&q=",
            headers={"accept": "text/plain", "x-multi": "1"},
        )
        data = response.json()
        assert data["method"] == "GET"
        assert data["url"] == "http://testserver/echo/ada?tag=a&tag=b&q="
        assert data["path"] == "/echo/ada"
        assert data["query"] == [["tag", "a"], ["tag", "b"], ["q", ""]]
        assert data["tags"] == ["a", "b"]
        assert data["accept"] == "text/plain"
        assert data["x_multi"] == ["1"]
        assert data["has_header"] is True
        assert data["cookies"] == {"session": "abc"}
        assert data["client"] == ["testclient", 50000]
        assert data["params"] == {"name": "ada"}


class Body(HTTPEndpoint):
    async def post(self, request: Request) -> JSONResponse:
        kind = request.query_params["kind"]
        if kind == "body":
            return JSONResponse({"body": (await request.body()).decode()})
        if kind == "json":
            return JSONResponse({"json": await request.json()})
        if kind == "stream":
            chunks = [chunk.decode() async for chunk in request.stream() if chunk]
            return JSONResponse({"joined": "".join(chunks)})
        form = await request.form()
        fields: dict[str, Any] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                fields[key] = [value.filename, value.content_type, (await value.read()).decode()]
            else:
                fields[key] = value
        await request.close()
        return JSONResponse({"form": fields})


async def test_body_json_and_stream(pe_host: Host) -> None:
    async with pe_host.client([Route("/", Body)]) as client:
        assert (await client.post("/?kind=body", content=b"raw bytes")).json() == {"body": "raw bytes"}
        assert (await client.post("/?kind=json", json={"a": [1, 2]})).json() == {"json": {"a": [1, 2]}}
        response = await client.post("/?kind=stream", content=[b"one ", b"two ", b"three"])
        assert response.json() == {"joined": "one two three"}


async def test_malformed_json_is_a_400(pe_host: Host) -> None:
    async with pe_host.client([Route("/", Body)]) as client:
        response = await client.post("/?kind=json", content=b"{not json", headers={"content-type": "application/json"})
        assert response.status_code == 400
        response = await client.post("/?kind=json", content=b"\xff\xfe", headers={"content-type": "application/json"})
        assert response.status_code == 400


async def test_urlencoded_and_multipart_forms(pe_host: Host) -> None:
    async with pe_host.client([Route("/", Body)]) as client:
        response = await client.post("/?kind=form", data={"name": "ada", "lang": "en"})
        assert response.json() == {"form": {"name": "ada", "lang": "en"}}
        response = await client.post(
            "/?kind=form",
            data={"title": "report"},
            files={"upload": ("notes.txt", b"file contents", "text/plain")},
        )
        assert response.json() == {"form": {"title": "report", "upload": ["notes.txt", "text/plain", "file contents"]}}


async def test_malformed_multipart_is_a_400(pe_host: Host) -> None:
    async with pe_host.client([Route("/", Body)]) as client:
        response = await client.post("/?kind=form", content=b"garbage", headers={"content-type": "multipart/form-data"})
        assert response.status_code == 400
        bad_part = b"--xyz\r\nContent-Type: text/plain\r\n\r\nvalue\r\n--xyz--\r\n"
        response = await client.post(
            "/?kind=form", content=bad_part, headers={"content-type": "multipart/form-data; boundary=xyz"}
        )
        assert response.status_code == 400


async def test_state_is_per_request(pe_host: Host) -> None:
    class Stateful(HTTPEndpoint):
        async def get(self, request: Request) -> JSONResponse:
            before = getattr(request.state, "counter", None)
            request.state.counter = 1
            return JSONResponse({"before": before, "after": request.state.counter})

    async with pe_host.client([Route("/", Stateful)]) as client:
        assert (await client.get("/")).json() == {"before": None, "after": 1}
        assert (await client.get("/")).json() == {"before": None, "after": 1}
