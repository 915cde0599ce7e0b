"""The seed's chat page and its WebSocket echo, on any host.

portable-endpoints serve examples/chat.py --framework quart
"""

from portable_endpoints.endpoints import HTTPEndpoint, WebSocketEndpoint
from portable_endpoints.requests import Request
from portable_endpoints.responses import HTMLResponse
from portable_endpoints.routing import Route, WebSocketRoute
from portable_endpoints.websockets import WebSocket

html = """
<!DOCTYPE html>
<html>
    <head>
        <title>Chat</title>
    </head>
    <body>
        <h1>WebSocket Chat</h1>
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


class Echo(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: str) -> None:
        await websocket.send_text(f"Message text was: {data}")


routes = [Route("/", Homepage), WebSocketRoute("/ws", Echo)]
