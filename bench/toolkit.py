"""The toolkit at native speed: Starlette's toolkit ported (middleware, ``StaticFiles``, templates,
authentication, server-sent events) against the implementation it ports, or the host's own, in-process.

Each *toolkit comparison* pairs one feature served portably on a host (``pe.create_app`` with the
portable middleware / ``StaticFiles`` / ``Jinja2Templates`` / ``requires`` / ``EventSourceResponse``)
with the same feature built natively: on the ``starlette`` and ``asgi`` hosts a Starlette app with
Starlette's own (and sse-starlette's) implementation, on every other host that host's idiomatic
equivalent (``bench.toolkit_native``, which also says what a host lacks: a feature a host has no
equivalent of gets no row). Its rows are the in-process rows' ``Timing`` (mode ``in-process``, the
comparison key, a request label), timed with the driver's interleaved rounds
(``bench.driver.time_round``); before anything is timed both sides must answer every request with
the same status, content type, content encoding and (decoded) body. Headers are not compared
otherwise (their order, ``Date``, ``Server``, ``Set-Cookie`` and the like differ between hosts and
are no part of the feature).

The open-streams rows hold ``streams`` server-sent-event streams open at once in the driver, each
past its first event: CPU time to open one (a ``Timing``), and memory per open stream (a
``Memory``: Python allocations traced by ``tracemalloc``, the collected heap before against after).
"""

from __future__ import annotations

import asyncio
import functools
import gc
import gzip
import importlib.util
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.driver import (
    VARIANTS,
    HTTPCase,
    Lifespan,
    Seconds,
    calibrate,
    http_request,
    pinned,
    quiet_heap,
    time_http,
    time_round,
)
from bench.loopback import (
    Cores,
    Load,
    Server,
    ServerFailed,
    client_affinity,
    http_load,
    server_available,
    wrk_load,
)
from bench.toolkit_fixture import (
    ITEMS,
    LARGE_TEXT,
    ORIGIN,
    SECRET_KEY,
    SSE_EVENTS,
    TOKEN,
    Fixture,
    open_stream,
)
from bench.toolkit_fixture import events as numbered_events
from bench.toolkit_native import NATIVE
from portable_endpoints.types import ASGIApp, Message, Scope

if TYPE_CHECKING:
    from bench.report import Results, Timing

#: what every toolkit comparison's key starts with
TOOLKIT_PREFIX = "toolkit-"
#: the hosts whose portable toolkit is compared with Starlette's on a Starlette app
STARLETTE_TOOLKIT_HOSTS = ("starlette", "asgi")
#: the hosts whose portable toolkit is compared with the host's own equivalent (``bench.toolkit_native``)
NATIVE_TOOLKIT_HOSTS = tuple(NATIVE)
TOOLKIT_HOSTS = (*STARLETTE_TOOLKIT_HOSTS, *NATIVE_TOOLKIT_HOSTS)
#: the middleware of each stack a comparison may use, outermost first
STACK_NAMES = {"cors": "CORS", "gzip": "GZip", "sessions": "sessions"}
FULL_STACK = ("cors", "gzip", "sessions")
#: the middleware each host has an equivalent of (``bench.toolkit_native.MISSING`` says why not)
HOST_STACKS = {
    "quart": ("cors", "sessions"),
    "django": ("gzip", "sessions"),
    "falcon": ("cors",),
    "sanic": ("cors",),
}
#: the hosts that reverse no URL: their template rows build the URL from the request, both sides
NO_URL_FOR_HOSTS = ("falcon",)
#: the hosts whose native SSE streams notice a client that left only when they next send (Falcon's
#: resp.sse; Sanic's handler under ASGI): their open streams are cancelled after the client leaves,
#: as a server shutting down would
STALLED_STREAM_HOSTS = ("falcon", "sanic")
#: Django's GZipMiddleware compresses at level 6: the portable side there too, for the same work
GZIP_LEVELS = {"django": 6}
#: the line separator of the portable events where the native side's is not "\r\n"
SSE_SEPARATORS = {"falcon": "\n"}


def _create_app(host: str, routes: list[Any], **options: Any) -> ASGIApp:
    import portable_endpoints as pe

    if host == "django":
        from bench.django_native import configure

        configure()  # the same settings as the native side (settings are process-wide)
    return pe.create_app(routes, framework=host, **options)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------
# The apps: portable (on a host) and Starlette's own, per feature.
# --------------------------------------------------------------------------------------------


def _portable_middleware_app(fixture: Fixture, host: str) -> ASGIApp:
    """The portable stack the host has an equivalent of (``HOST_STACKS``), outermost first; the
    endpoint greets the session's user when there are sessions, ``ada`` otherwise."""
    from portable_endpoints.middleware import Middleware
    from portable_endpoints.middleware.cors import CORSMiddleware
    from portable_endpoints.middleware.gzip import GZipMiddleware
    from portable_endpoints.middleware.sessions import SessionMiddleware
    from portable_endpoints.requests import Request
    from portable_endpoints.responses import PlainTextResponse
    from portable_endpoints.routing import Route

    stack = HOST_STACKS.get(host, FULL_STACK)

    async def plain(request: Request[Any]) -> PlainTextResponse:
        user = request.session["user"] if "sessions" in stack else "ada"
        return PlainTextResponse(f"Hello, {user}!")

    async def large(request: Request[Any]) -> PlainTextResponse:
        return PlainTextResponse(LARGE_TEXT)

    middleware = {
        "cors": Middleware(CORSMiddleware, allow_origins=["*"]),
        "gzip": Middleware(GZipMiddleware, compresslevel=GZIP_LEVELS.get(host, 9)),
        "sessions": Middleware(SessionMiddleware, secret_key=SECRET_KEY),
    }
    return _create_app(
        host, [Route("/plain", plain), Route("/large", large)], middleware=[middleware[name] for name in stack]
    )


def _starlette_middleware_app(fixture: Fixture) -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.middleware.gzip import GZipMiddleware
    from starlette.middleware.sessions import SessionMiddleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def plain(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"Hello, {request.session['user']}!")

    async def large(request: Request) -> PlainTextResponse:
        return PlainTextResponse(LARGE_TEXT)

    return Starlette(
        routes=[Route("/plain", plain), Route("/large", large)],
        middleware=[
            Middleware(CORSMiddleware, allow_origins=["*"]),
            Middleware(GZipMiddleware),
            Middleware(SessionMiddleware, secret_key=SECRET_KEY),
        ],
    )


def _portable_static_app(fixture: Fixture, host: str) -> ASGIApp:
    from portable_endpoints.routing import Mount
    from portable_endpoints.staticfiles import StaticFiles

    return _create_app(host, [Mount("/static", app=StaticFiles(directory=fixture.static), name="static")])


def _starlette_static_app(fixture: Fixture) -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    return Starlette(routes=[Mount("/static", app=StaticFiles(directory=fixture.static), name="static")])


def _portable_templates_app(fixture: Fixture, host: str) -> ASGIApp:
    from portable_endpoints.requests import Request
    from portable_endpoints.responses import PlainTextResponse, Response
    from portable_endpoints.routing import Route
    from portable_endpoints.templating import Jinja2Templates

    templates = Jinja2Templates(directory=fixture.templates)

    async def page(request: Request[Any]) -> Response:
        return templates.TemplateResponse(request, "items.html", {"title": "Items", "items": ITEMS})

    async def page_without_url_for(request: Request[Any]) -> Response:
        # Falcon reverses no URL: both sides write it from the request's base URL, in the same template.
        context = {"title": "Items", "items": ITEMS, "prefix": str(request.base_url).rstrip("/")}
        return templates.TemplateResponse(request, "items_falcon.html", context)

    async def item(request: Request[Any]) -> PlainTextResponse:
        return PlainTextResponse(str(request.path_params["item_id"]))

    if host in NO_URL_FOR_HOSTS:
        page = page_without_url_for
    return _create_app(host, [Route("/page", page), Route("/items/{item_id:int}", item, name="item")])


def _starlette_templates_app(fixture: Fixture) -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route
    from starlette.templating import Jinja2Templates

    templates = Jinja2Templates(directory=fixture.templates)

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "items.html", {"title": "Items", "items": ITEMS})

    async def item(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(request.path_params["item_id"]))

    return Starlette(routes=[Route("/page", page), Route("/items/{item_id:int}", item, name="item")])


def _portable_auth_app(fixture: Fixture, host: str) -> ASGIApp:
    from portable_endpoints.authentication import AuthCredentials, AuthenticationBackend, SimpleUser, requires
    from portable_endpoints.middleware import Middleware
    from portable_endpoints.middleware.authentication import AuthenticationMiddleware
    from portable_endpoints.requests import HTTPConnection, Request
    from portable_endpoints.responses import PlainTextResponse
    from portable_endpoints.routing import Route

    class TokenBackend(AuthenticationBackend):
        async def authenticate(self, conn: HTTPConnection[Any]) -> tuple[AuthCredentials, SimpleUser] | None:
            if conn.headers.get("authorization") != f"Bearer {TOKEN}":
                return None
            return AuthCredentials(["authenticated"]), SimpleUser("ada")

    @requires("authenticated")
    async def private(request: Request[Any]) -> PlainTextResponse:
        return PlainTextResponse(f"Hello, {request.user.display_name}")

    return _create_app(
        host, [Route("/private", private)], middleware=[Middleware(AuthenticationMiddleware, backend=TokenBackend())]
    )


def _starlette_auth_app(fixture: Fixture) -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.authentication import (
        AuthCredentials,
        AuthenticationBackend,
        SimpleUser,
        requires,
    )
    from starlette.middleware import Middleware
    from starlette.middleware.authentication import AuthenticationMiddleware
    from starlette.requests import HTTPConnection, Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    class TokenBackend(AuthenticationBackend):
        async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
            if conn.headers.get("authorization") != f"Bearer {TOKEN}":
                return None
            return AuthCredentials(["authenticated"]), SimpleUser("ada")

    @requires("authenticated")
    async def private(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"Hello, {request.user.display_name}")

    return Starlette(
        routes=[Route("/private", private)],
        middleware=[Middleware(AuthenticationMiddleware, backend=TokenBackend())],
    )


def _portable_sse_app(fixture: Fixture, host: str) -> ASGIApp:
    from portable_endpoints.requests import Request
    from portable_endpoints.routing import Route
    from portable_endpoints.sse import EventSourceResponse

    # Falcon's SSEvent ends its lines with "\n" alone: the portable events there too, for the same bytes.
    sep = SSE_SEPARATORS.get(host)

    async def events(request: Request[Any]) -> EventSourceResponse:
        return EventSourceResponse(numbered_events(SSE_EVENTS), ping=0, sep=sep)

    async def stream(request: Request[Any]) -> EventSourceResponse:
        return EventSourceResponse(open_stream(), ping=0, sep=sep)

    return _create_app(host, [Route("/events", events), Route("/stream", stream)])


def _sse_starlette_app(fixture: Fixture) -> ASGIApp:
    from sse_starlette.sse import EventSourceResponse
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.routing import Route

    async def events(request: Request) -> EventSourceResponse:
        return EventSourceResponse(numbered_events(SSE_EVENTS), ping=0)

    async def stream(request: Request) -> EventSourceResponse:
        return EventSourceResponse(open_stream(), ping=0)

    return Starlette(routes=[Route("/events", events), Route("/stream", stream)])


# --------------------------------------------------------------------------------------------
# The comparisons and their requests.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolkitRequest:
    """One timed request of a toolkit comparison: a row."""

    route: str  #: the row's label
    method: str
    path: str
    headers: Callable[[Fixture], Sequence[tuple[bytes, bytes]]] = lambda fixture: ()
    status: int = 200
    #: units per request the row's times are divided by (events per stream)
    per: int = 1

    def case(self, fixture: Fixture) -> HTTPCase:
        return HTTPCase(self.route, self.method, self.path, headers=tuple(self.headers(fixture)))


def _stack_headers(fixture: Fixture, host: str = "starlette") -> list[tuple[bytes, bytes]]:
    """What a browser sends: an ``Origin``, ``Accept-Encoding: gzip`` and the session cookie (the
    portable side's, and the host's own where its sessions are not Starlette's)."""
    cookie = b"session=" + fixture.session_cookie
    native = fixture.native_session_cookie(host) if host in NATIVE else b""
    if native:
        cookie += b"; " + native
    return [(b"origin", ORIGIN), (b"accept-encoding", b"gzip, deflate"), (b"cookie", cookie)]


def middleware_requests(host: str) -> tuple[ToolkitRequest, ...]:
    """The middleware-stack rows of ``host``: a small body, and a large one where there is GZip."""
    stack = HOST_STACKS.get(host, FULL_STACK)
    label = "+".join(STACK_NAMES[name] for name in stack)
    headers = functools.partial(_stack_headers, host=host)
    small = ToolkitRequest(
        f"{label} GET, 16 B" + (" (not gzipped)" if "gzip" in stack else ""), "GET", "/plain", headers
    )
    if "gzip" not in stack:
        return (small,)
    return (small, ToolkitRequest(f"{label} GET, 2 KiB (gzipped)", "GET", "/large", headers))


MIDDLEWARE_REQUESTS = middleware_requests("starlette")
STATIC_REQUESTS = (
    ToolkitRequest("StaticFiles GET small file", "GET", "/static/small.txt"),
    ToolkitRequest(
        "StaticFiles GET If-None-Match (304)",
        "GET",
        "/static/small.txt",
        lambda fixture: [(b"if-none-match", fixture.etag)],
        status=304,
    ),
    ToolkitRequest(
        "StaticFiles GET Range (206)", "GET", "/static/small.txt", lambda fixture: [(b"range", b"bytes=10-99")], 206
    ),
)
#: the other hosts' static rows: a JSON file (no host adds a charset to its type) and
#: ``If-Modified-Since`` (each host's ETag is its own, the date the same everywhere)
NATIVE_STATIC_REQUESTS = {
    "small": ToolkitRequest("StaticFiles GET small file (JSON)", "GET", "/static/small.json"),
    "304": ToolkitRequest(
        "StaticFiles GET If-Modified-Since (304)",
        "GET",
        "/static/small.json",
        lambda fixture: [(b"if-modified-since", fixture.last_modified)],
        status=304,
    ),
    "206": ToolkitRequest(
        "StaticFiles GET Range (206)", "GET", "/static/small.json", lambda fixture: [(b"range", b"bytes=10-99")], 206
    ),
}
#: what each other host's static files answer (``bench.toolkit_native.MISSING`` says why not the rest)
HOST_STATIC = {
    "litestar": ("small",),
    "quart": ("small", "304", "206"),
    "django": ("small", "304"),
    "falcon": ("small", "304", "206"),
    "sanic": ("small", "304", "206"),
}
TEMPLATE_REQUESTS = (ToolkitRequest("TemplateResponse (loop, url_for x10)", "GET", "/page"),)
#: the template row of a host that reverses no URL (``NO_URL_FOR_HOSTS``)
PLAIN_TEMPLATE_REQUESTS = (
    ToolkitRequest("TemplateResponse (loop x10, URL from the request, no url_for)", "GET", "/page"),
)
AUTH_REQUESTS = (
    ToolkitRequest(
        "requires('authenticated') GET",
        "GET",
        "/private",
        lambda fixture: [(b"authorization", f"Bearer {TOKEN}".encode())],
    ),
)
SSE_REQUESTS = (ToolkitRequest(f"SSE per event ({SSE_EVENTS}-event stream)", "GET", "/events", per=SSE_EVENTS),)
#: the open-streams row of the SSE comparisons
OPEN_STREAMS_ROUTE = "SSE open stream: CPU per stream opened"
#: the servers the other hosts' loopback row runs on, and in how many starts at most (one row each:
#: the loopback part stays small)
NATIVE_LOOPBACK_SERVERS = ("uvicorn",)
NATIVE_LOOPBACK_STARTS = 2


@dataclass(frozen=True)
class ToolkitComparison:
    """A feature served portably on ``host`` against Starlette's implementation on a Starlette app,
    or the host's own equivalent."""

    feature: str
    host: str
    baseline: str
    portable: Callable[[Fixture, str], ASGIApp]
    native: Callable[[Fixture], ASGIApp]
    requests: tuple[ToolkitRequest, ...]
    #: whether the open-streams rows (CPU and memory per open SSE stream) are measured too
    open_streams: bool = False
    #: the requests also loaded over loopback
    loopback_requests: tuple[ToolkitRequest, ...] = ()
    #: the servers those run on (None: every server of the run)
    loopback_servers: tuple[str, ...] | None = None
    #: at most this many server starts over loopback (None: the run's)
    loopback_starts: int | None = None
    #: modules the native side needs besides the host's framework (an extension)
    modules: tuple[str, ...] = field(default=())
    #: whether the native side's SSE streams end when their client leaves (the portable side's must)
    native_streams_end: bool = True

    @property
    def key(self) -> str:
        return f"{TOOLKIT_PREFIX}{self.host}-{self.feature}"

    @property
    def missing(self) -> str | None:
        """Why this comparison cannot run here (a module its native side needs is absent), or None."""
        absent = [name for name in self.modules if importlib.util.find_spec(name) is None]
        return f"{', '.join(absent)} not installed" if absent else None

    def ends_on_leave(self, variant: str) -> bool:
        """Whether ``variant``'s open SSE streams must end when their client leaves."""
        return variant == "portable" or self.native_streams_end

    def build(self, variant: str, fixture: Fixture) -> ASGIApp:
        if variant == "portable":
            return self.portable(fixture, self.host)
        if variant == "native":
            return self.native(fixture)
        raise ValueError(f"variant must be 'portable' or 'native', not {variant!r}")


def _starlette_comparisons(host: str) -> Iterator[ToolkitComparison]:
    yield ToolkitComparison(
        "middleware",
        host,
        "Starlette's CORSMiddleware + GZipMiddleware + SessionMiddleware",
        _portable_middleware_app,
        _starlette_middleware_app,
        MIDDLEWARE_REQUESTS,
        loopback_requests=MIDDLEWARE_REQUESTS,
    )
    yield ToolkitComparison(
        "static",
        host,
        "Starlette's StaticFiles",
        _portable_static_app,
        _starlette_static_app,
        STATIC_REQUESTS,
        loopback_requests=STATIC_REQUESTS[:1],
    )
    yield ToolkitComparison(
        "templates",
        host,
        "Starlette's Jinja2Templates",
        _portable_templates_app,
        _starlette_templates_app,
        TEMPLATE_REQUESTS,
    )
    yield ToolkitComparison(
        "auth",
        host,
        "Starlette's AuthenticationMiddleware + requires",
        _portable_auth_app,
        _starlette_auth_app,
        AUTH_REQUESTS,
    )
    yield ToolkitComparison(
        "sse",
        host,
        "sse-starlette's EventSourceResponse on Starlette",
        _portable_sse_app,
        _sse_starlette_app,
        SSE_REQUESTS,
        open_streams=True,
        modules=("sse_starlette",),
    )


#: host -> feature -> the native side's description (the report's baseline column)
NATIVE_BASELINES = {
    "fastapi": {
        "middleware": "FastAPI app, Starlette's CORS + GZip + SessionMiddleware (fastapi.middleware)",
        "static": "FastAPI app, fastapi.staticfiles.StaticFiles",
        "templates": "FastAPI app, fastapi.templating.Jinja2Templates",
        "auth": "FastAPI route with a Depends() token check",
        "sse": "sse-starlette's EventSourceResponse on FastAPI",
    },
    "litestar": {
        "middleware": "Litestar CORSConfig + CompressionConfig(gzip) + CookieBackendConfig sessions",
        "static": "Litestar create_static_files_router",
        "templates": "Litestar TemplateConfig(JinjaTemplateEngine) + Template",
        "auth": "Litestar AbstractAuthenticationMiddleware + guard",
        "sse": "Litestar ServerSentEvent",
    },
    "quart": {
        "middleware": "quart-cors + Quart's cookie session (Quart has no gzip)",
        "static": "Quart static folder (send_from_directory)",
        "templates": "Quart render_template",
        "auth": "Quart before_request token check",
        "sse": "Quart Response over an async generator",
    },
    "django": {
        "middleware": "Django GZipMiddleware + SessionMiddleware, signed cookies (Django has no CORS)",
        "static": "django.views.static.serve",
        "templates": "Django Jinja2 backend, template.render(context, request)",
        "auth": "Django view decorator token check",
        "sse": "Django StreamingHttpResponse over an async iterator",
    },
    "falcon": {
        "middleware": "Falcon App(cors_enable=True) (no gzip, no sessions in Falcon)",
        "static": "Falcon add_static_route",
        "templates": "Falcon resource, Jinja2 into resp.text",
        "auth": "Falcon @falcon.before hook",
        "sse": "Falcon resp.sse of SSEvent",
    },
    "sanic": {
        "middleware": "Sanic Extensions CORS (no gzip, no sessions in Sanic)",
        "static": "Sanic app.static",
        "templates": "Sanic Extensions templating (render)",
        "auth": "Sanic decorator token check",
        "sse": "Sanic request.respond() + send()",
    },
}
#: modules each host's native sides need besides its framework
NATIVE_MODULES = {
    "fastapi": {"sse": ("sse_starlette",)},
    "quart": {"middleware": ("quart_cors",)},
    "sanic": {"middleware": ("sanic_ext",), "templates": ("sanic_ext",)},
}


def _native_comparisons(host: str) -> Iterator[ToolkitComparison]:
    native, baselines, modules = NATIVE[host], NATIVE_BASELINES[host], NATIVE_MODULES.get(host, {})
    middleware = middleware_requests(host)
    static = STATIC_REQUESTS if host == "fastapi" else tuple(NATIVE_STATIC_REQUESTS[name] for name in HOST_STATIC[host])
    features: list[tuple[str, Callable[[Fixture, str], ASGIApp], tuple[ToolkitRequest, ...]]] = [
        ("middleware", _portable_middleware_app, middleware),
        ("static", _portable_static_app, static),
        (
            "templates",
            _portable_templates_app,
            PLAIN_TEMPLATE_REQUESTS if host in NO_URL_FOR_HOSTS else TEMPLATE_REQUESTS,
        ),
        ("auth", _portable_auth_app, AUTH_REQUESTS),
        ("sse", _portable_sse_app, SSE_REQUESTS),
    ]
    for feature, portable, requests in features:
        yield ToolkitComparison(
            feature,
            host,
            baselines[feature],
            portable,
            native[feature],
            requests,
            open_streams=feature == "sse",
            # one row over loopback per host, on one server: the small middleware-stack request
            loopback_requests=middleware[:1] if feature == "middleware" else (),
            loopback_servers=NATIVE_LOOPBACK_SERVERS,
            loopback_starts=NATIVE_LOOPBACK_STARTS,
            modules=modules.get(feature, ()),
            native_streams_end=host not in STALLED_STREAM_HOSTS,
        )


def _comparisons() -> Iterator[ToolkitComparison]:
    for host in STARLETTE_TOOLKIT_HOSTS:
        yield from _starlette_comparisons(host)
    for host in NATIVE_TOOLKIT_HOSTS:
        yield from _native_comparisons(host)


TOOLKIT_COMPARISONS: tuple[ToolkitComparison, ...] = tuple(_comparisons())
#: the files of the apps a server process serves (``build_toolkit_app``), kept for its life
_SERVED_FILES: list[Fixture] = []


def toolkit_comparison(key: str) -> ToolkitComparison:
    for item in TOOLKIT_COMPARISONS:
        if item.key == key:
            return item
    raise KeyError(key)


def build_toolkit_app(key: str, variant: str) -> ASGIApp:
    """The app a loopback server serves (``python -m bench.server``): its files made for it."""
    if not _SERVED_FILES:
        _SERVED_FILES.append(Fixture())
    return toolkit_comparison(key).build(variant, _SERVED_FILES[0])


#: the packages of the native sides, for RESULTS.md's versions
TOOLKIT_PACKAGES = ("starlette", "jinja2", "itsdangerous", "sse-starlette", "quart-cors", "sanic-ext")


# --------------------------------------------------------------------------------------------
# Timing.
# --------------------------------------------------------------------------------------------


@dataclass
class Answer:
    """What must be identical between portable and native: status, content type and encoding, the
    body (decompressed: gzip's header holds the time it was written), and the headers a feature
    under test answers with: whether CORS lets the request's origin read the answer (``*`` and the
    origin itself both do: Litestar names the origin when the request has a cookie, Starlette
    answers ``*``), a range's Content-Range."""

    status: int
    content_type: bytes | None
    content_encoding: bytes | None
    body: bytes
    origin_allowed: bool = False
    content_range: bytes | None = None


async def answer(app: ASGIApp, case: HTTPCase) -> Answer:
    result = await http_request(app, case)
    encoding = result.header(b"content-encoding")
    body = gzip.decompress(result.body) if encoding == b"gzip" else result.body
    # A 304 has no body to type: Starlette sends no Content-Type with it, Quart the file's.
    content_type = None if result.status == 304 else result.header(b"content-type")
    return Answer(
        result.status,
        content_type,
        encoding,
        body,
        result.header(b"access-control-allow-origin") in (b"*", ORIGIN),
        result.header(b"content-range"),
    )


async def differences(item: ToolkitComparison, apps: dict[str, ASGIApp], fixture: Fixture) -> list[str]:
    """The requests whose portable and native answers differ (described), or an empty list."""
    problems = []
    for request in item.requests:
        case = request.case(fixture)
        mine, theirs = await answer(apps["portable"], case), await answer(apps["native"], case)
        if mine != theirs:
            problems.append(f"{request.route}: portable {mine} != native {theirs}")
        elif mine.status != request.status:
            problems.append(f"{request.route}: status {mine.status}, not {request.status}")
    return problems


class OpenStream:
    """One in-process streaming request held open: the app runs as a task until ``leave()``."""

    def __init__(self, app: ASGIApp, scope: Scope) -> None:
        self.app = app
        self.scope = scope
        self.body_sent = False
        self.left: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.first: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.task: asyncio.Task[None] = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        await self.app(self.scope, self.receive, self.send)

    async def receive(self) -> Message:
        if not self.body_sent:
            self.body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.shield(self.left)
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("body") and not self.first.done():
            self.first.set_result(message["body"])

    def leave(self) -> None:
        if not self.left.done():
            self.left.set_result(None)


async def open_streams(app: ASGIApp, count: int) -> list[OpenStream]:
    """``count`` SSE streams of ``app``, each past its first event."""
    template = HTTPCase(OPEN_STREAMS_ROUTE, "GET", "/stream").scope()
    streams = []
    for _ in range(count):
        scope = template.copy()
        scope["state"] = {}
        streams.append(OpenStream(app, scope))
    await asyncio.wait_for(asyncio.gather(*(stream.first for stream in streams)), 60)
    return streams


async def close_streams(streams: Sequence[OpenStream], *, end_on_leave: bool = True) -> None:
    """Let every client leave; each stream must end then (``end_on_leave``), or it is cancelled, as
    a server's shutdown would (a host that notices a disconnect only when it next sends)."""
    for stream in streams:
        stream.leave()
    done, pending = await asyncio.wait([stream.task for stream in streams], timeout=30 if end_on_leave else 0.05)
    for task in pending:
        task.cancel()
    for task in done:
        task.result()
    if pending and not end_on_leave:
        await asyncio.wait(pending)
    elif pending:
        raise RuntimeError(f"{len(pending)} of {len(streams)} SSE streams did not end when their client left")


async def time_open_streams(app: ASGIApp, count: int, *, end_on_leave: bool = True) -> Seconds:
    """(CPU, wall) seconds per stream to open ``count`` streams, each to its first event."""
    quiet_heap()
    start, cpu_start = time.perf_counter(), time.process_time()
    streams = await open_streams(app, count)
    cpu, elapsed = time.process_time() - cpu_start, time.perf_counter() - start
    await close_streams(streams, end_on_leave=end_on_leave)
    return cpu / count, elapsed / count


async def stream_memory(app: ASGIApp, count: int, *, end_on_leave: bool = True) -> tuple[float, int]:
    """(KiB of traced Python allocations per open stream, KiB traced before) for ``count`` streams."""
    gc.collect()
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        streams = await open_streams(app, count)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    await close_streams(streams, end_on_leave=end_on_leave)
    return (after - before) / 1024 / count, before // 1024


def select_toolkit(hosts: Sequence[str], unavailable: dict[str, str] | None = None) -> list[ToolkitComparison]:
    """The comparisons of ``hosts`` that can run here; why the others cannot goes in ``unavailable``
    (as ``"in-process <key>"``)."""
    chosen = []
    for item in TOOLKIT_COMPARISONS:
        if item.host not in hosts:
            continue
        missing = item.missing
        if missing is None:
            chosen.append(item)
        elif unavailable is not None:
            unavailable[f"in-process {item.key}"] = missing
    return chosen


async def run_toolkit(
    comparisons: Sequence[ToolkitComparison],
    results: Results,
    *,
    rounds: int,
    batch_seconds: float,
    streams: int,
    stream_rounds: int | None = None,
    fixed_batch: int | None = None,
    core: int | None = None,
    log: Callable[[str], None] = print,
) -> None:
    """Time every request of every toolkit comparison, rounds interleaved (as ``run_in_process``),
    and the open-streams rows (``stream_rounds`` rounds, default ``rounds``); record into ``results``."""
    from bench.report import Memory, Timing

    fixture = Fixture()
    try:
        with pinned(core):
            for item in comparisons:
                apps = {variant: item.build(variant, fixture) for variant in VARIANTS}
                lifespans = [Lifespan(app) for app in apps.values()]
                for lifespan in lifespans:
                    await lifespan.startup()
                try:
                    problems = await differences(item, apps, fixture)
                    if problems:
                        results.mismatches.setdefault(item.key, []).extend(problems)
                        log(f"  {item.key}: portable and native answers differ: {problems}")
                    await _time_requests(item, apps, fixture, results, rounds, batch_seconds, fixed_batch, log)
                    if item.open_streams:
                        opened = Timing("in-process", item.key, OPEN_STREAMS_ROUTE)
                        memory = Memory(item.key, streams)
                        results.timings.append(opened)
                        results.toolkit_memory.append(memory)
                        for variant in VARIANTS:  # warm-up, discarded
                            await time_open_streams(apps[variant], streams, end_on_leave=item.ends_on_leave(variant))
                        for index in range(stream_rounds or rounds):
                            order = VARIANTS if index % 2 == 0 else VARIANTS[::-1]
                            for variant in order:
                                cpu, wall = await time_open_streams(
                                    apps[variant], streams, end_on_leave=item.ends_on_leave(variant)
                                )
                                getattr(opened, variant).append(cpu)
                                getattr(opened, f"{variant}_wall").append(wall)
                            for variant in order:
                                per_stream, before = await stream_memory(
                                    apps[variant], streams, end_on_leave=item.ends_on_leave(variant)
                                )
                                getattr(memory, variant).append(per_stream)
                                getattr(memory, f"{variant}_base").append(before)
                        log(f"  toolkit    {opened.summary()}")
                        low, high = memory.spread
                        log(
                            f"  toolkit    {item.key:28} {streams} open SSE streams: ratio {memory.ratio:6.3f} "
                            f"({low:.3f}-{high:.3f}) ({memory.portable_median:.2f} vs {memory.native_median:.2f} "
                            "KiB/stream)"
                        )
                finally:
                    for lifespan in lifespans:
                        await lifespan.shutdown()
                    gc.unfreeze()
    finally:
        fixture.cleanup()


async def _time_requests(
    item: ToolkitComparison,
    apps: dict[str, ASGIApp],
    fixture: Fixture,
    results: Results,
    rounds: int,
    batch_seconds: float,
    fixed_batch: int | None,
    log: Callable[[str], None],
) -> None:
    from bench.report import Timing

    timers = {}
    batches = {}
    timings = {}
    for request in item.requests:
        timers[request.route] = run = functools.partial(
            _timer, case=request.case(fixture), status=request.status, per=request.per
        )
        # calibrated per request, so a batch is about batch_seconds whatever ``per`` is
        per_request = functools.partial(_timer, case=request.case(fixture), status=request.status, per=1)
        batches[request.route] = fixed_batch or await calibrate(per_request, list(apps.values()), batch_seconds, 20)
        for variant in VARIANTS:  # the warm-up batch, discarded
            await run(apps[variant], batches[request.route], 0)
        timings[request.route] = Timing("in-process", item.key, request.route)
        results.timings.append(timings[request.route])
    for index in range(rounds):
        for request in item.requests:
            timing = timings[request.route]
            sides = {variant: functools.partial(timers[request.route], apps[variant]) for variant in VARIANTS}
            for variant, (cpu, wall) in (await time_round(sides, batches[request.route], index)).items():
                getattr(timing, variant).append(cpu)
                getattr(timing, f"{variant}_wall").append(wall)
    for request in item.requests:
        log(f"  toolkit    {timings[request.route].summary()}")


def _timer(app: ASGIApp, n: int, warmup: int = 0, *, case: HTTPCase, status: int, per: int) -> Any:
    return time_http(app, case, n, warmup, status=status, per=per)


# --------------------------------------------------------------------------------------------
# Over loopback.
# --------------------------------------------------------------------------------------------


async def run_toolkit_loopback(
    comparisons: Sequence[ToolkitComparison],
    results: Results,
    *,
    servers: Sequence[str],
    rounds: int,
    starts: int,
    seconds: float,
    warmup_seconds: float,
    client: str,
    connections: int,
    log: Callable[[str], None] = print,
) -> None:
    """Load the loopback requests of every comparison on a portable and a native server at once
    (as ``bench.loopback.run_loopback``: one shared server core, each side its own client, the
    start order alternating, ``starts`` new server pairs pooled); record into ``results``."""
    cores = Cores.detect()
    timings: dict[tuple[str, str, str], Timing] = {}
    fixture = Fixture()
    try:
        with client_affinity(cores):
            for start in range(starts):
                for kind in servers:
                    mode = f"loopback/{kind}"
                    missing = server_available(kind)
                    for item in comparisons:
                        if not item.loopback_requests or kind not in (item.loopback_servers or servers):
                            continue
                        if item.loopback_starts is not None and start >= item.loopback_starts:
                            continue
                        if missing is not None:
                            results.unavailable[f"{mode} {item.key}"] = missing
                            continue
                        try:
                            await _load_pair(
                                item,
                                kind,
                                mode,
                                start,
                                rounds,
                                seconds,
                                warmup_seconds,
                                cores,
                                fixture,
                                timings,
                                results,
                                client,
                                connections,
                            )
                        except ServerFailed as exc:
                            results.unavailable[f"{mode} {item.key}"] = str(exc).splitlines()[0][:200]
                            log(f"  {mode:18} {item.key}: not run: {exc}")
    finally:
        fixture.cleanup()
    for timing in timings.values():
        log(f"  {timing.mode:18} {timing.summary()}")


async def _load_pair(
    item: ToolkitComparison,
    kind: str,
    mode: str,
    start: int,
    rounds: int,
    seconds: float,
    warmup_seconds: float,
    cores: Cores,
    fixture: Fixture,
    timings: dict[tuple[str, str, str], Timing],
    results: Results,
    client: str,
    connections: int,
) -> None:
    """One start of ``item``'s portable and native servers under ``kind``: a warm-up run per
    request, then ``rounds`` runs of each, both servers loaded at once."""
    from bench.report import Timing

    running = {}
    try:
        for variant in VARIANTS:
            running[variant] = Server(kind, item.key, variant, cores)
        cases = [request.case(fixture) for request in item.loopback_requests]
        await asyncio.gather(*(_ready(server, cases[0]) for server in running.values()))
        for case in cases:
            await _load_together(list(running.values()), case, warmup_seconds, client, connections, cores)
            if (mode, item.key, case.route) not in timings:
                timings[mode, item.key, case.route] = Timing(mode, item.key, case.route)
                results.timings.append(timings[mode, item.key, case.route])
        for index in range(rounds):
            variants = list(VARIANTS) if (start * rounds + index) % 2 == 0 else list(VARIANTS)[::-1]
            for case in cases:
                loads = await _load_together(
                    [running[variant] for variant in variants], case, seconds, client, connections, cores
                )
                timing = timings[mode, item.key, case.route]
                for variant, load in zip(variants, loads, strict=True):
                    getattr(timing, variant).append(load.server_cpu / load.count)
                    getattr(timing, f"{variant}_wall").append(load.per_request)
                    timing.client = load.client
    finally:
        for server in running.values():
            server.stop()


async def _ready(server: Server, case: HTTPCase, timeout: float = 60.0) -> None:
    """Wait until ``server`` answers ``case`` with 200 (``Server.ready``, for a toolkit app's request)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerFailed(f"server {server.name} exited with {server.process.returncode}:\n{server.log()}")
        try:
            result = await asyncio.wait_for(http_load(server.port, case, max_requests=1), 5)
        except (OSError, asyncio.TimeoutError, RuntimeError, asyncio.IncompleteReadError):
            await asyncio.sleep(0.02)
            continue
        if result.count == 1:
            return
    raise ServerFailed(f"server {server.name} not ready after {timeout}s:\n{server.log()}")


async def _load_together(
    servers: Sequence[Server], case: HTTPCase, seconds: float, client: str, connections: int, cores: Cores
) -> list[Load]:
    """One run of ``case`` on every server at once, each with its own client; the servers' CPU time
    measured around it. A run in which a server completed nothing is repeated, longer."""
    for attempt in range(4):
        duration = seconds * 2**attempt
        before = [server.cpu_seconds() for server in servers]
        if client == "wrk":
            runs = [wrk_load(s.port, case, seconds=duration, connections=connections, cores=cores) for s in servers]
        else:
            runs = [http_load(s.port, case, duration=duration, connections=connections) for s in servers]
        loads = await asyncio.gather(*runs)
        for server, load, cpu in zip(servers, loads, before, strict=True):
            load.server_cpu = server.cpu_seconds() - cpu
        if all(load.count for load in loads):
            return loads
    raise RuntimeError(f"{case.route}: no request completed on {', '.join(s.name for s in servers)}")
