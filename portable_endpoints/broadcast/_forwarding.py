"""``websocket.subscribe(hub, topic)``: a task that sends a topic's messages to one client."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import anyio

from portable_endpoints import status
from portable_endpoints.broadcast._errors import SubscriberOverflow
from portable_endpoints.websockets import WebSocket, WebSocketState

if TYPE_CHECKING:
    from portable_endpoints.broadcast._hub import Broadcast
    from portable_endpoints.broadcast._subscription import Subscription

logger = logging.getLogger("portable_endpoints.broadcast")


class Forwarding:
    """One topic forwarded to one WebSocket; ``await stop()`` ends it (the session does at close)."""

    __slots__ = ("_task", "subscription", "websocket")

    def __init__(self, websocket: WebSocket, subscription: Subscription) -> None:
        self.websocket = websocket
        self.subscription = subscription
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, hub: Broadcast, websocket: WebSocket, topic: str) -> Forwarding:
        if websocket.application_state is not WebSocketState.CONNECTED:
            raise RuntimeError('WebSocket is not connected. Need to call "accept" first.')
        subscription = hub.subscribe(topic)
        # Subscribed before this returns, so whatever is published afterwards reaches the client.
        await subscription.__aenter__()
        forwarding = cls(websocket, subscription)
        forwarding._task = asyncio.get_running_loop().create_task(forwarding._run(), name=f"forward {topic!r}")
        return forwarding

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Cancel the forwarding task and wait for it to leave the topic."""
        task = self._task
        if task is not None:
            task.cancel()
            with anyio.CancelScope(shield=True):
                await asyncio.gather(task, return_exceptions=True)
        with anyio.CancelScope(shield=True):
            await self.subscription.aclose()

    async def _run(self) -> None:
        websocket = self.websocket
        try:
            async for message in self.subscription:
                await _send(websocket, message)
        except SubscriberOverflow:
            await websocket.abort(status.WS_1013_TRY_AGAIN_LATER, "Subscriber too slow")
        except Exception:
            if websocket.application_state is WebSocketState.CONNECTED and websocket.client_state is not (
                WebSocketState.DISCONNECTED
            ):
                logger.exception("broadcast: forwarding %r failed", self.subscription.topic)
            # Otherwise a send after close: the client has gone and the subscription ends quietly.
        finally:
            with anyio.CancelScope(shield=True):
                await self.subscription.aclose()


async def _send(websocket: WebSocket, message: Any) -> None:
    if isinstance(message, str):
        await websocket.send_text(message)
    elif isinstance(message, bytes):
        await websocket.send_bytes(message)
    else:
        await websocket.send_json(message)
