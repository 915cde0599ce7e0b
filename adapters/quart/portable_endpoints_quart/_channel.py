"""One WebSocket connection's ASGI channel, shared by Quart and the portable endpoint it routes to.

Quart reads the server's messages in a task of its own, keeps only the data of each frame, and on
the client's close discards its code and cancels the handler; it sends a close reason only when
the server's ``spec_version`` is at least 2.3 and accepts implicitly on the first send. A portable
endpoint needs the messages exactly as the server sends them, so once Quart has routed the
connection to a portable view, the view *claims* the channel and the endpoint talks to the
server directly, with Starlette's semantics on every server:

- the endpoint receives the server's own messages (text vs bytes, the client's close code and
  reason), and sends its own: accept with subprotocol and headers, close with code and reason,
  or a denial response;
- Quart's reader is parked until the view's task has finished, so Quart neither cancels the
  endpoint on a disconnect nor waits for a message nobody sends after the endpoint has gone;
- what Quart would still send on its own (a close or an error page, for a handshake the
  endpoint has already answered) is dropped.

Connections Quart routes to native views pass through untouched.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from quart.signals import websocket_received, websocket_sent

from portable_endpoints.types import Message, Receive, Send
from portable_endpoints.websockets import WebSocketState

if TYPE_CHECKING:
    from portable_endpoints.websockets import WebSocket

#: Scope key of the connection's channel, set by the app wrapper for every websocket scope.
CHANNEL = "portable_endpoints.quart_channel"
_ENDED = {"type": "websocket.disconnect", "code": 1000}
_ANSWERS = ("websocket.accept", "websocket.http.response.start", "websocket.http.response.body")


class Channel:
    __slots__ = (
        "_answered",
        "_connect_given",
        "_connect_taken",
        "_decided",
        "_ended",
        "_handed",
        "_lenient",
        "_parked",
        "_quart_reading",
        "_waiter",
        "owned",
        "pending",
        "receive_raw",
        "send",
        "websocket",
    )

    def __init__(self, receive: Receive, send: Send) -> None:
        self.receive_raw = receive
        #: The server's send: the endpoint's messages go out exactly as it makes them.
        self.send = send
        #: Whether a portable view has claimed the channel; its websocket, once it has one.
        self.owned = False
        self.websocket: WebSocket | None = None
        #: Whether the endpoint's next receive needs the slow path below.
        self.pending = True
        self._connect_taken = False  # Quart has read the websocket.connect message
        self._connect_given = False  # the endpoint has had a websocket.connect message
        self._lenient = False  # the peer does not follow the ASGI protocol to the letter
        self._quart_reading = False  # Quart is waiting for the server's next message
        self._answered = False  # Quart has answered the handshake, for a native view
        self._decided: asyncio.Future[None] | None = None  # who owns an early frame is known
        self._handed: Message | None = None  # what Quart read for the endpoint after the claim
        self._waiter: asyncio.Future[Message] | None = None
        self._parked: asyncio.Future[None] | None = None
        self._ended = False

    # -- Quart's side ---------------------------------------------------------------------------

    async def quart_receive(self) -> Message:
        if not self.owned and self._connect_taken and not self._answered:
            # Quart 0.19 reads on as soon as it has the connect message; until a view claims the
            # connection or Quart answers the handshake, what comes next is nobody's yet (a
            # server reads nothing more from a client whose handshake is unanswered).
            self._decided = asyncio.get_running_loop().create_future()
            await self._decided
        if not self.owned:
            self._quart_reading = True
            try:
                message = await self.receive_raw()
                if not self.owned and not self._answered and message["type"] == "websocket.receive":
                    # A frame before the handshake is answered (no server sends one, Quart's test
                    # client does): it is for whoever answers, Quart's view or a portable one.
                    self._decided = asyncio.get_running_loop().create_future()
                    await self._decided
            finally:
                self._quart_reading = False
            if not self.owned:
                if message["type"] == "websocket.connect":
                    self._connect_taken = True
                return message
            self._hand_over(message)  # claimed while Quart was waiting: the message is the endpoint's
        if not self._ended:
            self._parked = asyncio.get_running_loop().create_future()
            await self._parked
        return _ENDED  # the session is over: Quart may finish its ASGI call

    async def quart_send(self, message: Message) -> None:
        websocket = self.websocket
        if websocket is not None:
            if self._answered_already(websocket, message["type"]):
                return
        elif not self._answered and message["type"] != "websocket.send":
            self._answered = True  # by Quart itself: a native view, or Quart's own 404
            self._decide()
        await self.send(message)

    def _decide(self) -> None:
        decided, self._decided = self._decided, None
        if decided is not None and not decided.done():
            decided.set_result(None)

    @staticmethod
    def _answered_already(websocket: WebSocket, kind: str) -> bool:
        state = websocket.application_state
        if kind in _ANSWERS:
            return state is not WebSocketState.CONNECTING
        if kind == "websocket.close":
            return state in (WebSocketState.DISCONNECTED, WebSocketState.RESPONSE)
        return False

    def _hand_over(self, message: Message) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(message)
        else:
            self._handed = message

    # -- the endpoint's side --------------------------------------------------------------------

    def claim(self) -> None:
        """Take the connection from Quart's reader until the current task (Quart's handler) ends.

        Claimed before anything can answer the handshake, even Quart's own 404: once the
        handshake is answered, a server may send nothing more until the client goes.
        """
        self.owned = True
        self._decide()
        task = asyncio.current_task()
        assert task is not None
        task.add_done_callback(self._end)

    def _end(self, task: object) -> None:
        self._ended = True
        parked, self._parked = self._parked, None
        if parked is not None and not parked.done():
            parked.set_result(None)

    async def receive(self) -> Message:
        if not self.pending:
            return await self.receive_raw()
        return await self._receive_pending()

    async def _receive_pending(self) -> Message:
        """Messages Quart read before the claim; the first from the peer; a lenient peer's."""
        if self._connect_taken:
            self._connect_taken = False
            self._connect_given = True
            return {"type": "websocket.connect"}
        if self._handed is not None:
            message, self._handed = self._handed, None
        elif self._quart_reading:
            self._waiter = asyncio.get_running_loop().create_future()
            message = await self._waiter
        else:
            message = await self.receive_raw()
        if not self._connect_given:
            self._connect_given = True
            if message["type"] != "websocket.connect":
                # A peer that skips the connect message and closes with a "websocket.close" of
                # its own (Quart's test client): keep translating what it sends.
                self._lenient = True
                self._handed = message
                return {"type": "websocket.connect"}
        if self._lenient:
            if message["type"] == "websocket.close":
                message = {"type": "websocket.disconnect", "code": message.get("code", 1005)}
        elif self._handed is None and not self._quart_reading:
            self.pending = False  # from now on, straight from the server
            websocket = self.websocket
            if websocket is not None and websocket._receive == self.receive:
                websocket._receive = self.receive_raw  # without this channel's frame in between
        return message

    def endpoint_io(self) -> tuple[Receive, Send]:
        """The endpoint's receive and send; they fire Quart's frame signals if anyone listens."""
        if websocket_received.receivers or websocket_sent.receivers:
            return self._receive_signalled, self._send_signalled
        return self.receive, self.send

    async def _receive_signalled(self) -> Message:
        message = await self.receive()
        if message["type"] == "websocket.receive":
            text = message.get("text")
            await websocket_received.send_async(text if text is not None else message.get("bytes"))
        return message

    async def _send_signalled(self, message: Message) -> None:
        await self.send(message)
        if message["type"] == "websocket.send":
            text = message.get("text")
            await websocket_sent.send_async(text if text is not None else message.get("bytes"))
