"""Portable body limits on a host that reads the whole body before any view runs.

Django's ``ASGIHandler`` reads a request's entire body (into a spooled file) before it resolves
the URL, so the core's limit, applied when the endpoint reads, would come only after all of it
had arrived. Here the limit of the route the request will reach (the first portable route whose
path matches, as Django resolves them) is applied on the ASGI channel instead: a declared
``Content-Length`` over it is answered 413 before anything is read, and a body of undeclared
length is answered 413 as soon as it passes it; Django then sees the client gone and stops.
"""

from __future__ import annotations

from portable_endpoints.exceptions import HTTPException
from portable_endpoints.hosting import plain_error
from portable_endpoints.routing import Route, RouteTable, path_below_root
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimits:
    """The app's HTTP routes in resolution order, to find the body limit a request is under."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.any_limit = False

    def include(self, table: RouteTable) -> None:
        routes = table.http_routes
        self.routes += routes
        self.any_limit = self.any_limit or any(route.max_body_size is not None for route in routes)

    def limit_for(self, scope: Scope) -> int | None:
        path = path_below_root(scope)
        for route in self.routes:
            if route.compiled.match(path) is not None:
                return route.max_body_size
        return None

    async def serve(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """``app(scope, receive, send)``, with the request's body limit applied on the channel."""
        limit = self.limit_for(scope) if self.any_limit else None
        if limit is None:
            await app(scope, receive, send)
            return
        too_large = plain_error(HTTPException(413, f"Request body larger than {limit} bytes"))
        declared = next((value for name, value in scope["headers"] if name.lower() == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await too_large(scope, receive, send)
            return
        received = 0
        answered = False

        async def limited_receive() -> Message:
            nonlocal received, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    answered = True
                    await too_large(scope, receive, send)
                    return {"type": "http.disconnect"}  # Django stops reading, answers nothing more
            return message

        await app(scope, limited_receive, send)


class BodyLimited:
    """A project's ``"http"`` application, with the body limits of the portable routes mounted into it.

    ``pe.mount`` wraps a ``ProtocolTypeRouter``'s HTTP application in it, so a body over a mounted
    route's limit is a 413 before Django reads it, as on an app ``create_app`` built.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.body_limits = BodyLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.body_limits.serve(self.app, scope, receive, send)
