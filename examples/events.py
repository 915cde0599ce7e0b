"""A live page over server-sent events, on any host: the server's clock and a message board.

portable-endpoints serve examples/events.py --framework litestar

One broadcast hub carries everything: a clock task publishes a ``time`` event every second, and
``POST /messages`` publishes a ``message`` event. Each event gets the next id of one sequence and
is kept in a short history. ``GET /events`` streams the topic to the page's ``EventSource``: it
sets the browser's reconnection delay (``retry``), sends a ``ping`` event when no event has come
for a while, and, when the browser reconnects with ``Last-Event-ID``, says so (a ``resumed`` event),
replays the events it missed from the history and numbers on from there, even after a restart.

The history lives in this process (the hub is ``memory://``). ``EVENTS_TICK_SECONDS``,
``EVENTS_PING_SECONDS``, ``EVENTS_RETRY_MS`` and ``EVENTS_HISTORY`` change the clock's period, the
ping interval, the reconnection delay and the history's length.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any

from portable_endpoints.broadcast import Broadcast
from portable_endpoints.endpoints import HTTPEndpoint
from portable_endpoints.requests import Request
from portable_endpoints.responses import HTMLResponse, JSONResponse, Response
from portable_endpoints.routing import Route
from portable_endpoints.sse import EventSourceResponse, ServerSentEvent

TICK_SECONDS = float(os.environ.get("EVENTS_TICK_SECONDS", "1"))
PING_SECONDS = float(os.environ.get("EVENTS_PING_SECONDS", "15"))
RETRY_MS = int(os.environ.get("EVENTS_RETRY_MS", "1000"))
HISTORY = int(os.environ.get("EVENTS_HISTORY", "100"))
TOPIC = "events"
#: the longest message ``POST /messages`` takes, in characters
MAX_MESSAGE = 500
#: the largest id a page may resume from: JavaScript's largest exact integer
MAX_EVENT_ID = 2**53 - 1

hub = Broadcast("memory://")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Events</title></head>
<body>
<h1>Server-sent events</h1>
<p>Server time: <time id="clock">waiting...</time></p>
<p>Stream: <span id="state">connecting</span>; pings: <span id="pings">0</span>;
  <span id="resumed">not resumed yet</span></p>
<form id="post"><input id="text" name="text" autocomplete="off"> <button>Publish</button></form>
<ul id="messages"></ul>
<script>
  // Every event the page got, oldest first (the last 500), for a look from the console.
  const received = [];
  const source = new EventSource("/events");
  function note(event) {
    received.push({type: event.type, id: event.lastEventId, data: event.data, at: Date.now()});
    if (received.length > 500) received.shift();
  }
  source.onopen = () => { document.getElementById("state").textContent = "open"; };
  source.onerror = () => {
    document.getElementById("state").textContent =
      source.readyState === EventSource.CLOSED ? "closed" : "reconnecting";
  };
  source.addEventListener("time", (event) => {
    note(event);
    document.getElementById("clock").textContent = event.data;
  });
  source.addEventListener("message", (event) => {
    note(event);
    const item = document.createElement("li");
    item.textContent = event.data;
    item.dataset.id = event.lastEventId;
    document.getElementById("messages").append(item);
  });
  source.addEventListener("ping", (event) => {
    note(event);
    const pings = document.getElementById("pings");
    pings.textContent = String(Number(pings.textContent) + 1);
  });
  source.addEventListener("resumed", (event) => {
    note(event);
    document.getElementById("resumed").textContent = "resumed after event " + event.data;
  });
  document.getElementById("post").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("text");
    await fetch("/messages", {method: "POST", body: new URLSearchParams({text: text.value})});
    text.value = "";
  });
</script>
</body></html>"""


class Feed:
    """The event log of this process: one id sequence and the last ``size`` events."""

    def __init__(self, size: int) -> None:
        self.last_id = 0
        self.history: deque[dict[str, Any]] = deque(maxlen=size)
        #: how many ``/events`` streams are open right now
        self.listening = 0
        # Ids are given and published in one order, so every stream sees them increase.
        self._order = asyncio.Lock()

    async def publish(self, event: str, data: str) -> int:
        """Give the event the next id, keep it, and send it to every open stream; its id."""
        async with self._order:
            self.last_id += 1
            entry = {"id": self.last_id, "event": event, "data": data}
            self.history.append(entry)
            await hub.publish(TOPIC, entry)
        return self.last_id

    def resume_after(self, last_seen: int) -> list[dict[str, Any]]:
        """The kept events after ``last_seen``; ids go on after it (a page may outlive a restart)."""
        self.last_id = max(self.last_id, last_seen)
        return [entry for entry in self.history if entry["id"] > last_seen]


feed = Feed(HISTORY)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


async def clock() -> None:
    while True:
        await feed.publish("time", now())
        await asyncio.sleep(TICK_SECONDS)


@asynccontextmanager
async def lifespan(app: object) -> AsyncIterator[None]:
    """The clock runs while the app is served; the hub closes after it (open streams end)."""
    ticking = asyncio.ensure_future(clock())
    try:
        yield
    finally:
        ticking.cancel()
        await asyncio.gather(ticking, return_exceptions=True)
        await hub.close()


def last_event_id(request: Request) -> int | None:
    """The id the reconnecting page saw last (``Last-Event-ID``); ``ValueError`` if it is not one of ours."""
    header = request.headers.get("last-event-id")
    if header is None or header == "":
        return None
    if not header.isascii() or not header.isdigit() or int(header) > MAX_EVENT_ID:
        raise ValueError(f"Last-Event-ID must be an event id from 0 to {MAX_EVENT_ID}, got {header[:40]!r}")
    return int(header)


def as_event(entry: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(entry["data"], event=entry["event"], id=str(entry["id"]))


async def stream(last_seen: int | None) -> AsyncIterator[ServerSentEvent]:
    feed.listening += 1
    try:
        # Subscribed before the history is read: an event published meanwhile is in one or both.
        async with hub.subscribe(TOPIC) as live:
            yield ServerSentEvent(retry=RETRY_MS)
            sent = feed.last_id
            if last_seen is not None:
                missed = feed.resume_after(last_seen)
                yield ServerSentEvent(str(last_seen), event="resumed")
                sent = last_seen
                for entry in missed:
                    yield as_event(entry)
                    sent = entry["id"]
            async for entry in live:
                if entry["id"] > sent:
                    yield as_event(entry)
                    sent = entry["id"]
    finally:
        # Runs as soon as the page leaves: the stream is closed by the response on every host.
        feed.listening -= 1


def ping() -> ServerSentEvent:
    # An event rather than sse-starlette's comment, so that the page can show it.
    return ServerSentEvent(now(), event="ping")


class Page(HTTPEndpoint):
    async def get(self, request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)


class Events(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        try:
            last_seen = last_event_id(request)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return EventSourceResponse(stream(last_seen), ping=PING_SECONDS, ping_message_factory=ping)


class Messages(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        form = await request.form()
        text = str(form.get("text", "")).strip()
        if not text:
            return JSONResponse({"error": "text is required"}, status_code=400)
        if len(text) > MAX_MESSAGE:
            return JSONResponse({"error": f"text is longer than {MAX_MESSAGE} characters"}, status_code=400)
        return JSONResponse({"id": await feed.publish("message", text)}, status_code=201)


class Status(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse({"listening": feed.listening, "last_id": feed.last_id})


routes = [
    Route("/", Page),
    Route("/events", Events),
    Route("/messages", Messages),
    Route("/status", Status),
]
