"""The vocabulary every layer shares: ASGI's callables and messages, and what a route table resolves.

Adapters and user code may import these; nothing here imports another module of the package.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any, Protocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The request body as the host delivers it, chunk by chunk (see ``Request(body_chunks=...)``).
BodyChunks = Callable[[], AsyncIterator[bytes]]


class URLPathResolver(Protocol):
    """What ``url_for`` asks: the path of the route called ``name`` with ``path_params``.

    ``portable_endpoints.routing.RouteTable`` is one; raises ``NoMatchFound`` when none fits.
    """

    def url_path_for(self, name: str, /, **path_params: Any) -> str: ...
