"""``TestClient.stream``: reading a response as it arrives, and leaving early as a client does."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from portable_endpoints.testing import TestClient
from portable_endpoints.types import Message

pytestmark = pytest.mark.anyio


def chunked_app(chunks: list[bytes], *, end: bool = True) -> Any:
    """A raw ASGI app sending ``chunks`` one message each, then (``end``) the last message."""
    seen: list[Message] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-kind", b"raw")]})
        try:
            for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if end:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                seen.append(await receive())
                seen.append(await receive())
        except OSError as exc:
            seen.append({"type": "error", "error": exc})

    app.seen = seen  # type: ignore[attr-defined]
    return app


async def test_lines_split_across_chunks_are_joined_and_any_line_end_ends_a_line() -> None:
    app = chunked_app([b"one\r", b"\ntw", b"o\nthr", "é\r".encode(), b"four\rfive"])
    async with TestClient(app) as client, client.stream("GET", "/") as response:
        assert (response.status_code, response.headers["x-kind"]) == (200, "raw")
        assert [line async for line in response.aiter_lines()] == ["one", "two", "thré", "four", "five"]
        assert response.complete


async def test_text_keeps_a_character_split_across_chunks_whole() -> None:
    encoded = "é".encode()
    async with TestClient(chunked_app([encoded[:1], encoded[1:] + b"!"])) as client:
        async with client.stream("GET", "/") as response:
            assert "".join([text async for text in response.aiter_text()]) == "é!"


async def test_leaving_early_is_a_disconnect_and_later_sends_fail_under_spec_2_4() -> None:
    app = chunked_app([b"a", b"b"], end=False)
    async with TestClient(app, spec_version="2.3") as client:
        async with client.stream("GET", "/") as response:
            async for chunk in response.aiter_bytes():
                assert chunk == b"a"
                break
    # A client that has gone sends nothing more, not even the rest of its (empty) body.
    assert [message["type"] for message in app.seen] == ["http.disconnect", "http.disconnect"]

    app = chunked_app([b"a"] * 40)  # more than the client's buffer holds: a send waits, then fails
    async with TestClient(app, spec_version="2.4") as client:
        async with client.stream("GET", "/"):
            await anyio.sleep(0.05)
    (failure,) = app.seen
    assert isinstance(failure["error"], OSError)


async def test_leaving_waits_for_the_app_to_return() -> None:
    async def stubborn(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await anyio.sleep_forever()

    async with TestClient(stubborn) as client:
        with anyio.move_on_after(0.5) as scope:  # after the client's own timeout (10 s), it fails
            async with client.stream("GET", "/"):
                pass
    assert scope.cancelled_caught
