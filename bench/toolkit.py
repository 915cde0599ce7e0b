"""The toolkit at native speed: Starlette's toolkit ported (middleware, ``StaticFiles``, templates,
authentication, server-sent events) against the implementation it ports, in-process.

Each *toolkit comparison* pairs one feature served portably on a host (``pe.create_app`` with the
portable middleware / ``StaticFiles`` / ``Jinja2Templates`` / ``requires`` / ``EventSourceResponse``)
with the same feature in a Starlette app built from Starlette's own (and sse-starlette's)
implementation. Its rows are the in-process rows' ``Timing`` (mode ``in-process``, the comparison
key, a request label), timed with the driver's interleaved rounds (``bench.driver.time_round``);
before anything is timed both sides must answer every request with the same status, content
type, content encoding and (decoded) body.

The open-streams rows hold ``streams`` server-sent-event streams open at once in the driver, each
past its first event: CPU time to open one (a ``Timing``), and memory per open stream (a
``Memory``: Python allocations traced by ``tracemalloc``, the collected heap before against after).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import gc
import gzip
import json
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
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
from portable_endpoints.types import ASGIApp, Message, Scope

if TYPE_CHECKING:
    from bench.report import Results, Timing

#: what every toolkit comparison's key starts with
TOOLKIT_PREFIX = "toolkit-"
#: the hosts whose portable toolkit is compared (with Starlette's on a Starlette app)
TOOLKIT_HOSTS = ("starlette", "asgi")
SECRET_KEY = "bench-secret"
TOKEN = "bench-token"
ORIGIN = b"https://app.example.org"
#: the session the middleware-stack requests carry, signed as both SessionMiddlewares sign it
SESSION = {"user": "ada"}
#: 2 KiB of text: above GZipMiddleware's minimum size (500 bytes), so it is compressed
LARGE_TEXT = "".join(f"line {index:04d} of the large body\n" for index in range(64))[:2048]
STATIC_TEXT = "".join(f"static line {index:03d}\n" for index in range(24))  # 408 bytes
ITEMS = list(range(10))
TEMPLATE = (
    "<html><head><title>{{ title }}</title></head><body><ul>\n"
    "{% for item in items %}"
    "<li><a href=\"{{ url_for('item', item_id=item) }}\">item {{ item }}</a></li>\n"
    "{% endfor %}"
    "</ul></body></html>\n"
)
#: events per stream of the per-event row
SSE_EVENTS = 100


class Fixture:
    """The files the apps serve: a static directory with one small file, a template directory."""

    def __init__(self) -> None:
        self._directory = tempfile.TemporaryDirectory(prefix="bench-toolkit-")
        root = Path(self._directory.name)
        self.static = root / "static"
        self.templates = root / "templates"
        self.static.mkdir()
        self.templates.mkdir()
        (self.static / "small.txt").write_text(STATIC_TEXT)
        (self.templates / "items.html").write_text(TEMPLATE)
        from starlette.responses import FileResponse

        path = self.static / "small.txt"
        self.etag = FileResponse(path, stat_result=path.stat()).headers["etag"].encode()
        self.session_cookie = signed_session(SESSION)

    def cleanup(self) -> None:
        self._directory.cleanup()


def signed_session(session: dict[str, str]) -> bytes:
    """The ``session`` cookie value both SessionMiddlewares accept (Starlette's signing)."""
    import itsdangerous

    data = base64.b64encode(json.dumps(session).encode())
    return itsdangerous.TimestampSigner(SECRET_KEY).sign(data)


# --------------------------------------------------------------------------------------------
# The apps: portable (on a host) and Starlette's own, per feature.
# --------------------------------------------------------------------------------------------


def _portable_middleware_app(fixture: Fixture, host: str) -> ASGIApp:
    import portable_endpoints as pe
    from portable_endpoints.middleware import Middleware
    from portable_endpoints.middleware.cors import CORSMiddleware
    from portable_endpoints.middleware.gzip import GZipMiddleware
    from portable_endpoints.middleware.sessions import SessionMiddleware
    from portable_endpoints.requests import Request
    from portable_endpoints.responses import PlainTextResponse
    from portable_endpoints.routing import Route

    async def plain(request: Request[Any]) -> PlainTextResponse:
        return PlainTextResponse(f"Hello, {request.session['user']}!")

    async def large(request: Request[Any]) -> PlainTextResponse:
        return PlainTextResponse(LARGE_TEXT)

    return pe.create_app(  # type: ignore[no-any-return]
        [Route("/plain", plain), Route("/large", large)],
        framework=host,
        middleware=[
            Middleware(CORSMiddleware, allow_origins=["*"]),
            Middleware(GZipMiddleware),
            Middleware(SessionMiddleware, secret_key=SECRET_KEY),
        ],
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
    import portable_endpoints as pe
    from portable_endpoints.routing import Mount
    from portable_endpoints.staticfiles import StaticFiles

    return pe.create_app(  # type: ignore[no-any-return]
        [Mount("/static", app=StaticFiles(directory=fixture.static), name="static")], framework=host
    )


def _starlette_static_app(fixture: Fixture) -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    return Starlette(routes=[Mount("/static", app=StaticFiles(directory=fixture.static), name="static")])


def _portable_templates_app(fixture: Fixture, host: str) -> ASGIApp:
    import portable_endpoints as pe
    from portable_endpoints.requests import Request
    from portable_endpoints.responses import PlainTextResponse, Response
    from portable_endpoints.routing import Route
    from portable_endpoints.templating import Jinja2Templates

    templates = Jinja2Templates(directory=fixture.templates)

    async def page(request: Request[Any]) -> Response:
        return templates.TemplateResponse(request, "items.html", {"title": "Items", "items": ITEMS})

    async def item(request: Request[Any]) -> PlainTextResponse:
        return PlainTextResponse(str(request.path_params["item_id"]))

    return pe.create_app(  # type: ignore[no-any-return]
        [Route("/page", page), Route("/items/{item_id:int}", item, name="item")], framework=host
    )


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
    import portable_endpoints as pe
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

    return pe.create_app(  # type: ignore[no-any-return]
        [Route("/private", private)],
        framework=host,
        middleware=[Middleware(AuthenticationMiddleware, backend=TokenBackend())],
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


async def _events(count: int) -> AsyncIterator[dict[str, str]]:
    for index in range(count):
        yield {"id": str(index), "data": f"event {index}"}


async def _open_stream() -> AsyncIterator[dict[str, str]]:
    """One event, then nothing until the client leaves (the stream is cancelled then)."""
    yield {"data": "open"}
    await asyncio.get_running_loop().create_future()


def _portable_sse_app(fixture: Fixture, host: str) -> ASGIApp:
    import portable_endpoints as pe
    from portable_endpoints.requests import Request
    from portable_endpoints.routing import Route
    from portable_endpoints.sse import EventSourceResponse

    async def events(request: Request[Any]) -> EventSourceResponse:
        return EventSourceResponse(_events(SSE_EVENTS), ping=0)

    async def stream(request: Request[Any]) -> EventSourceResponse:
        return EventSourceResponse(_open_stream(), ping=0)

    return pe.create_app(  # type: ignore[no-any-return]
        [Route("/events", events), Route("/stream", stream)], framework=host
    )


def _sse_starlette_app(fixture: Fixture) -> ASGIApp:
    from sse_starlette.sse import EventSourceResponse
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.routing import Route

    async def events(request: Request) -> EventSourceResponse:
        return EventSourceResponse(_events(SSE_EVENTS), ping=0)

    async def stream(request: Request) -> EventSourceResponse:
        return EventSourceResponse(_open_stream(), ping=0)

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


def _stack_headers(fixture: Fixture) -> list[tuple[bytes, bytes]]:
    return [
        (b"origin", ORIGIN),
        (b"accept-encoding", b"gzip, deflate"),
        (b"cookie", b"session=" + fixture.session_cookie),
    ]


MIDDLEWARE_REQUESTS = (
    ToolkitRequest("CORS+GZip+sessions GET, 16 B (not gzipped)", "GET", "/plain", _stack_headers),
    ToolkitRequest("CORS+GZip+sessions GET, 2 KiB (gzipped)", "GET", "/large", _stack_headers),
)
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
TEMPLATE_REQUESTS = (ToolkitRequest("TemplateResponse (loop, url_for x10)", "GET", "/page"),)
AUTH_REQUESTS = (
    ToolkitRequest(
        "requires('authenticated') GET",
        "GET",
        "/private",
        lambda fixture: [(b"authorization", f"Bearer {TOKEN}".encode())],
    ),
)
SSE_REQUESTS = (ToolkitRequest(f"SSE per event ({SSE_EVENTS}-event stream)", "GET", "/events", per=SSE_EVENTS),)
#: what is loaded over loopback too, per feature
LOOPBACK_REQUESTS = {"middleware": MIDDLEWARE_REQUESTS, "static": STATIC_REQUESTS[:1]}
#: the open-streams row of the SSE comparisons
OPEN_STREAMS_ROUTE = "SSE open stream: CPU per stream opened"


@dataclass(frozen=True)
class ToolkitComparison:
    """A feature served portably on ``host`` against Starlette's implementation on a Starlette app."""

    feature: str
    host: str
    baseline: str
    portable: Callable[[Fixture, str], ASGIApp]
    native: Callable[[Fixture], ASGIApp]
    requests: tuple[ToolkitRequest, ...]
    #: whether the open-streams rows (CPU and memory per open SSE stream) are measured too
    open_streams: bool = False

    @property
    def key(self) -> str:
        return f"{TOOLKIT_PREFIX}{self.host}-{self.feature}"

    @property
    def loopback_requests(self) -> tuple[ToolkitRequest, ...]:
        """The requests also loaded over loopback: the middleware stack's, StaticFiles' small file."""
        return LOOPBACK_REQUESTS.get(self.feature, ())

    def build(self, variant: str, fixture: Fixture) -> ASGIApp:
        if variant == "portable":
            return self.portable(fixture, self.host)
        if variant == "native":
            return self.native(fixture)
        raise ValueError(f"variant must be 'portable' or 'native', not {variant!r}")


def _comparisons() -> Iterator[ToolkitComparison]:
    for host in TOOLKIT_HOSTS:
        yield ToolkitComparison(
            "middleware",
            host,
            "Starlette's CORSMiddleware + GZipMiddleware + SessionMiddleware",
            _portable_middleware_app,
            _starlette_middleware_app,
            MIDDLEWARE_REQUESTS,
        )
        yield ToolkitComparison(
            "static", host, "Starlette's StaticFiles", _portable_static_app, _starlette_static_app, STATIC_REQUESTS
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
        )


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
TOOLKIT_PACKAGES = ("starlette", "jinja2", "itsdangerous", "sse-starlette")


# --------------------------------------------------------------------------------------------
# Timing.
# --------------------------------------------------------------------------------------------


@dataclass
class Answer:
    """What must be identical between portable and native: status, content type and encoding,
    and the body (decompressed: gzip's header holds the time it was written)."""

    status: int
    content_type: bytes | None
    content_encoding: bytes | None
    body: bytes


async def answer(app: ASGIApp, case: HTTPCase) -> Answer:
    result = await http_request(app, case)
    encoding = result.header(b"content-encoding")
    body = gzip.decompress(result.body) if encoding == b"gzip" else result.body
    return Answer(result.status, result.header(b"content-type"), encoding, body)


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


async def close_streams(streams: Sequence[OpenStream]) -> None:
    for stream in streams:
        stream.leave()
    done, pending = await asyncio.wait([stream.task for stream in streams], timeout=30)
    for task in pending:
        task.cancel()
    for task in done:
        task.result()
    if pending:
        raise RuntimeError(f"{len(pending)} of {len(streams)} SSE streams did not end when their client left")


async def time_open_streams(app: ASGIApp, count: int) -> Seconds:
    """(CPU, wall) seconds per stream to open ``count`` streams, each to its first event."""
    quiet_heap()
    start, cpu_start = time.perf_counter(), time.process_time()
    streams = await open_streams(app, count)
    cpu, elapsed = time.process_time() - cpu_start, time.perf_counter() - start
    await close_streams(streams)
    return cpu / count, elapsed / count


async def stream_memory(app: ASGIApp, count: int) -> tuple[float, int]:
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
    await close_streams(streams)
    return (after - before) / 1024 / count, before // 1024


def select_toolkit(hosts: Sequence[str]) -> list[ToolkitComparison]:
    return [item for item in TOOLKIT_COMPARISONS if item.host in hosts]


async def run_toolkit(
    comparisons: Sequence[ToolkitComparison],
    results: Results,
    *,
    rounds: int,
    batch_seconds: float,
    streams: int,
    fixed_batch: int | None = None,
    core: int | None = None,
    log: Callable[[str], None] = print,
) -> None:
    """Time every request of every toolkit comparison, rounds interleaved (as ``run_in_process``),
    and the open-streams rows; record into ``results``."""
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
                            await time_open_streams(apps[variant], streams)
                        for index in range(rounds):
                            order = VARIANTS if index % 2 == 0 else VARIANTS[::-1]
                            for variant in order:
                                cpu, wall = await time_open_streams(apps[variant], streams)
                                getattr(opened, variant).append(cpu)
                                getattr(opened, f"{variant}_wall").append(wall)
                            for variant in order:
                                per_stream, before = await stream_memory(apps[variant], streams)
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
                        if not item.loopback_requests:
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
