"""A minimal in-process ASGI driver: builds scopes and feeds ``receive`` / ``send``, no sockets.

The test client is far too heavy to time an app through (it would dominate the numbers), so this
driver does the least an ASGI server must: one fresh scope dict per request, a ``receive`` that
hands over the body and then waits for the response to complete (as uvicorn does, so hosts that
listen for ``http.disconnect`` behave normally), and a ``send`` that records the response. The
WebSocket side is two one-slot mailboxes built on bare futures. Whatever the driver costs, it
costs the same for the portable and the native app, so it only dilutes the ratios, never biases.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import os
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.apps import JSON_BODY, USER_ID, WS_MESSAGE, Comparison
from portable_endpoints.types import ASGIApp, Message, Scope

if TYPE_CHECKING:
    from bench.report import Results

VARIANTS = ("portable", "native")

ASGI = {"version": "3.0", "spec_version": "2.4"}
SERVER = ("127.0.0.1", 8000)
CLIENT = ("127.0.0.1", 50000)
BASE_HEADERS = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench-driver"), (b"accept", b"*/*")]


@dataclass(frozen=True)
class HTTPCase:
    route: str
    method: str
    path: str
    body: bytes = b""
    headers: Sequence[tuple[bytes, bytes]] = ()

    def scope(self) -> dict[str, Any]:
        """The scope template; each request gets a shallow copy (apps write into their scope)."""
        return {
            "type": "http",
            "asgi": ASGI,
            "http_version": "1.1",
            "server": SERVER,
            "client": CLIENT,
            "scheme": "http",
            "method": self.method,
            "root_path": "",
            "path": self.path,
            "raw_path": self.path.encode(),
            "query_string": b"",
            "headers": [*BASE_HEADERS, *self.headers],
        }


HTTP_CASES = (
    HTTPCase("GET /plain", "GET", "/plain"),
    HTTPCase("GET /users/{id:int}", "GET", f"/users/{USER_ID}"),
    HTTPCase(
        "POST /echo (JSON)",
        "POST",
        "/echo",
        JSON_BODY,
        ((b"content-type", b"application/json"), (b"content-length", str(len(JSON_BODY)).encode())),
    ),
    HTTPCase(
        "POST /echo (JSON, msgspec)",
        "POST",
        "/echo-fast",
        JSON_BODY,
        ((b"content-type", b"application/json"), (b"content-length", str(len(JSON_BODY)).encode())),
    ),
)
WS_ROUTE = "WS /ws echo (per msg)"
ROUTES = (*(case.route for case in HTTP_CASES), WS_ROUTE)


class HTTPExchange:
    """One request's ``receive`` and ``send``."""

    __slots__ = ("body", "body_sent", "chunks", "complete", "headers", "status", "waiter")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.body_sent = False
        self.complete = False
        self.waiter: asyncio.Future[None] | None = None
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    async def receive(self) -> Message:
        if not self.body_sent:
            self.body_sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        if not self.complete:
            # As a server does: nothing more until the response is over, then the disconnect.
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.complete = True
                waiter = self.waiter
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)
        elif kind == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", ()))
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r}")


@dataclass
class HTTPResult:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: bytes) -> bytes | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


async def http_request(app: ASGIApp, case: HTTPCase) -> HTTPResult:
    scope = case.scope()
    scope["state"] = {}
    exchange = HTTPExchange(case.body)
    await app(scope, exchange.receive, exchange.send)
    return HTTPResult(exchange.status, exchange.headers, b"".join(exchange.chunks))


Seconds = tuple[float, float]


@contextlib.contextmanager
def pinned(core: int | None) -> Iterator[None]:
    """Run this process on one CPU core for the duration (``None``: leave the affinity alone)."""
    if core is None:
        yield None
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        yield None
    finally:
        os.sched_setaffinity(0, before)


def quiet_heap() -> None:
    """Before a timed batch: collect, then freeze what survives, so neither side pays for the
    other's garbage or for traversing the long-lived heap in its batch's collections. (Frozen
    objects are not traversed again, so after the first call this costs only the young heap.)"""
    gc.collect()
    gc.freeze()


async def time_http(
    app: ASGIApp, case: HTTPCase, n: int, warmup: int = 0, *, status: int = 200, per: int = 1
) -> Seconds:
    """(CPU, wall) seconds per request (per unit, ``per`` units a request) over ``n`` sequential
    requests, after ``warmup`` untimed ones; each must answer ``status``."""
    template = case.scope()
    body = case.body
    quiet_heap()
    for _ in range(warmup):
        await http_request(app, case)
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(n):
        scope = template.copy()
        scope["state"] = {}
        exchange = HTTPExchange(body)
        await app(scope, exchange.receive, exchange.send)
    cpu, elapsed = time.process_time() - cpu_start, time.perf_counter() - start
    if exchange.status != status:
        raise RuntimeError(f"{case.route}: status {exchange.status}, not {status}")
    return cpu / n / per, elapsed / n / per


class WebSocketSession:
    """One in-process WebSocket connection: the app runs as a task; the client side is here."""

    def __init__(self, app: ASGIApp, path: str = "/ws") -> None:
        self.app = app
        self.scope: Scope = {
            "type": "websocket",
            "asgi": ASGI,
            "http_version": "1.1",
            "server": SERVER,
            "client": CLIENT,
            "scheme": "ws",
            "root_path": "",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [*BASE_HEADERS, (b"upgrade", b"websocket"), (b"sec-websocket-version", b"13")],
            "subprotocols": [],
            "state": {},
        }
        self._to_app: deque[Message] = deque()
        self._app_waiter: asyncio.Future[Message] | None = None
        self._to_client: deque[Message] = deque()
        self._client_waiter: asyncio.Future[Message] | None = None
        self.task: asyncio.Task[None] | None = None

    # The app's side.
    async def _receive(self) -> Message:
        if self._to_app:
            return self._to_app.popleft()
        waiter: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._app_waiter = waiter
        return await waiter

    async def _send(self, message: Message) -> None:
        waiter = self._client_waiter
        if waiter is not None:
            self._client_waiter = None
            waiter.set_result(message)
        else:
            self._to_client.append(message)

    # The client's side.
    def push(self, message: Message) -> None:
        waiter = self._app_waiter
        if waiter is not None and not waiter.done():
            self._app_waiter = None
            waiter.set_result(message)
        else:
            self._to_app.append(message)

    async def next(self) -> Message:
        if self._to_client:
            return self._to_client.popleft()
        waiter: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._client_waiter = waiter
        task = self.task
        if task is not None and task.done():
            task.result()
            raise RuntimeError("the app ended the WebSocket session")
        return await waiter

    async def connect(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())
        self.push({"type": "websocket.connect"})
        message = await asyncio.wait_for(self.next(), 10)
        if message["type"] != "websocket.accept":
            raise RuntimeError(f"expected websocket.accept, got {message!r}")

    async def _run(self) -> None:
        try:
            await self.app(self.scope, self._receive, self._send)
        finally:
            waiter = self._client_waiter
            if waiter is not None and not waiter.done():
                waiter.set_result({"type": "websocket.close", "code": 1006})

    async def echo(self, text: str) -> str:
        self.push({"type": "websocket.receive", "text": text})
        message = await self.next()
        if message["type"] != "websocket.send":
            raise RuntimeError(f"expected websocket.send, got {message!r}")
        return str(message["text"])

    async def close(self) -> None:
        self.push({"type": "websocket.disconnect", "code": 1000, "reason": ""})
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, 10)
            except asyncio.TimeoutError:
                self.task.cancel()
                raise RuntimeError("the app did not end the session after the client's disconnect") from None


async def time_ws(app: ASGIApp, n: int, warmup: int = 0) -> Seconds:
    """(CPU, wall) seconds per echoed message over ``n`` sequential round trips on one connection,
    after ``warmup`` untimed ones."""
    session = WebSocketSession(app)
    await session.connect()
    push, receive = session.push, session.next
    message = {"type": "websocket.receive", "text": WS_MESSAGE}
    quiet_heap()
    for _ in range(warmup):
        await session.echo(WS_MESSAGE)
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(n):
        push(message.copy())
        reply = await receive()
    cpu, elapsed = time.process_time() - cpu_start, time.perf_counter() - start
    await session.close()
    if reply.get("text") != WS_MESSAGE:
        raise RuntimeError(f"bad echo {reply!r}")
    return cpu / n, elapsed / n


class Lifespan:
    """Runs an app's lifespan startup before the requests and its shutdown after, as uvicorn does."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.supported = True

    async def _run(self) -> None:
        scope: Scope = {"type": "lifespan", "asgi": ASGI, "state": {}}
        try:
            await self.app(scope, self._inbox.get, self._outbox.put)
        except Exception:
            # "auto" mode, as in uvicorn: an app that rejects lifespan simply has none.
            self.supported = False
            await self._outbox.put({"type": "lifespan.unsupported"})

    async def startup(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())
        await self._inbox.put({"type": "lifespan.startup"})
        message = await asyncio.wait_for(self._outbox.get(), 10)
        if message["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"lifespan startup failed: {message.get('message')}")

    async def shutdown(self) -> None:
        if self.supported and self.task is not None and not self.task.done():
            await self._inbox.put({"type": "lifespan.shutdown"})
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._outbox.get(), 10)
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


@dataclass
class Signature:
    """What must be identical between portable and native: status, content type and body."""

    status: int
    content_type: bytes | None
    body: bytes


async def signature(app: ASGIApp, route: str) -> Signature:
    for case in HTTP_CASES:
        if case.route == route:
            result = await http_request(app, case)
            return Signature(result.status, result.header(b"content-type"), result.body)
    session = WebSocketSession(app)
    await session.connect()
    echoed = await asyncio.wait_for(session.echo(WS_MESSAGE), 10)
    await session.close()
    return Signature(101, None, echoed.encode())


async def same_bytes(portable: ASGIApp, native: ASGIApp) -> list[str]:
    """The routes whose portable and native answers differ (described), or an empty list."""
    problems = []
    for route in ROUTES:
        mine, theirs = await signature(portable, route), await signature(native, route)
        if mine != theirs:
            problems.append(f"{route}: portable {mine} != native {theirs}")
        elif mine.status not in (101, 200):
            problems.append(f"{route}: status {mine.status}")
    return problems


Timer = Callable[[ASGIApp, int, int], Coroutine[Any, Any, Seconds]]


def timer(route: str) -> Timer:
    for case in HTTP_CASES:
        if case.route == route:

            def run(app: ASGIApp, n: int, warmup: int = 0, case: HTTPCase = case) -> Coroutine[Any, Any, Seconds]:
                return time_http(app, case, n, warmup)

            return run
    return time_ws


async def calibrate(run: Timer, apps: Sequence[ASGIApp], batch_seconds: float, minimum: int) -> int:
    """A batch size that takes about ``batch_seconds`` of CPU on the slower app (after a short warm-up)."""
    per_request = max([(await run(app, 20, 0))[0] for app in apps])
    return max(minimum, int(batch_seconds / max(per_request, 1e-7)))


#: A round's batch is timed in up to this many slices per side, the sides taking turns.
SLICES = 16
#: The fewest timed requests in a slice (a batch of few slow requests is cut into fewer slices).
SLICE_MINIMUM = 4
#: Untimed requests that open every slice, at most (never more than the slice times).
SLICE_WARMUP = 8

#: One side's timed slice: ``(requests, untimed warm-up requests)`` -> (CPU, wall) seconds per request.
Slice = Callable[[int, int], Coroutine[Any, Any, Seconds]]


async def time_round(sides: Mapping[str, Slice], batch: int, index: int) -> dict[str, Seconds]:
    """Round ``index``: a batch of ``batch`` requests per side, timed in slices, the sides taking
    turns (the order reversed every other slice and round: ABBA...); per side, (CPU, wall) seconds
    per request over the round.

    A drift of the machine's speed within the round then falls on every side alike: with 4 slices
    per round instead of 16, the per-round ratios spread 1.4-1.5x as wide. Each slice opens with a
    few untimed requests, because a side that takes its turn finds the CPU's caches filled with the
    other side's code and data, as a server running one app never does: over two full runs each,
    timed from the first request and then warm, Quart's portable GET /plain went from 1.025-1.027
    to 1.011-1.012 of native.
    """
    count = max(1, min(SLICES, batch // SLICE_MINIMUM))
    size = max(1, batch // count)
    warmup = min(SLICE_WARMUP, size)
    names = list(sides)
    totals = {name: [0.0, 0.0] for name in names}
    for turn in range(count):
        for name in names if (index + turn) % 2 == 0 else names[::-1]:
            cpu, wall = await sides[name](size, warmup)
            totals[name][0] += cpu / count
            totals[name][1] += wall / count
    return {name: (cpu, wall) for name, (cpu, wall) in totals.items()}


async def run_in_process(
    comparisons: Sequence[Comparison],
    results: Results,
    *,
    rounds: int,
    batch_seconds: float,
    fixed_batch: int | None = None,
    core: int | None = None,
    log: Callable[[str], None] = print,
) -> None:
    """Time every route of every comparison, rounds interleaved; record into ``results``.

    The process is pinned to ``core``; each side's first batch per route is a discarded warm-up;
    each round times a batch per side in slices (``time_round``).
    """
    from bench.report import Timing

    with pinned(core):
        for item in comparisons:
            apps = {variant: item.build(variant) for variant in VARIANTS}
            lifespans = [Lifespan(app) for app in apps.values()]
            for lifespan in lifespans:
                await lifespan.startup()
            try:
                problems = await same_bytes(apps["portable"], apps["native"])
                if problems:
                    results.mismatches.setdefault(item.key, []).extend(problems)
                    log(f"  {item.key}: portable and native answers differ: {problems}")
                batches = {}
                timings = {}
                for route in ROUTES:
                    run = timer(route)
                    batches[route] = fixed_batch or await calibrate(run, list(apps.values()), batch_seconds, 20)
                    for variant in VARIANTS:  # the warm-up batch, discarded
                        await run(apps[variant], batches[route], 0)
                    timings[route] = Timing("in-process", item.key, route)
                    results.timings.append(timings[route])
                for index in range(rounds):
                    for route in ROUTES:
                        timing = timings[route]
                        sides = {variant: functools.partial(timer(route), apps[variant]) for variant in VARIANTS}
                        for variant, (cpu, wall) in (await time_round(sides, batches[route], index)).items():
                            getattr(timing, variant).append(cpu)
                            getattr(timing, f"{variant}_wall").append(wall)
                for route in ROUTES:
                    log(f"  in-process {timings[route].summary()}")
            finally:
                for lifespan in lifespans:
                    await lifespan.shutdown()
                gc.unfreeze()
