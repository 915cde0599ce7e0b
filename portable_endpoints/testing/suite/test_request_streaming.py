"""``request.stream()``: chunks as they arrive on hosts declaring ``http.streaming_request_body``.

A host that reads the whole body before the endpoint runs (Django) does not declare it: there
``stream()`` yields the whole body as one chunk. Either way the chunks join to the body.
"""

from __future__ import annotations

import pytest

from portable_endpoints import HTTPEndpoint, JSONResponse, Request, Route
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio


class Chunks(HTTPEndpoint):
    async def post(self, request: Request) -> JSONResponse:
        return JSONResponse([chunk.decode() async for chunk in request.stream() if chunk])


async def test_stream_yields_chunks_as_declared(pe_host: Host) -> None:
    async with pe_host.client([Route("/", Chunks)]) as client:
        chunks = (await client.post("/", content=[b"one ", b"two ", b"three"])).json()
    if pe_host.supports("http.streaming_request_body"):
        assert chunks == ["one ", "two ", "three"]
    else:
        assert chunks == ["one two three"]
