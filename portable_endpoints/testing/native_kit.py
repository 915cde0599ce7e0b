"""The native kit: what the conformance suite needs from an adapter to build its host's own objects.

The suite never names a framework. To check what only native objects show (a native response
passes through untouched, the host's exception handlers apply to a portable ``HTTPException``,
``request.native`` is the host's own request, portable routes mounted into or composed with a
native app keep working beside its native routes), it asks the adapter's plugin for a kit through
the ``pe_native_kit`` hook. A kit is optional: on an adapter that provides none, each test that
needs one asserts that absence instead (and a host without a kit must have no native request or
websocket objects: ``request.native is None``).

A kit is any object with these members; the in-tree adapters ship theirs as
``portable_endpoints_<framework>.testing.NATIVE_KIT``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from portable_endpoints.routing import BaseRoute


class NoNativeKit(LookupError):
    """The adapter provides no native kit (its ``pe_native_kit`` answered ``None``)."""


@runtime_checkable
class NativeKit(Protocol):
    """Builds native apps, routes, responses and error handlers of one host, for the suite.

    Every app a kit returns is an ASGI application (the suite drives it with its ``TestClient``).
    """

    #: The class of ``request.native`` on this host (an ``isinstance`` check, so a subclass the
    #: adapter or the app chose is fine). ``None``: requests carry no native object, and
    #: ``request.native`` is ``None``.
    request_type: type | None

    #: The class of ``websocket.native`` on this host; ``None`` as for ``request_type``.
    websocket_type: type | None

    def app_with_native_route(self, path: str, text: str, native_routes: Any = None) -> Any:
        """A new native app, built as a user of the framework would build one (not with ``pe.create_app``).

        It has one native route: ``GET path`` answers 200 with ``text`` as ``text/plain``.

        The suite also serves the app under a ``root_path`` (``scope["root_path"] = "/root"``,
        ``scope["path"] = "/root" + path``, as an ASGI server behind a proxy prefix sends it): the
        native route must match the path below the root path there too, as the framework's own
        routing does for its users (a router that matches ``scope["path"]`` whole must strip
        ``root_path`` first, e.g. with ``portable_endpoints.hosting.path_below_root``).

        :param path: the native route's path, a plain path without parameters, e.g. ``"/native"``.
        :param text: the native route's body.
        :param native_routes: what ``pe.native_routes(routes, framework=...)`` returned, to compose
            into the app by hand, after the native route, the way the framework's users compose
            route objects. ``None``: the app has only its native route (``pe.mount`` adds to it).
        """
        ...

    def app_with_error_handlers(self, routes: Sequence[BaseRoute], status_codes: Sequence[int]) -> Any:
        """``pe.create_app(routes, framework=...)``, with native HTTP error handlers for ``status_codes``.

        The handlers are registered through the framework's own mechanism (an ``exception_handlers``
        option, an ``errorhandler`` registration...). Each HTTP error of one of ``status_codes``
        gets the answer: status 299, the error's own headers (its ``Allow``, say; not its content
        type), and the ``text/plain`` body ``f"handled {status_code}: {detail}"``, where ``detail``
        is the native error's detail or description. Any other status keeps the host's default
        answer (the suite checks a 404 is still the host's).

        A framework that registers handlers per status code gets one per code. One that registers
        them per exception class (Falcon's ``add_error_handler(HTTPError, handler)``) gets one
        handler for its HTTP error class, which answers as above when the error's status is one of
        ``status_codes`` and otherwise hands the error to the framework's default handling (re-raise
        it, or call the default handler), so both kinds of host pass the same test.

        :param routes: the portable routes the app serves.
        :param status_codes: the HTTP statuses to handle, e.g. ``[418, 405]``.
        """
        ...

    def native_response(
        self, text: str, *, status_code: int, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> Any:
        """A response object of the host's own response class, for an endpoint to return.

        It answers ``status_code`` with ``text`` as its ``text/plain`` body, every one of ``headers``,
        and one ``Set-Cookie`` per item of ``cookies`` (name to value, default cookie attributes).
        """
        ...
