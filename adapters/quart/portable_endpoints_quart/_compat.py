"""Every part of Quart and werkzeug this adapter touches beyond their documented API, in one place.

Each has a test in ``tests/test_quart_compat.py``, so a Quart or werkzeug release that moves one of
them fails that one named test.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any, NoReturn

import quart
from werkzeug.datastructures import Headers

try:  # Quart >= 0.23 raises it when the client has gone; earlier versions cancel the request
    from quart.wrappers.base import ClientDisconnectedError
except ImportError:  # pragma: no cover - depends on the installed Quart

    class ClientDisconnectedError(Exception):  # type: ignore[no-redef]
        """Never raised by this Quart."""


#: Quart's "the client has gone, nobody to answer" (a stand-in before Quart 0.23).
CLIENT_GONE: type[Exception] = ClientDisconnectedError


def current_request() -> Any:
    """The request object behind ``quart.request`` (werkzeug's ``LocalProxy._get_current_object``)."""
    return quart.request._get_current_object()


def current_websocket() -> Any:
    """The websocket object behind ``quart.websocket``."""
    return quart.websocket._get_current_object()


def current_g() -> Any:
    """The ``g`` object of this request or websocket."""
    return quart.g._get_current_object()


def share_g(g: Any, state: dict[str, Any]) -> None:
    """Make ``state`` (``scope["state"]``) the attribute store of ``g``, keeping what ``g`` holds.

    ``g`` keeps its attributes in its instance ``__dict__`` (Flask's ``_AppCtxGlobals``, whose
    ``__setattr__`` would store ``__dict__`` as an attribute: hence ``object.__setattr__``).
    """
    if g.__dict__ is not state:
        state.update(g.__dict__)
        object.__setattr__(g, "__dict__", state)


def set_header_list(headers: Headers, items: list[tuple[str, str]]) -> None:
    """Fill ``headers`` with ``items`` as they are (werkzeug's private ``_list``), skipping its re-validation."""
    headers._list = items


def body_limit(request: Any) -> int | None:
    """The body limit Quart gave this request's ``Body`` when it built the request (the app's
    ``MAX_CONTENT_LENGTH`` then; the ``Body``'s private ``_max_content_length``), read without
    going through ``current_app``."""
    limit: int | None = request.body._max_content_length
    return limit


#: werkzeug's (status line, code) for each status code a response was given.
_STATUS: dict[int, tuple[str, int]] = {}


def set_status(response: Any, code: int) -> None:
    """Set ``response.status`` to ``code``: werkzeug's ``_clean_status`` once per code, then the
    private ``_status`` / ``_status_code`` its setter writes."""
    pair = _STATUS.get(code)
    if pair is None:
        pair = response._clean_status(code)
        if 100 <= code <= 999:  # every code a neutral response can have; bounds the cache
            _STATUS[code] = pair
    response._status, response._status_code = pair


def body_complete(body: Any) -> bool:
    """Whether Quart's ``Body`` has received the whole request body (its private ``_complete`` event)."""
    complete = getattr(body, "_complete", None)
    return complete is not None and complete.is_set()


def wrap_routing_exception(app: quart.Quart, wrapper: Callable[[Callable[[Any], NoReturn], Any], NoReturn]) -> None:
    """Route Quart's ``raise_routing_exception(request)`` through ``wrapper(original, request)``."""
    original = app.raise_routing_exception

    def raise_routing_exception(request: Any) -> NoReturn:
        wrapper(original, request)

    app.raise_routing_exception = raise_routing_exception  # type: ignore[method-assign]


async def as_async_generator(chunks: AsyncIterator[bytes]) -> AsyncGenerator[bytes, None]:
    """``chunks`` as an async generator: Quart before 0.20 takes any other async iterable for a
    sync one (its ``IterableBody`` checks ``inspect.isasyncgen``)."""
    async for chunk in chunks:
        yield chunk
