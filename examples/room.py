"""The seed's chat page as a room: every message goes to every open page, on any host, in any process.

BROADCAST_URL=redis://127.0.0.1:6379 portable-endpoints serve examples/room.py --framework quart

Run it twice (on two ports, even two hosts) against one broker and both serve one room. The hub
defaults to ``memory://``: one process.
"""

import os
from pathlib import Path
from string import Template

from portable_endpoints.broadcast import Broadcast, BrokerUnavailable
from portable_endpoints.endpoints import HTTPEndpoint, WebSocketEndpoint
from portable_endpoints.requests import Request
from portable_endpoints.responses import HTMLResponse
from portable_endpoints.routing import Route, WebSocketRoute
from portable_endpoints.websockets import WebSocket

hub = Broadcast(os.environ.get("BROADCAST_URL", "memory://"))
TOPIC = "room"

html = Template(Path(__file__).with_name("page.html").read_text(encoding="utf-8")).substitute(title="Room")


class Homepage(HTTPEndpoint):
    async def get(self, request: Request) -> HTMLResponse:
        return HTMLResponse(html)


class Room(WebSocketEndpoint):
    encoding = "text"

    async def on_connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.subscribe(hub, TOPIC)

    async def on_receive(self, websocket: WebSocket, data: str) -> None:
        try:
            await hub.publish(TOPIC, f"Message text was: {data}")
        except BrokerUnavailable:
            # The broker is away; the hub is reconnecting and this page stays subscribed.
            await websocket.send_text(f"Not sent (the room is reconnecting): {data}")


routes = [Route("/", Homepage), WebSocketRoute("/ws", Room)]
