"""Per-request cost against the number of routes: ``/r{i}/{x:int}`` x N, requesting the first, middle and last.

Each host serves N routes of that shape twice: as portable routes (``pe.create_app``) and as the
host's own idiom (for the built-in ``asgi`` host: Starlette's ``HTTPEndpoint`` on a Starlette app).
Every request gets ``item <x>`` back as text. Rounds are interleaved as in the in-process mode, on
the same minimal driver, and timed with the process's CPU clock. Also timed: ``create_app`` with
1,000 routes on each host, and ``import portable_endpoints`` in a fresh interpreter.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from bench.driver import VARIANTS, HTTPCase, http_request, pinned, time_http, time_round
from bench.stats import Paired
from portable_endpoints.endpoints import HTTPEndpoint
from portable_endpoints.requests import Request
from portable_endpoints.responses import PlainTextResponse
from portable_endpoints.routing import Route
from portable_endpoints.types import ASGIApp

SIZES = (10, 100, 1_000, 10_000)
#: the route count of the ``create_app`` timing
STARTUP_ROUTES = 1_000
POSITIONS = ("first", "middle", "last")
PARAM = 7


class Item(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"item {request.path_params['x']}")


def portable_routes(n: int) -> list[Route]:
    return [Route(f"/r{i}/{{x:int}}", Item, name=f"r{i}") for i in range(n)]


def portable(host: str, n: int) -> ASGIApp:
    import portable_endpoints as pe

    return cast(ASGIApp, pe.create_app(portable_routes(n), framework=host))


def native_starlette(n: int) -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.requests import Request as SRequest
    from starlette.responses import PlainTextResponse as SPlainTextResponse
    from starlette.routing import Route as SRoute

    async def item(request: SRequest) -> SPlainTextResponse:
        return SPlainTextResponse(f"item {request.path_params['x']}")

    return Starlette(routes=[SRoute(f"/r{i}/{{x:int}}", item, name=f"r{i}") for i in range(n)])


def native_starlette_endpoints(n: int) -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.endpoints import HTTPEndpoint as SHTTPEndpoint
    from starlette.requests import Request as SRequest
    from starlette.responses import PlainTextResponse as SPlainTextResponse
    from starlette.routing import Route as SRoute

    class SItem(SHTTPEndpoint):
        async def get(self, request: SRequest) -> SPlainTextResponse:
            return SPlainTextResponse(f"item {request.path_params['x']}")

    return Starlette(routes=[SRoute(f"/r{i}/{{x:int}}", SItem, name=f"r{i}") for i in range(n)])


def native_quart(n: int) -> ASGIApp:
    from quart import Quart, Response

    app = Quart(__name__)

    async def item(x: int) -> Response:
        return Response(f"item {x}", mimetype="text/plain")

    for i in range(n):
        app.add_url_rule(f"/r{i}/<int:x>", f"r{i}", item, methods=["GET"])
    return cast(ASGIApp, app)


def native_litestar(n: int) -> ASGIApp:
    from litestar import Litestar, MediaType, get

    def handler(i: int) -> Any:
        async def item(x: int) -> str:
            return f"item {x}"

        return get(f"/r{i}/{{x:int}}", media_type=MediaType.TEXT, name=f"r{i}")(item)

    return cast(ASGIApp, Litestar(route_handlers=[handler(i) for i in range(n)]))


def native_fastapi(n: int) -> ASGIApp:
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse as FPlainTextResponse

    app = FastAPI()

    async def item(x: int) -> str:
        return f"item {x}"

    for i in range(n):
        app.add_api_route(f"/r{i}/{{x}}", item, methods=["GET"], name=f"r{i}", response_class=FPlainTextResponse)
    return cast(ASGIApp, app)


def native_django(n: int) -> ASGIApp:
    from bench.django_native import configure

    configure()
    from django.http import HttpRequest, HttpResponse
    from django.urls import path
    from portable_endpoints_django._app import URLConf
    from portable_endpoints_django.testing import URLConfHandler

    async def item(request: HttpRequest, x: int) -> HttpResponse:
        return HttpResponse(f"item {x}", content_type="text/plain; charset=utf-8")

    # The app's own URLconf (request.urlconf, as the portable app's): settings are process-wide.
    return cast(ASGIApp, URLConfHandler(URLConf([path(f"r{i}/<int:x>", item, name=f"r{i}") for i in range(n)], {})))


def native_falcon(n: int) -> ASGIApp:
    import falcon
    import falcon.asgi

    class FItem:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, x: int) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f"item {x}"

    app = falcon.asgi.App()
    resource = FItem()
    for i in range(n):
        app.add_route(f"/r{i}/{{x:int}}", resource)
    return cast(ASGIApp, app)


_SANIC_NAMES = itertools.count(1)


def native_sanic(n: int) -> ASGIApp:
    # Imported by name: Sanic may be absent where mypy checks the bench (its adapter is optional here).
    App: Any = importlib.import_module("portable_endpoints_sanic").App
    text: Any = importlib.import_module("sanic.response").text

    # Sanic serves only once a lifespan startup has run, which this mode does not send: the
    # adapter's App (a sanic.Sanic that starts on its first request instead; per request, one
    # attribute check and one regex match more) stands in for a plain Sanic.
    app = App(f"bench_scaling_{n}_{next(_SANIC_NAMES)}")  # Sanic refuses a name twice per process
    app.config.TOUCHUP = False  # as in bench.apps.sanic_app

    async def item(request: Any, x: int) -> Any:  # module-level names only, as in bench.apps.sanic_app
        return text(f"item {x}")

    for i in range(n):
        app.add_route(item, f"/r{i}/<x:int>", methods=["GET"], name=f"r{i}")
    return cast(ASGIApp, app)


#: each host's native app of N routes (a host without one has no scaling rows)
NATIVE: dict[str, tuple[str, Callable[[int], ASGIApp]]] = {
    "starlette": ("Starlette function endpoints", native_starlette),
    "quart": ("Quart add_url_rule", native_quart),
    "litestar": ("Litestar @get handlers", native_litestar),
    "fastapi": ("FastAPI add_api_route", native_fastapi),
    "django": ("Django path() async views", native_django),
    "falcon": ("Falcon add_route resources", native_falcon),
    "sanic": ("Sanic add_route handlers", native_sanic),
    "asgi": ("Starlette HTTPEndpoint on Starlette", native_starlette_endpoints),
}


@dataclass
class ScalingTiming(Paired):
    """CPU seconds per request, one value per round, for one host, route count and position."""

    host: str
    routes: int
    position: str
    portable: list[float] = field(default_factory=list)
    native: list[float] = field(default_factory=list)
    #: the same position on the smallest portable app, timed in the same rounds (paired growth)
    smallest: list[float] = field(default_factory=list)

    @property
    def growth(self) -> float | None:
        """Median over rounds of this cost over the smallest app's, both timed in the round; None unpaired."""
        if not self.smallest:
            return None
        return statistics.median(mine / small for mine, small in zip(self.portable, self.smallest, strict=True))


@dataclass
class Startup:
    """Seconds: ``create_app`` with 1,000 routes per host (portable and native), and the package import."""

    create_app: dict[str, list[float]] = field(default_factory=dict)
    native_app: dict[str, list[float]] = field(default_factory=dict)
    import_seconds: list[float] = field(default_factory=list)


def case_for(index: int) -> HTTPCase:
    return HTTPCase(f"GET /r{index}/{PARAM}", "GET", f"/r{index}/{PARAM}")


def positions(n: int) -> dict[str, int]:
    return {"first": 0, "middle": n // 2, "last": n - 1}


async def run_scaling(
    hosts: Sequence[str],
    timings: list[ScalingTiming],
    *,
    sizes: Sequence[int] = SIZES,
    rounds: int,
    batch_seconds: float,
    core: int | None = None,
    startup: Startup | None = None,
    unavailable: dict[str, str] | None = None,
    build_budget: float = 60.0,
    log: Callable[[str], None] = print,
) -> None:
    """Each host at each size: the same-answer check, a discarded warm-up batch per side and position
    (which also sizes the batches: about ``batch_seconds`` on the slower side, at least 5 requests,
    so the 10,000-route linear scans stay bounded), then ``rounds`` interleaved rounds.

    The CPU time of building each app is recorded (``startup``: the 1,000-route ``create_app``
    figures). A size whose two apps would take more than ``build_budget`` CPU seconds to build,
    extrapolated from the two sizes before it, is not run; ``unavailable`` says why.
    """
    with pinned(core):
        for host in hosts:
            _, native_factory = NATIVE[host]
            builds: list[tuple[int, float]] = []
            smallest: tuple[ASGIApp, int] | None = None
            for n in sizes:
                predicted = _predicted_build(builds, n)
                if predicted is not None and predicted > build_budget:
                    done = ", ".join(f"{size:,} routes {seconds:.1f} s" for size, seconds in builds)
                    reason = (
                        f"building the two {n:,}-route apps would take about {predicted:.0f} s of CPU "
                        f"(over the {build_budget:.0f} s budget; measured: {done})"
                    )
                    if unavailable is not None:
                        unavailable[f"scaling {host} {n}"] = reason
                    log(f"  scaling {host:9} {n:6} routes: not run: {reason}")
                    continue
                started = time.process_time()
                portable_app = portable(host, n)
                built = time.process_time()
                native_app = native_factory(n)
                finished = time.process_time()
                builds.append((n, finished - started))
                if startup is not None and n == STARTUP_ROUTES:
                    startup.create_app.setdefault(host, []).append(built - started)
                    startup.native_app.setdefault(host, []).append(finished - built)
                apps = {"portable": portable_app, "native": native_app}
                cases = {position: case_for(index) for position, index in positions(n).items()}
                if smallest is None:
                    smallest = (portable_app, n)
                for case in cases.values():
                    for variant, app in apps.items():
                        result = await http_request(app, case)
                        expected = f"item {PARAM}".encode()
                        if (result.status, result.body) != (200, expected):
                            raise RuntimeError(f"scaling {host} {variant} {case.path}: {result.status} {result.body!r}")
                batches = {}
                for position, case in cases.items():
                    per_request = max([(await time_http(app, case, 5))[0] for app in apps.values()])
                    batches[position] = max(5, int(batch_seconds / max(per_request, 1e-7)))
                    for app in apps.values():  # the warm-up batch, discarded
                        await time_http(app, case, batches[position])
                found = {position: ScalingTiming(host, n, position) for position in cases}
                small_app, small_n = smallest
                small_cases = {position: case_for(index) for position, index in positions(small_n).items()}
                for index in range(rounds):
                    for position, case in cases.items():
                        sides = {variant: functools.partial(time_http, apps[variant], case) for variant in VARIANTS}
                        if small_n != n:
                            # The growth is a ratio of two costs: both are timed in each round, in turns.
                            sides["smallest"] = functools.partial(time_http, small_app, small_cases[position])
                        for variant, (cpu, _) in (await time_round(sides, batches[position], index)).items():
                            getattr(found[position], variant).append(cpu)
                del apps, portable_app, native_app
                for timing in found.values():
                    timings.append(timing)
                    log(
                        f"  scaling {host:9} {n:6} routes {timing.position:6} ratio {timing.ratio:6.3f} "
                        f"({timing.portable_median * 1e6:8.2f} vs {timing.native_median * 1e6:8.2f} µs)"
                    )


def _predicted_build(builds: Sequence[tuple[int, float]], n: int) -> float | None:
    """CPU seconds to build both apps at ``n`` routes, extrapolated from the last two sizes built
    (at least linearly: some hosts' construction grows faster than the number of routes)."""
    if len(builds) < 2:
        return None
    (small, small_seconds), (large, large_seconds) = builds[-2], builds[-1]
    exponent = 1.0
    if small_seconds > 0.05 and large_seconds > small_seconds:
        exponent = max(1.0, math.log(large_seconds / small_seconds) / math.log(large / small))
    return float(large_seconds * (n / large) ** exponent)


def time_startup(hosts: Sequence[str], startup: Startup, *, routes: int = 1_000, rounds: int = 3) -> None:
    """``create_app`` with ``routes`` routes on each host not measured yet (the scaling run records
    its own builds), then ``import portable_endpoints`` in fresh interpreters."""
    for host in hosts:
        if host in startup.create_app:
            continue
        _, native_factory = NATIVE[host]
        for _ in range(rounds):
            start = time.process_time()
            portable(host, routes)
            startup.create_app.setdefault(host, []).append(time.process_time() - start)
            start = time.process_time()
            native_factory(routes)
            startup.native_app.setdefault(host, []).append(time.process_time() - start)
    # CPU time of the import (the machine may be shared, which inflates wall-clock time).
    script = "import time; t = time.process_time(); import portable_endpoints; print(time.process_time() - t)"
    for _ in range(1 if rounds == 1 else max(rounds, 5)):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
        startup.import_seconds.append(float(out))
