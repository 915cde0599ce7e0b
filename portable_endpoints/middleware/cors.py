"""``CORSMiddleware``: Cross-Origin Resource Sharing, preflights answered and simple responses tagged.

Ported from Starlette 1.10 (``starlette.middleware.cors``, BSD-3-Clause, (c) Encode OSS Ltd).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection

from portable_endpoints.datastructures import Headers, MutableHeaders
from portable_endpoints.middleware._headers import message_headers
from portable_endpoints.responses import PlainTextResponse, Response
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
SAFELISTED_HEADERS = {"Accept", "Accept-Language", "Content-Language", "Content-Type"}


class CORSMiddleware:
    """Starlette's CORS middleware, with every one of its options.

    :param allow_origins: origins allowed to make cross-origin requests (``["*"]``: any).
    :param allow_methods: methods allowed in cross-origin requests (``["*"]``: every standard one).
    :param allow_headers: request headers allowed beyond the CORS-safelisted ones (``["*"]``: any).
    :param allow_credentials: whether cookies and credentials are allowed cross-origin.
    :param allow_origin_regex: a regex an origin may fully match instead.
    :param allow_private_network: whether to answer Private Network Access preflights.
    :param expose_headers: response headers the browser may show to the page.
    :param max_age: how long, in seconds, a browser may cache a preflight answer.
    """

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 600,
    ) -> None:
        if "*" in allow_methods:
            allow_methods = ALL_METHODS

        compiled_allow_origin_regex = None
        if allow_origin_regex is not None:
            compiled_allow_origin_regex = re.compile(allow_origin_regex)

        allow_all_origins = "*" in allow_origins
        allow_all_headers = "*" in allow_headers
        preflight_explicit_allow_origin = not allow_all_origins or allow_credentials

        simple_headers: dict[str, str] = {}
        if allow_all_origins:
            simple_headers["Access-Control-Allow-Origin"] = "*"
        if allow_credentials:
            simple_headers["Access-Control-Allow-Credentials"] = "true"
        if expose_headers:
            simple_headers["Access-Control-Expose-Headers"] = ", ".join(expose_headers)

        preflight_headers: dict[str, str] = {
            "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
            "Access-Control-Request-Private-Network"
        }
        if not preflight_explicit_allow_origin:
            preflight_headers["Access-Control-Allow-Origin"] = "*"
        preflight_headers.update(
            {
                "Access-Control-Allow-Methods": ", ".join(allow_methods),
                "Access-Control-Max-Age": str(max_age),
            }
        )
        allow_headers = sorted(SAFELISTED_HEADERS | set(allow_headers))
        if allow_headers and not allow_all_headers:
            preflight_headers["Access-Control-Allow-Headers"] = ", ".join(allow_headers)
        if allow_credentials:
            preflight_headers["Access-Control-Allow-Credentials"] = "true"

        self.app = app
        self.allow_origins = allow_origins
        self.allow_methods = allow_methods
        self.allow_headers = [h.lower() for h in allow_headers]
        self.allow_all_origins = allow_all_origins
        self.allow_all_headers = allow_all_headers
        self.allow_credentials = allow_credentials
        self.preflight_explicit_allow_origin = preflight_explicit_allow_origin
        self.allow_origin_regex = compiled_allow_origin_regex
        self.allow_private_network = allow_private_network
        self.simple_headers = simple_headers
        self.preflight_headers = preflight_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        method = scope["method"]
        headers = Headers(scope=scope)
        origin = headers.get("origin")

        if origin is not None and method == "OPTIONS" and "access-control-request-method" in headers:
            response = self.preflight_response(request_headers=headers)
            await response(scope, receive, send)
            return

        await self.simple_response(scope, receive, send, request_headers=headers)

    def is_allowed_origin(self, origin: str) -> bool:
        """Whether ``origin`` is allowed: any, a listed one, or one the regex fully matches."""
        if self.allow_all_origins:
            return True

        if self.allow_origin_regex is not None and self.allow_origin_regex.fullmatch(origin):
            return True

        return origin in self.allow_origins

    def preflight_response(self, request_headers: Headers) -> Response:
        """The answer to a preflight: 200 ``OK``, or 400 ``Disallowed CORS ...`` naming what failed."""
        requested_origin = request_headers["origin"]
        requested_method = request_headers["access-control-request-method"]
        requested_headers = request_headers.get("access-control-request-headers")
        requested_private_network = request_headers.get("access-control-request-private-network")

        headers = dict(self.preflight_headers)
        failures: list[str] = []

        if self.is_allowed_origin(origin=requested_origin):
            if self.preflight_explicit_allow_origin:
                # The "else" case is already in self.preflight_headers, with the value "*".
                headers["Access-Control-Allow-Origin"] = requested_origin
        else:
            failures.append("origin")

        if requested_method not in self.allow_methods:
            failures.append("method")

        # Allowing all headers means mirroring back the requested ones.
        if self.allow_all_headers and requested_headers is not None:
            headers["Access-Control-Allow-Headers"] = requested_headers
        elif requested_headers is not None:
            for header in [h.lower() for h in requested_headers.split(",")]:
                if header.strip() not in self.allow_headers:
                    failures.append("headers")
                    break

        if requested_private_network is not None:
            if self.allow_private_network:
                headers["Access-Control-Allow-Private-Network"] = "true"
            else:
                failures.append("private-network")

        # The browser enforces the policy; a 400 is only more informative.
        if failures:
            failure_text = "Disallowed CORS " + ", ".join(failures)
            return PlainTextResponse(failure_text, status_code=400, headers=headers)

        return PlainTextResponse("OK", status_code=200, headers=headers)

    async def simple_response(self, scope: Scope, receive: Receive, send: Send, request_headers: Headers) -> None:
        """Run the app, adding the CORS headers to its response."""
        send = functools.partial(self.send, send=send, request_headers=request_headers)
        await self.app(scope, receive, send)

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        """``send``, with the CORS headers added to ``http.response.start``."""
        if message["type"] != "http.response.start":
            await send(message)
            return

        headers = message_headers(message)
        origin = request_headers.get("Origin")
        if origin is not None:
            headers.update(self.simple_headers)

        # If credentials are allowed, then we must respond with the specific origin instead of '*'.
        if origin is not None and self.allow_all_origins and self.allow_credentials:  # noqa: SIM114 (Starlette's)
            self.allow_explicit_origin(headers, origin)

        # If we only allow specific origins, then we have to mirror back the Origin header in the response.
        elif origin is not None and not self.allow_all_origins and self.is_allowed_origin(origin=origin):
            self.allow_explicit_origin(headers, origin)
        else:
            headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])

        await send(message)

    @staticmethod
    def allow_explicit_origin(headers: MutableHeaders, origin: str) -> None:
        """Allow ``origin`` by name, and say the answer varies by ``Origin``."""
        headers["Access-Control-Allow-Origin"] = origin
        headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])


__all__ = ["ALL_METHODS", "SAFELISTED_HEADERS", "CORSMiddleware"]
