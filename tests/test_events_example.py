"""``examples/events.py`` on every host: events one by one, a published message on an open stream,
``Last-Event-ID`` resuming, pings, and the stream ending as its client leaves; read on the client side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from portable_endpoints.cli import build_app
from portable_endpoints.testing import TestClient
from portable_endpoints.testing._client import StreamingTestResponse
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio
EVENTS = str(Path(__file__).parent.parent / "examples" / "events.py")
TICK = 0.3


def events_app(host: Host, monkeypatch: pytest.MonkeyPatch, *, tick: float = TICK, ping: float = 15) -> Any:
    """A fresh app of the example (its module runs again: a new hub, history and id sequence)."""
    monkeypatch.setenv("EVENTS_TICK_SECONDS", str(tick))
    monkeypatch.setenv("EVENTS_PING_SECONDS", str(ping))
    return build_app(EVENTS, host.name)


async def sse_events(response: StreamingTestResponse) -> AsyncIterator[dict[str, str]]:
    """The stream's events as they complete, each a dict of its fields (``data`` lines joined)."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if not line:
            if fields:
                yield fields
            fields = {}
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        fields[name] = f"{fields[name]}\n{value}" if name == "data" and name in fields else value


async def next_of(events: AsyncIterator[dict[str, str]], kind: str) -> dict[str, str]:
    async for event in events:
        if event.get("event") == kind:
            return event
    raise AssertionError(f"the stream ended before a {kind!r} event")


async def status(client: TestClient) -> dict[str, int]:
    answer = await client.get("/status")
    assert answer.status_code == 200
    result: dict[str, int] = answer.json()
    return result


async def test_time_events_arrive_one_by_one(pe_host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    async with TestClient(events_app(pe_host, monkeypatch)) as client:
        async with client.stream("GET", "/events") as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
            events = sse_events(response)
            assert await anext(events) == {"retry": "1000"}
            arrivals, ids, times = [], [], []
            for _ in range(4):
                event = await next_of(events, "time")
                arrivals.append(datetime.now(timezone.utc))
                ids.append(int(event["id"]))
                times.append(datetime.fromisoformat(event["data"]))
    assert ids == sorted(set(ids)), ids
    assert times == sorted(set(times)), times
    # One by one: each came before the server's clock made the next, not all at once at the end.
    for arrival, following in zip(arrivals, times[1:], strict=False):
        assert arrival < following, (arrivals, times)


async def test_a_published_message_reaches_an_open_stream(pe_host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    async with TestClient(events_app(pe_host, monkeypatch)) as client:
        async with client.stream("GET", "/events") as response:
            events = sse_events(response)
            first = await next_of(events, "time")
            posted = await client.post("/messages", data={"text": "hello\nthere"})
            assert posted.status_code == 201
            message = await next_of(events, "message")
            assert message == {"id": str(posted.json()["id"]), "event": "message", "data": "hello\nthere"}
            assert int(message["id"]) > int(first["id"])
            after = await next_of(events, "time")
            assert int(after["id"]) > int(message["id"])


async def test_last_event_id_replays_what_was_missed(pe_host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    async with TestClient(events_app(pe_host, monkeypatch, tick=60)) as client:
        ids = [(await client.post("/messages", data={"text": text})).json()["id"] for text in "abc"]
        async with client.stream("GET", "/events", headers={"Last-Event-ID": str(ids[0])}) as response:
            events = sse_events(response)
            assert await anext(events) == {"retry": "1000"}
            assert await anext(events) == {"event": "resumed", "data": str(ids[0])}
            assert await anext(events) == {"id": str(ids[1]), "event": "message", "data": "b"}
            assert await anext(events) == {"id": str(ids[2]), "event": "message", "data": "c"}
            posted = await client.post("/messages", data={"text": "d"})
            assert await anext(events) == {"id": str(posted.json()["id"]), "event": "message", "data": "d"}


async def test_last_event_id_resumes_numbering_after_a_restart(pe_host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    # A fresh app has no history: the page that saw event 1000 before the restart gets 1001 next.
    async with TestClient(events_app(pe_host, monkeypatch)) as client:
        async with client.stream("GET", "/events", headers={"Last-Event-ID": "1000"}) as response:
            events = sse_events(response)
            assert await anext(events) == {"retry": "1000"}
            assert await anext(events) == {"event": "resumed", "data": "1000"}
            following = await next_of(events, "time")
            assert int(following["id"]) > 1000


async def test_pings_come_while_no_event_does(pe_host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    async with TestClient(events_app(pe_host, monkeypatch, tick=60, ping=0.1)) as client:
        async with client.stream("GET", "/events") as response:
            events = sse_events(response)
            await next_of(events, "ping")
            await next_of(events, "ping")
            posted = await client.post("/messages", data={"text": "still here"})
            message = await next_of(events, "message")
            assert message["id"] == str(posted.json()["id"])


async def test_the_stream_ends_when_its_client_leaves(pe_host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    # The clock is slow: the stream is waiting for its next event when the client leaves.
    async with TestClient(events_app(pe_host, monkeypatch, tick=60)) as client:
        async with client.stream("GET", "/events") as response:
            events = sse_events(response)
            assert await anext(events) == {"retry": "1000"}  # sent once the stream has subscribed
            await client.post("/messages", data={"text": "one"})
            await next_of(events, "message")
            assert (await status(client))["listening"] == 1
        # Leaving waits for the app to return: by then the generator's ``finally`` has run.
        assert (await status(client))["listening"] == 0


async def test_bad_input_is_refused_with_a_reason(pe_host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    async with TestClient(events_app(pe_host, monkeypatch)) as client:
        for header in ("abc", "-1", "1.5", str(2**53)):
            refused = await client.get("/events", headers={"Last-Event-ID": header})
            assert refused.status_code == 400, header
            assert refused.json()["error"].startswith("Last-Event-ID must be an event id from 0 to"), header
        for text, error in (("  ", "text is required"), ("x" * 501, "text is longer than 500 characters")):
            refused = await client.post("/messages", data={"text": text})
            assert refused.status_code == 400
            assert refused.json() == {"error": error}
        assert (await status(client))["listening"] == 0
