"""``EventSourceResponse(send_timeout=...)`` under a real server (uvicorn), on every host: a client
that stops reading stalls the server's sends, and the stream ends (its iterator's ``finally``
runs) instead of waiting on that client for ever. The hosts that send the response themselves
raise ``SendTimeoutError`` from the send; Quart and Django, which send it for the endpoint, have
their sending cancelled (``portable_endpoints.responses.host_sent_chunks``)."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator
from typing import Any

from portable_endpoints import Request, Route
from portable_endpoints.sse import EventSourceResponse
from portable_endpoints.testing.plugin import Host

from .servers import running

#: Each event: large, so that a client that reads nothing fills the socket buffers in a few events.
EVENT = "x" * (256 * 1024)
SEND_TIMEOUT = 0.3
#: A bound on the wait; the stream ends within about SEND_TIMEOUT once the buffers are full.
BOUND = 10


def test_a_client_that_stops_reading_ends_the_stream_after_send_timeout(pe_host: Host) -> None:
    closed = threading.Event()
    produced: list[int] = []

    async def events(request: Request) -> EventSourceResponse:
        async def produce() -> AsyncIterator[dict[str, Any]]:
            try:
                while True:
                    produced.append(1)
                    yield {"data": EVENT, "id": str(len(produced))}
            finally:
                closed.set()

        return EventSourceResponse(produce(), ping=0, send_timeout=SEND_TIMEOUT)

    with running(pe_host.app([Route("/events", events)]), "uvicorn") as address:
        host, port = address.split(":")
        with socket.create_connection((host, int(port))) as client:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            client.sendall(b"GET /events HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n")
            # The client reads nothing: the server's sends stall once the buffers are full.
            assert closed.wait(BOUND), f"the stream went on after {len(produced)} events to a stalled client"
    # Bounded by the socket buffers: the stream did not keep producing for the stalled client.
    assert len(produced) < 1000
