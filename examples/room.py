"""The seed's chat page as a room: every message goes to every open page, on any host, in any process.

BROADCAST_URL=redis://127.0.0.1:6379 portable-endpoints serve examples/room.py --framework quart

Run it twice (on two ports, even two hosts) against one broker and both serve one room. The hub
defaults to ``memory://``: one process.
"""

import os

from portable_endpoints.broadcast import Broadcast, BrokerUnavailable
from portable_endpoints.endpoints import HTTPEndpoint, WebSocketEndpoint
from portable_endpoints.requests import Request
from portable_endpoints.responses import HTMLResponse
from portable_endpoints.routing import Route, WebSocketRoute
from portable_endpoints.websockets import WebSocket

hub = Broadcast(os.environ.get("BROADCAST_URL", "memory://"))
TOPIC = "room"

html = """
<!DOCTYPE html>
<html>
    <head>
        <title>Room</title>
    </head>
    <body>
        <h1>WebSocket Room</h1>
        <form action="" onsubmit="sendMessage(event)">
            <input type="text" id="messageText" autocomplete="off"/>
            <button>Send</button>
        </form>
        <ul id='messages'>
        </ul>
        <script>
            var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
            var ws = new WebSocket(scheme + window.location.host + "/ws");
            ws.onmessage = function(event) {
                var messages = document.getElementById('messages')
                var message = document.createElement('li')
                var content = document.createTextNode(event.data)
                message.appendChild(content)
                messages.appendChild(message)
            };
            function sendMessage(event) {
                var input = document.getElementById("messageText")
                ws.send(input.value)
                input.value = ''
                event.preventDefault()
            }
        </script>
    </body>
</html>
"""


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
