"""One dispatch path, from a request to its outcome, shared by every host.

``Dispatcher`` is built once per route, when the route is declared: the verb table (Starlette's
order, HEAD falling back to ``get``, standard verbs only), the ``Allow`` value and, per verb,
whether the handler runs on the event loop or in a worker thread. A dispatcher built with
``any_method`` (an overridden ``dispatch()``, a mounted app) also takes every other method, as
Starlette's router gives such routes every method. ``run_endpoint`` is what every
adapter calls per request: it runs the endpoint and translates the outcome through the adapter's
callables, so each outcome rule (405, client gone, a value that is no response) is written once.

This module sits below ``endpoints`` and ``routing``: it knows endpoint classes only as classes
with one method per verb, and imports neither.
"""

from __future__ import annotations

import contextlib
import copy
import weakref
from collections.abc import Awaitable, Callable, Container, Iterable
from typing import Any, TypeGuard, TypeVar, overload

from portable_endpoints._concurrency import is_async_callable, run_in_threadpool
from portable_endpoints._handlers import (
    ExceptionHandlers,
    call_handler,
    escalate,
    mark_endpoint_reached,
    server_error_response,
)
from portable_endpoints._json import STDLIB, current_codec
from portable_endpoints.exceptions import ConfigurationError, HTTPException
from portable_endpoints.requests import ClientDisconnect, Request
from portable_endpoints.responses import PlainTextResponse, Response
from portable_endpoints.types import ASGIApp, Receive, Scope, Send

#: The verbs that dispatch, in the order Starlette lists them in ``Allow``.
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY")

T = TypeVar("T")
#: the host's own response type, which ``run_endpoint`` passes through untouched
NativeResponse = TypeVar("NativeResponse")
# Per verb: (endpoint class or None for a function endpoint, method name or the function, is_async).
_Entry = tuple[type | None, Any, bool]


class _EveryMethod(Container[str]):
    """The ``method_set`` of a route that takes every method: any name is in it."""

    __slots__ = ()

    def __contains__(self, method: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "EVERY_METHOD"


#: What ``Dispatcher.method_set`` is for an ``any_method`` dispatcher: every method matches the route.
EVERY_METHOD: Container[str] = _EveryMethod()


def smaller_limit(first: int | None, second: int | None) -> int | None:
    """The stricter of two byte limits, ``None`` meaning no limit."""
    if first is None:
        return second
    if second is None:
        return first
    return min(first, second)


def class_verbs(endpoint: type) -> tuple[tuple[str, str], ...]:
    """``(METHOD, attribute)`` for each verb ``endpoint`` serves, in Starlette's order.

    A verb is served when the class has a method of that lower-case name; HEAD is served by
    ``get`` when the class has no ``head``. Any other attribute, however named, is never a verb.
    """
    verbs: list[tuple[str, str]] = []
    for method in HTTP_METHODS:
        attr = method.lower()
        if getattr(endpoint, attr, None) is not None:
            verbs.append((method, attr))
        elif method == "HEAD" and getattr(endpoint, "get", None) is not None:
            verbs.append((method, "get"))
    return tuple(verbs)


def function_verbs(methods: Iterable[str] | None) -> tuple[str, ...]:
    """The verbs a function endpoint serves for ``methods`` (default GET); GET brings HEAD, as in Starlette."""
    wanted = {method.upper() for method in (methods or ("GET",))}
    if "GET" in wanted:
        wanted.add("HEAD")
    unknown = wanted - set(HTTP_METHODS)
    if unknown:
        raise ConfigurationError(f"Unsupported HTTP methods {sorted(unknown)}; use {', '.join(HTTP_METHODS)}")
    return tuple(method for method in HTTP_METHODS if method in wanted)


class _VerbTable:
    """What a ``Dispatcher`` derives from its endpoint's verbs: the same for every route to one class."""

    __slots__ = ("allow", "allow_headers", "entries", "method_set", "methods")

    def __init__(self, entries: dict[str, _Entry], any_method: bool = False) -> None:
        self.entries = entries
        self.methods = tuple(entries)
        self.allow = ", ".join(self.methods)
        self.allow_headers = {"Allow": self.allow}
        self.method_set: Container[str] = EVERY_METHOD if any_method else frozenset(self.methods)


_NO_ENTRY: _Entry = (None, None, False)
#: the class attribute holding an endpoint class's verb table and entries, read once per class
_CLASS_TABLE = "_pe_verb_table"


def _class_table(endpoint: type) -> tuple[_VerbTable, dict[str, _Entry]]:
    """The verb table of an endpoint class and its entries, shared by every route to the class.

    Kept on the class itself (a cycle the collector frees with it): a big app's build looks them
    up once per class and allocates nothing more per route.
    """
    found: tuple[_VerbTable, dict[str, _Entry]] | None = endpoint.__dict__.get(_CLASS_TABLE)
    if found is None:
        entries: dict[str, _Entry] = {
            method: (endpoint, attr, is_async_callable(getattr(endpoint, attr)))
            for method, attr in class_verbs(endpoint)
        }
        table = (_VerbTable(dict.fromkeys(entries, _NO_ENTRY)), entries)
        with contextlib.suppress(AttributeError, TypeError):  # a class taking no attributes: per route
            setattr(endpoint, _CLASS_TABLE, table)
        return table
    return found


class Dispatcher:
    """How one endpoint is called: per verb, its handler and whether it is async; the ``Allow`` value.

    :param endpoint: a class with one method per verb (an ``HTTPEndpoint``), instantiated per
        request with the ASGI triple as Starlette does; or a ``request -> response`` callable.
    :param methods: for a function endpoint, the verbs it serves (default GET, with HEAD).
    :param name: the route's name, for error messages.
    :param any_method: for a function endpoint, take every method, standard or not (Starlette's
        ``Route`` to an endpoint class whose ``dispatch()`` is overridden, its ``Mount(app=...)``):
        ``methods`` are then only what the route lists.
    """

    __slots__ = (
        "_allow_headers",
        "_other_methods",
        "allow",
        "entries",
        "max_body_size",
        "method_set",
        "methods",
        "name",
    )

    def __init__(
        self,
        endpoint: Any,
        *,
        methods: Iterable[str] | None = None,
        name: str = "",
        max_body_size: int | None = None,
        any_method: bool = False,
    ) -> None:
        #: the entry of a method not in ``entries``: None (a 405) unless ``any_method``
        self._other_methods: _Entry | None = None
        if isinstance(endpoint, type):
            if any_method:
                raise ConfigurationError(
                    "any_method applies to function endpoints; a class serves the verbs it defines"
                )
            verbs, entries = _class_table(endpoint)
        else:
            entry = (None, endpoint, is_async_callable(endpoint))
            verbs = _VerbTable(dict.fromkeys(function_verbs(methods), entry), any_method)
            entries = verbs.entries
            if any_method:
                self._other_methods = entry
        #: per verb served: (endpoint class or None for a function endpoint, method name or the
        #: function, whether it is async); read-only, for a host that inlines ``__call__``
        self.entries: dict[str, _Entry] = entries
        self.name = name
        #: the verbs served, in Starlette's order
        self.methods: tuple[str, ...] = verbs.methods
        #: the ``Allow`` header value of a 405, the same on every host
        self.allow = verbs.allow
        self._allow_headers = verbs.allow_headers
        #: the methods a request may bring to match the route fully; any other is a partial match (405)
        self.method_set: Container[str] = verbs.method_set
        #: the most body bytes a request may bring: the endpoint's ``max_body_size`` or the app's default
        self.max_body_size = smaller_limit(max_body_size, getattr(endpoint, "max_body_size", None))

    def limited(self, max_body_size: int | None) -> Dispatcher:
        """This dispatcher with the body limit lowered to ``max_body_size`` (an app's default)."""
        if max_body_size is None or self.max_body_size == smaller_limit(self.max_body_size, max_body_size):
            return self
        other = copy.copy(self)
        other.max_body_size = smaller_limit(self.max_body_size, max_body_size)
        return other

    def __call__(self, request: Request[Any]) -> Awaitable[Any]:
        """An awaitable of the endpoint's return value for ``request``; a verb it does not serve raises a 405
        (unless ``any_method``).

        Sync handlers run in a worker thread, never on the event loop. Not a coroutine itself, so an
        async handler's own coroutine is awaited directly, with no frame in between.
        """
        if self.max_body_size is not None:
            request.limit_body(self.max_body_size)
        scope = request.scope
        entry = self.entries.get(scope["method"])
        if entry is None:
            entry = self._other_methods
            if entry is None:
                raise HTTPException(405, headers=self._allow_headers)
        endpoint, target, is_async = entry
        # Starlette instantiates the endpoint per request, so `self.scope` works alike.
        handler = target if endpoint is None else getattr(endpoint(scope, request.receive, request.send), target)
        if is_async:
            return handler(request)  # type: ignore[no-any-return]
        return run_in_threadpool(handler, request)


def _never(response: object) -> bool:
    return False


@overload
async def run_endpoint(
    dispatcher: Dispatcher, request: Request[Any], *, http_error: Callable[[HTTPException], T]
) -> Response | T | None: ...


@overload
async def run_endpoint(
    dispatcher: Dispatcher,
    request: Request[Any],
    *,
    http_error: Callable[[HTTPException], T],
    is_native_response: Callable[[object], TypeGuard[NativeResponse]],
) -> Response | T | NativeResponse | None: ...


@overload
async def run_endpoint(
    dispatcher: Dispatcher,
    request: Request[Any],
    *,
    http_error: Callable[[HTTPException], T],
    is_native_response: Callable[[object], bool],
) -> Response | T | Any | None: ...


async def run_endpoint(
    dispatcher: Dispatcher,
    request: Request[Any],
    *,
    http_error: Callable[[HTTPException], T],
    is_native_response: Callable[[object], bool] = _never,
) -> Response | T | Any | None:
    """Run the endpoint for ``request`` and translate its outcome for the host. Every adapter calls this.

    :param dispatcher: the route's ``Dispatcher`` (``route.dispatcher``).
    :param request: the neutral request, built by the adapter over its host's request.
    :param http_error: turns a ``HTTPException`` (raised by the endpoint, or the 405 for a verb it
        does not serve) into the host's own error: return a native response, or raise the host's
        exception so the host app's exception handlers apply.
    :param is_native_response: whether a value the endpoint returned is one of the host's own
        response objects, passed through untouched. Declare it ``(value: object) ->
        TypeGuard[NativeResponse]`` (``typing.TypeGuard``) and the result is typed
        ``Response | T | NativeResponse | None``, with no cast at the call site (a plain ``bool``
        predicate types the native response as ``Any``).

    Returns the neutral ``Response`` to send, the native response, any other ASGI app the endpoint
    returned as its response (Starlette's responses, sse-starlette's: call it with the raw
    ``send``, or send it through ``portable_endpoints.hosting.bridge_asgi_response``), or what
    ``http_error`` returned; ``None`` when the client left before its body arrived (nobody to
    answer: send nothing). Any other return value is the endpoint's bug and raises ``TypeError``
    naming it.

    The route table's ``exception_handlers`` (``create_app`` / ``mount`` option) answer what the
    endpoint raised first, by Starlette's lookup; what they do not handle goes on as above. In a
    ``create_app`` app with middleware or a ``500`` handler, any other exception returns a stand-in
    500 instead: the core's layer around the host drops it and raises the exception through the
    app's middleware, as Starlette does (pass it on to the host untouched).

    While the endpoint runs, ``current_codec`` holds the route table's JSON codec, so a
    ``JSONResponse`` built by the endpoint renders with it (set only when it differs: the stdlib
    default costs one lookup).
    """
    table = request.route_table
    codec = getattr(table, "json_codec", STDLIB)  # codec_of(), inlined: every request runs this
    token = current_codec.set(codec) if codec is not current_codec.get() else None
    mark_endpoint_reached()
    try:
        response = await dispatcher(request)
    except HTTPException as exc:
        handlers: ExceptionHandlers | None = getattr(table, "exception_handlers", None)
        if handlers is None or (handler := handlers.lookup(exc)) is None:
            return http_error(exc)
        response = await call_handler(handler, request, exc)
    except ClientDisconnect:
        return None
    except Exception as exc:
        handlers = getattr(table, "exception_handlers", None)
        if handlers is not None and (handler := handlers.lookup(exc)) is not None:
            response = await call_handler(handler, request, exc)
        elif getattr(table, "raises_server_errors", False):
            raise  # the host lets it out, through the app's middleware, as Starlette's router does
        elif escalate(exc):
            # The app layer drops this stand-in and raises exc through the app's middleware.
            return PlainTextResponse("Internal Server Error", status_code=500)
        elif handlers is not None and handlers.server_error is not None:
            response = await server_error_response(handlers, request, exc)
        else:
            raise
    finally:
        if token is not None:
            current_codec.reset(token)
    if isinstance(response, Response) or is_native_response(response) or callable(response):
        return response
    raise TypeError(f"Endpoint {dispatcher.name!r} returned {response!r}; return a Response")


def plain_error(exc: HTTPException) -> Response:
    """The bare ASGI host's error format: the detail as plain text, as Starlette's default handler sends it.

    204 and 304 carry no body.
    """
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)


def is_asgi_app(value: object) -> TypeGuard[ASGIApp]:
    """Whether an endpoint's return value can be sent as an ASGI app (the bare host's native response)."""
    return callable(value)


async def send_asgi_response(response: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Send what ``run_endpoint`` returned (a neutral response or any ASGI app) on a raw ASGI
    channel: ``await response(scope, receive, send)``, with a plain response's two messages sent
    directly (the commonest answer: no background task, no streaming)."""
    if isinstance(response, Response) and response._plain_send and response.background is None:
        await send({"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else response.body})
        return
    await response(scope, receive, send)


async def serve_asgi(dispatcher: Dispatcher, request: Request[Any], scope: Scope, receive: Receive, send: Send) -> None:
    """Serve ``request`` over raw ASGI: the outcome in the bare host's format (any ASGI app passes)."""
    response = await run_endpoint(dispatcher, request, http_error=plain_error, is_native_response=is_asgi_app)
    if response is not None:
        await send_asgi_response(response, scope, receive, send)


_class_dispatchers: weakref.WeakKeyDictionary[type, Dispatcher] = weakref.WeakKeyDictionary()


def dispatcher_for_class(endpoint: type) -> Dispatcher:
    """The ``Dispatcher`` of an endpoint class served on its own (``uvicorn module:MyEndpoint``), cached."""
    found = _class_dispatchers.get(endpoint)
    if found is None:
        found = _class_dispatchers[endpoint] = Dispatcher(endpoint, name=endpoint.__name__)
    return found
