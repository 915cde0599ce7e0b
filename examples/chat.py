"""The seed's chat page and its WebSocket echo, on any host.

portable-endpoints serve examples/chat.py --framework quart
"""

from pathlib import Path
from string import Template

from portable_endpoints.endpoints import HTTPEndpoint, WebSocketEndpoint
from portable_endpoints.requests import Request
from portable_endpoints.responses import HTMLResponse
from portable_endpoints.routing import Route, WebSocketRoute
from portable_endpoints.websockets import WebSocket

html = Template(Path(__file__).with_name("page.html").read_text(encoding="utf-8")).substitute(title="Chat")


class Homepage(HTTPEndpoint):
    async def get(self, request: Request) -> HTMLResponse:
        return HTMLResponse(html)


class Echo(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: str) -> None:
        await websocket.send_text(f"Message text was: {data}")


routes = [Route("/", Homepage), WebSocketRoute("/ws", Echo)]
