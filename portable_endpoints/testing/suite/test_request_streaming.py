"""``request.stream()``: chunks as they arrive on hosts declaring ``http.streaming_request_body``.

A host that reads the whole body before the endpoint runs (Django) does not declare it: there
``stream()`` yields the whole body as one chunk. Either way the chunks join to the body.

The client sends each chunk only once the endpoint has seen the one before, so the test proves
that the endpoint runs while the body is still arriving (a host may join chunks that arrived
together, as Quart 0.19 does, so sending them all at once would prove nothing).
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from portable_endpoints import HTTPEndpoint, JSONResponse, Request, Route
from portable_endpoints.testing._raw import drive_http, http_scope
from portable_endpoints.testing.plugin import Host
from portable_endpoints.types import Message

pytestmark = pytest.mark.anyio

PARTS = [b"one ", b"two ", b"three"]


async def test_stream_yields_chunks_as_declared(pe_host: Host) -> None:
    streaming = pe_host.supports("http.streaming_request_body")
    seen: list[bytes] = []
    arrived = [anyio.Event() for _ in PARTS]

    class Chunks(HTTPEndpoint):
        async def post(self, request: Request) -> JSONResponse:
            async for chunk in request.stream():
                if chunk:
                    seen.append(chunk)
                    arrived[len(seen) - 1].set()
            return JSONResponse(len(seen))

    app = pe_host.app([Route("/", Chunks)])
    pending = list(PARTS)
    sent = 0

    answered = anyio.Event()

    async def paced_app(scope: Any, receive: Any, send: Any) -> None:
        async def paced_receive() -> Message:
            nonlocal sent
            if pending and streaming and sent:
                with anyio.fail_after(10):  # a host that waits for the whole body never gets there
                    await arrived[sent - 1].wait()
            if pending:
                sent += 1
                return {"type": "http.request", "body": pending.pop(0), "more_body": bool(pending)}
            await answered.wait()  # as a server: nothing more until the response is out
            return {"type": "http.disconnect"}

        async def watched_send(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered.set()
            await send(message)

        await app(scope, paced_receive, watched_send)

    outcome = await drive_http(paced_app, http_scope("POST", "/"))
    assert outcome.error is None
    assert outcome.status == 200
    assert b"".join(seen) == b"one two three"
    if streaming:
        assert seen == PARTS
    else:
        assert seen == [b"one two three"]
