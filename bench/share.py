"""The adapter's own share of a request, profiled: how much of a row's portable/native gap is ours.

For each HTTP row of the hosts whose ratios are not yet at or below native (Quart, Django, Sanic
and its ``HTTPMethodView`` baseline), ``requests`` requests of each side run through the in-process
driver's loop (``bench.driver``) under ``cProfile``, after an untimed warm-up. Every profiled
function's own time (``tottime``) is put in one bucket by the file its code lives in: the core
(``portable_endpoints/``), the host's adapter (``portable_endpoints_<host>/``), the framework (the
host's own packages and the libraries it calls for a request: ``FRAMEWORK_PACKAGES``), and the rest
(the standard library, asyncio, the driver, the endpoint's body). A built-in function (``len``,
``dict.get``, ``json.dumps``' C code...) has no file: its time goes to the bucket of whoever called
it, edge by edge (``pstats``' callers), so a ``dict.get`` the adapter calls counts as the adapter's.

The profiler adds a fixed cost to every call, so its absolute times are inflated (the more calls,
the more), about 2-3x: read the split (ours against the host's) and the call counts, not the µs.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import importlib
import os
import pstats
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.apps import Comparison
from bench.driver import HTTP_CASES, HTTPCase, HTTPExchange, Lifespan, same_bytes
from portable_endpoints.types import ASGIApp

#: the hosts whose rows the share is measured for (issue 27: the ones still above native)
SHARE_HOSTS = ("quart", "django", "sanic")
#: host -> the packages counted as the framework's own (the host and what it runs a request through)
FRAMEWORK_PACKAGES: dict[str, tuple[str, ...]] = {
    "quart": ("quart", "werkzeug", "flask", "blinker", "hypercorn"),
    "django": ("django", "asgiref", "channels"),
    "sanic": ("sanic", "sanic_routing"),
}
BUCKETS = ("core", "adapter", "framework", "other")
#: profiled slices per side and route, the sides taking turns (each figure: the median over them)
SLICES = 5
#: a built-in function's pseudo file name in ``pstats``
BUILTIN = "~"
#: built-ins that block the profiled (main) thread: the event loop's wait, a lock taken from a
#: thread (Django's ``sync_to_async``), a queue handed to one; their time is waiting, not work,
#: and is left out of every bucket (``Side.waiting``)
WAITS = (
    "<method 'poll' of 'select.epoll' objects>",
    "<method 'select' of 'select.epoll' objects>",
    "<method 'acquire' of '_thread.lock' objects>",
    "<method 'put' of '_queue.SimpleQueue' objects>",
    "<built-in method _thread.start_new_thread>",
)


@dataclass
class Side:
    """One side's profile, per request: calls and own time (µs, profiled) of each bucket."""

    calls: float = 0.0
    micros: float = 0.0
    #: µs per request the main thread spent blocked (``WAITS``), not in ``micros``
    waiting: float = 0.0
    bucket_calls: dict[str, float] = field(default_factory=dict)
    bucket_micros: dict[str, float] = field(default_factory=dict)

    def share(self, bucket: str) -> float:
        """The fraction of this side's profiled time spent in ``bucket``."""
        return self.bucket_micros.get(bucket, 0.0) / self.micros if self.micros else 0.0


@dataclass
class Share:
    """A route's portable and native profiles (``requests`` requests each)."""

    key: str
    host: str
    route: str
    requests: int
    portable: Side
    native: Side

    @property
    def ours(self) -> float:
        """Profiled µs per request in our frames (core + adapter) on the portable side."""
        return self.portable.bucket_micros.get("core", 0.0) + self.portable.bucket_micros.get("adapter", 0.0)

    @property
    def ours_calls(self) -> float:
        return self.portable.bucket_calls.get("core", 0.0) + self.portable.bucket_calls.get("adapter", 0.0)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Share:
        return cls(**{**data, "portable": Side(**data["portable"]), "native": Side(**data["native"])})


class Classifier:
    """File name -> bucket, for one host."""

    def __init__(self, host: str) -> None:
        self.roots = [(_root("portable_endpoints"), "core")]
        # What is not installed has no files to classify: the host's rows are not measured then.
        for name, bucket in [(f"portable_endpoints_{host}", "adapter")] + [
            (name, "framework") for name in FRAMEWORK_PACKAGES.get(host, ())
        ]:
            try:
                self.roots.append((_root(name), bucket))
            except ImportError:
                continue
        self.cache: dict[str, str] = {}

    def __call__(self, filename: str) -> str:
        found = self.cache.get(filename)
        if found is None:
            found = next((bucket for root, bucket in self.roots if filename.startswith(root)), "other")
            self.cache[filename] = found
        return found


def _root(package: str) -> str:
    module = importlib.import_module(package)
    return os.path.dirname(os.path.realpath(module.__file__ or "")) + os.sep


def summarise(stats: pstats.Stats, classify: Callable[[str], str], requests: int) -> Side:
    """A ``pstats`` profile as a ``Side``: each function's calls and own time in its bucket, a
    built-in's own time in its callers' buckets (the callers' share of it, edge by edge)."""
    calls = dict.fromkeys(BUCKETS, 0.0)
    seconds = dict.fromkeys(BUCKETS, 0.0)
    waiting = 0.0
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_primitive, count, own, _cumulative, callers) in raw.items():
        if filename == BUILTIN and name in WAITS:
            waiting += own
            continue
        if filename != BUILTIN:
            bucket = classify(filename)
            calls[bucket] += count
            seconds[bucket] += own
            continue
        attributed = 0.0
        for (caller_file, _l, _n), edge in callers.items():
            _edge_primitive, edge_count, edge_own, _edge_cumulative = edge
            bucket = classify(caller_file) if caller_file != BUILTIN else "other"
            calls[bucket] += edge_count
            seconds[bucket] += edge_own
            attributed += edge_own
        seconds["other"] += max(0.0, own - attributed)
    return Side(
        calls=sum(calls.values()) / requests,
        micros=sum(seconds.values()) / requests * 1e6,
        waiting=waiting / requests * 1e6,
        bucket_calls={bucket: value / requests for bucket, value in calls.items()},
        bucket_micros={bucket: value / requests * 1e6 for bucket, value in seconds.items()},
    )


def median_side(sides: Sequence[Side]) -> Side:
    """Each figure's median over ``sides`` (slices of one side's profile)."""
    return Side(
        calls=statistics.median(side.calls for side in sides),
        micros=statistics.median(side.micros for side in sides),
        waiting=statistics.median(side.waiting for side in sides),
        bucket_calls={bucket: statistics.median(side.bucket_calls[bucket] for side in sides) for bucket in BUCKETS},
        bucket_micros={bucket: statistics.median(side.bucket_micros[bucket] for side in sides) for bucket in BUCKETS},
    )


async def profile_http(app: ASGIApp, case: HTTPCase, requests: int, warmup: int) -> pstats.Stats:
    """``requests`` sequential requests of ``case`` (the driver's loop) under ``cProfile``."""
    template = case.scope()
    body = case.body
    for _ in range(warmup):
        scope = template.copy()
        scope["state"] = {}
        exchange = HTTPExchange(body)
        await app(scope, exchange.receive, exchange.send)
    gc.collect()
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        for _ in range(requests):
            scope = template.copy()
            scope["state"] = {}
            exchange = HTTPExchange(body)
            await app(scope, exchange.receive, exchange.send)
    finally:
        profiler.disable()
    if exchange.status != 200:
        raise RuntimeError(f"{case.route}: status {exchange.status}, not 200")
    return pstats.Stats(profiler)


async def run_share(
    comparisons: Sequence[Comparison],
    shares: list[Share],
    *,
    requests: int,
    warmup: int,
    log: Callable[[str], None] = print,
) -> None:
    """Profile every HTTP row of every comparison whose host is in ``SHARE_HOSTS``; append to ``shares``."""
    for item in comparisons:
        if item.host not in SHARE_HOSTS:
            continue
        classify = Classifier(item.host)
        apps = {variant: item.build(variant) for variant in ("portable", "native")}
        lifespans = [Lifespan(app) for app in apps.values()]
        for lifespan in lifespans:
            await lifespan.startup()
        try:
            problems = await same_bytes(apps["portable"], apps["native"])
            if problems:
                raise RuntimeError(f"{item.key}: portable and native answers differ: {problems}")
            for case in HTTP_CASES:
                # Slices, the sides taking turns, and each figure the median over them: a noisy
                # spell of a shared machine then spoils one slice of one side, not the row.
                slices: dict[str, list[Side]] = {variant: [] for variant in apps}
                size = max(1, requests // SLICES)
                for index in range(SLICES):
                    order = list(apps) if index % 2 == 0 else list(apps)[::-1]
                    for variant in order:
                        stats = await profile_http(apps[variant], case, size, warmup if index == 0 else 2)
                        slices[variant].append(summarise(stats, classify, size))
                sides = {variant: median_side(found) for variant, found in slices.items()}
                share = Share(item.key, item.host, case.route, size * SLICES, sides["portable"], sides["native"])
                shares.append(share)
                log(f"  share {describe(share)}")
        finally:
            for lifespan in lifespans:
                await lifespan.shutdown()


def describe(share: Share) -> str:
    portable, native = share.portable, share.native
    return (
        f"{share.key} {share.route}: calls/request {portable.calls:.0f} portable, {native.calls:.0f} native "
        f"({portable.calls - native.calls:+.0f}); ours {share.ours:.1f} µs ({share.ours / portable.micros:.0%}) "
        f"of {portable.micros:.1f}; framework {portable.bucket_micros['framework']:.1f} portable, "
        f"{native.bucket_micros['framework']:.1f} native (profiled µs)"
    )


def main() -> None:  # pragma: no cover - a manual entry point: python -m bench.share [hosts] [requests]
    import sys

    from bench.apps import COMPARISONS

    hosts = sys.argv[1].split(",") if len(sys.argv) > 1 else list(SHARE_HOSTS)
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    shares: list[Share] = []
    asyncio.run(run_share([item for item in COMPARISONS if item.host in hosts], shares, requests=requests, warmup=200))


if __name__ == "__main__":
    main()
