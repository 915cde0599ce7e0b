"""The ASGI wrapper installed once on every Quart app serving portable routes.

Quart documents ``app.asgi_app = middleware(app.asgi_app)`` as its middleware hook, so the app
stays a ``quart.Quart``. The wrapper does two things Quart cannot be asked to do from a view:

- HTTP: run a neutral response's background task after the last body message has been sent,
  inside the ASGI call, as Starlette does (Quart's ``add_background_task`` starts it at once,
  its ``after_request`` hooks run before sending);
- WebSocket: give every connection a ``Channel`` (``_channel``), through which Quart reads and
  writes as before until a portable view claims it.
"""

from __future__ import annotations

from typing import Any

import quart

from portable_endpoints._types import Receive, Scope, Send
from portable_endpoints_quart._channel import CHANNEL, Channel
from portable_endpoints_quart._responses import BACKGROUND

#: Key of this adapter's state in ``app.extensions``.
EXTENSION = "portable_endpoints"


def install(app: quart.Quart) -> None:
    """Wrap ``app.asgi_app``, once per app."""
    if EXTENSION in app.extensions:
        return
    inner: Any = app.asgi_app

    async def portable_asgi_app(scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await inner(scope, receive, send)
            background = scope.get(BACKGROUND)
            if background is not None:
                async with app.app_context():  # current_app works in the task, as in a view
                    await background()
        elif kind == "websocket":
            channel = scope[CHANNEL] = Channel(receive, send)
            await inner(scope, channel.quart_receive, channel.quart_send)
        else:
            await inner(scope, receive, send)

    app.asgi_app = portable_asgi_app  # type: ignore[method-assign, assignment]
    app.extensions[EXTENSION] = _Installed()


class _Installed:
    """Marks an app whose ``asgi_app`` carries the wrapper; counts its portable blueprints."""

    def __init__(self) -> None:
        self.blueprints = 0

    def __repr__(self) -> str:
        return f"<portable-endpoints on Quart, {self.blueprints} route table(s)>"


def blueprint_name(app: quart.Quart) -> str:
    """A free name for the next portable blueprint on ``app``: ``portable``, ``portable_2``..."""
    installed: Any = app.extensions[EXTENSION]
    installed.blueprints += 1
    name = "portable" if installed.blueprints == 1 else f"portable_{installed.blueprints}"
    while name in app.blueprints:
        installed.blueprints += 1
        name = f"portable_{installed.blueprints}"
    return name
