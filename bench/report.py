"""Results, their summary (medians, ratios, spreads, targets), ``RESULTS.md`` and ``results.png``."""

from __future__ import annotations

import importlib
import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.apps import COMPARISONS
from bench.build import BUILD_TARGET, KINDS, BuildTiming
from bench.build_apps import BUILD_HOSTS
from bench.build_apps import NATIVE as BUILD_NATIVE
from bench.driver import ROUTES, SLICE_WARMUP, SLICES
from bench.scaling import POSITIONS, ScalingTiming, Startup
from bench.share import FRAMEWORK_PACKAGES, Share, Side
from bench.stats import (
    BOOTSTRAP_RESAMPLES,
    CONFIDENCE,
    MISSED,
    WITHIN_NOISE,
    Paired,
    Target,
    bootstrap_median_interval,
    interval_cell,
    markdown_table,
    verdict,
    verdict_cell,
)
from bench.toolkit import TOOLKIT_COMPARISONS
from bench.toolkit_native import MISSING as TOOLKIT_MISSING

#: portable/native time ratio a route may reach (design section 7), per kind of mode, and the memory allowance.
TIME_TARGETS = {"in-process": 1.00, "loopback": 1.02}
#: the ASGI servers of the loopback rows; the mode of a loopback row is ``loopback/<server>``.
SERVERS = ("uvicorn", "granian")
TIME_TARGET = TIME_TARGETS["in-process"]
#: the JSON echo with ``json_codec="msgspec"`` against the host's usual JSON
FAST_JSON_TARGET = 0.70
FAST_JSON_ROUTE = "POST /echo (JSON, msgspec)"
#: the built-in asgi host against the hand-written raw ASGI app, on the GET routes
FLOOR_TARGET = 2.0
MEMORY_TARGET = Target(1.00)
#: per-request cost at 1,000 routes against 10 on the hosts whose routing the adapter owns
SCALING_GROWTH_TARGET = 1.3
SCALING_GROWTH_HOSTS = ("asgi", "starlette")
SCALING_SIZE = 1_000
#: the comparisons held to the target; the raw ASGI floor is a reference, not a target.
FLOOR = "asgi-vs-raw"
STARLETTE_ENDPOINT = "asgi-vs-starlette-endpoint"
COMPARISON_ORDER = {item.key: index for index, item in enumerate(COMPARISONS)}
MODES = ("in-process", *(f"loopback/{server}" for server in SERVERS))


#: at SCALING_SIZE routes, portable faster than native on every host
SCALING_TARGET = Target(1.0, strict=True)


def time_target(mode: str, key: str, route: str) -> Target | None:
    """A row's target, or None for a reference row."""
    if key == FLOOR:
        if route.startswith("GET"):
            return Target(FLOOR_TARGET)
        if route == FAST_JSON_ROUTE:
            return Target(1.0, strict=True)  # msgspec against the raw app's stdlib JSON
        return None
    if key == STARLETTE_ENDPOINT:
        return Target(1.0, strict=True)
    if route == FAST_JSON_ROUTE:
        return Target(FAST_JSON_TARGET)
    return Target(TIME_TARGETS[mode.split("/")[0]])


@dataclass(frozen=True)
class Verdict:
    """One row's verdict: ``row`` names it the same way in every run (what ``--compare`` pairs)."""

    row: str
    ratio: float
    interval: tuple[float, float]
    target: str
    verdict: str
    rounds: int

    def describe(self) -> str:
        low, high = self.interval
        return f"{self.row}: ratio {self.ratio:.3f}, 95% CI {low:.3f}-{high:.3f} (target {self.target})"


def _paired_verdict(row: str, item: Paired, target: Target) -> Verdict:
    return Verdict(row, item.ratio, item.interval, target.describe(), item.verdict(target), len(item.round_ratios))


def growth_interval(item: ScalingTiming) -> tuple[float, float]:
    """The 95% confidence interval of ``item``'s growth (bootstrap over the paired rounds)."""
    if not item.smallest:
        return (math.nan, math.nan)
    return bootstrap_median_interval([mine / small for mine, small in zip(item.portable, item.smallest, strict=True)])


@dataclass
class Timing(Paired):
    """Seconds per request (or per echoed message), one value per round, for each side."""

    mode: str
    key: str
    route: str
    portable: list[float] = field(default_factory=list)
    native: list[float] = field(default_factory=list)
    #: wall-clock seconds per request (loopback: 1 / throughput), per round
    portable_wall: list[float] = field(default_factory=list)
    native_wall: list[float] = field(default_factory=list)
    client: str = ""

    def summary(self) -> str:
        """The row as the run prints it: comparison, route, ratio, spread, both sides' µs."""
        low, high = self.spread
        return (
            f"{self.key:28} {self.route:26} ratio {self.ratio:6.3f} ({low:.3f}-{high:.3f})  "
            f"({self.portable_median * 1e6:7.2f} vs {self.native_median * 1e6:7.2f} µs)"
        )

    @property
    def wall_ratio(self) -> float:
        return statistics.median(
            mine / theirs for mine, theirs in zip(self.portable_wall, self.native_wall, strict=True)
        )

    def busy(self, variant: str) -> float:
        """Loopback: the share of wall time the server was on CPU (near 1: the server is the bottleneck)."""
        cpu: list[float] = getattr(self, variant)
        wall: list[float] = getattr(self, f"{variant}_wall")
        return statistics.median(c / w for c, w in zip(cpu, wall, strict=True))


@dataclass
class Memory(Paired):
    """RSS growth of the server process per open, idle WebSocket, KiB, one value per round."""

    key: str
    connections: int
    portable: list[float] = field(default_factory=list)
    native: list[float] = field(default_factory=list)
    portable_base: list[int] = field(default_factory=list)
    native_base: list[int] = field(default_factory=list)


@dataclass
class Results:
    settings: dict[str, Any] = field(default_factory=dict)
    machine: dict[str, str] = field(default_factory=dict)
    timings: list[Timing] = field(default_factory=list)
    memory: list[Memory] = field(default_factory=list)
    #: memory per open server-sent-event stream (``bench.toolkit``), KiB
    toolkit_memory: list[Memory] = field(default_factory=list)
    scaling: list[ScalingTiming] = field(default_factory=list)
    startup: Startup | None = None
    build: list[BuildTiming] = field(default_factory=list)
    #: the profiled share of a request that is ours (``bench.share``), per HTTP row of some hosts
    share: list[Share] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    #: comparison key -> routes whose portable and native answers differ
    mismatches: dict[str, list[str]] = field(default_factory=dict)
    #: "<mode> <comparison key>" -> why that comparison could not run in that mode
    unavailable: dict[str, str] = field(default_factory=dict)
    #: wall-clock seconds of each part of the run, in order
    parts: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> str:
        """Every round of every row, and every row's verdict with its interval (``verdicts``,
        derived: ``from_json`` recomputes them from the rounds)."""
        data = asdict(self)
        data["verdicts"] = [asdict(item) for item in self.verdicts()]
        data["bootstrap"] = {"resamples": BOOTSTRAP_RESAMPLES, "confidence": CONFIDENCE, "statistic": "median"}
        return json.dumps(data, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Results:
        data = json.loads(text)
        data.pop("verdicts", None)
        data.pop("bootstrap", None)
        data["timings"] = [Timing(**item) for item in data["timings"]]
        data["build"] = [BuildTiming(**item) for item in data.get("build", [])]
        data["share"] = [Share.from_dict(item) for item in data.get("share", [])]
        data["memory"] = [Memory(**item) for item in data["memory"]]
        data["toolkit_memory"] = [Memory(**item) for item in data.get("toolkit_memory", [])]
        data["scaling"] = [ScalingTiming(**item) for item in data.get("scaling", [])]
        data["startup"] = Startup(**data["startup"]) if data.get("startup") else None
        return cls(**data)

    def scaling_timing(self, host: str, routes: int, position: str) -> ScalingTiming | None:
        for item in self.scaling:
            if (item.host, item.routes, item.position) == (host, routes, position):
                return item
        return None

    def scaling_growth(self, host: str, routes: int = SCALING_SIZE, smallest: int = 10) -> float | None:
        """Portable cost for the last route at ``routes`` routes over the cost at ``smallest``."""
        large, small = self.scaling_timing(host, routes, "last"), self.scaling_timing(host, smallest, "last")
        if large is None or small is None:
            return None
        return _growth(large, small)

    def timing(self, mode: str, key: str, route: str) -> Timing | None:
        for item in self.timings:
            if (item.mode, item.key, item.route) == (mode, key, route):
                return item
        return None

    def verdicts(self) -> list[Verdict]:
        """The verdict of every row that has a target, in the report's order."""
        found = []
        for item in self.timings:
            target = time_target(item.mode, item.key, item.route)
            if item.measured and target is not None:
                found.append(_paired_verdict(f"{item.mode} {item.key} {item.route}", item, target))
        for memory in self.memory:
            if memory.key != FLOOR and memory.measured:
                row = f"memory {memory.key} {memory.connections} idle WebSockets"
                found.append(_paired_verdict(row, memory, MEMORY_TARGET))
        for memory in self.toolkit_memory:
            if memory.measured:
                row = f"toolkit memory {memory.key} {memory.connections} open SSE streams"
                found.append(_paired_verdict(row, memory, MEMORY_TARGET))
        for scaled in self.scaling:
            if scaled.routes == SCALING_SIZE and scaled.measured:
                row = f"scaling {scaled.host} {scaled.routes} routes {scaled.position}"
                found.append(_paired_verdict(row, scaled, SCALING_TARGET))
        for host in SCALING_GROWTH_HOSTS:
            large, small = self.scaling_timing(host, SCALING_SIZE, "last"), self.scaling_timing(host, 10, "last")
            if large is None or small is None or not large.measured:
                continue
            interval = growth_interval(large)
            if math.isnan(interval[0]):  # unpaired rounds (older results): the point estimate alone
                growth = _growth(large, small)
                interval = (growth, growth)
            target = Target(SCALING_GROWTH_TARGET)
            found.append(
                Verdict(
                    f"scaling {host} growth {SCALING_SIZE} routes / 10 routes",
                    _growth(large, small),
                    interval,
                    target.describe(),
                    verdict(interval, target),
                    len(large.smallest),
                )
            )
        for built in self.build:
            if built.measured:
                found.append(_paired_verdict(f"build {built.host} {built.label}", built, BUILD_TARGET))
        return found

    def misses(self) -> list[str]:
        """Every missed target (its whole interval on the wrong side), described; and every answer
        that differs between portable and native."""
        missed = [item.describe() for item in self.verdicts() if item.verdict == MISSED]
        for key, problems in self.mismatches.items():
            missed.extend(f"same-bytes check {key}: {problem}" for problem in problems)
        return missed

    def within_noise(self) -> list[str]:
        """Every row whose interval straddles its target, described."""
        return [item.describe() for item in self.verdicts() if item.verdict == WITHIN_NOISE]


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f}"


#: the verdict cell of a row held to no target
REFERENCE = "reference (no target)"
CI_COLUMN = ("95% CI of the median", "---:")
VERDICT_COLUMN = ("verdict (target)", "---")


def _verdict(mode: str, key: str, route: str, item: Paired) -> str:
    target = time_target(mode, key, route)
    if target is None:
        return REFERENCE
    return verdict_cell(item.verdict(target), target)


def timing_table(results: Results, mode: str) -> list[str]:
    cpu = "CPU" if mode == "in-process" else "server CPU"
    columns = [
        ("host", "---"),
        ("baseline", "---"),
        ("route", "---"),
        (f"portable/native {cpu} time (median of rounds)", "---:"),
        CI_COLUMN,
        ("min-max over rounds", "---:"),
        (f"portable {cpu} µs", "---:"),
        (f"native {cpu} µs", "---:"),
        ("wall-clock ratio", "---:"),
        ("wall µs p / n", "---:"),
    ]
    if mode != "in-process":
        columns.append(("server busy p / n", "---:"))
    columns.append(VERDICT_COLUMN)
    rows = []
    for item in COMPARISONS:
        reason = results.unavailable.get(f"{mode} {item.key}")
        if reason is not None:
            rows.append([item.host, item.baseline, "every route", *["-"] * (len(columns) - 4), f"not run: {reason}"])
            continue
        for route in ROUTES:
            timing = results.timing(mode, item.key, route)
            if timing is None or not timing.measured:
                continue
            cells = [
                item.host,
                item.baseline,
                route,
                *timing.ratio_cells(),
                _us(timing.portable_median),
                _us(timing.native_median),
                f"{timing.wall_ratio:.3f}",
                f"{_us(statistics.median(timing.portable_wall))} / {_us(statistics.median(timing.native_wall))}",
            ]
            if mode != "in-process":
                cells.append(f"{timing.busy('portable'):.0%} / {timing.busy('native'):.0%}")
            cells.append(_verdict(mode, item.key, route, timing))
            rows.append(cells)
    return markdown_table(columns, rows)


def _micros(side: Side, bucket: str) -> str:
    return f"{side.bucket_micros.get(bucket, 0.0):.1f}"


def share_table(results: Results) -> list[str]:
    """The profiled share of each HTTP row that is ours (``bench.share``), beside its in-process ratio."""
    columns = [
        ("host", "---"),
        ("route", "---"),
        ("in-process ratio (95% CI)", "---:"),
        ("calls / request p / n (diff)", "---:"),
        ("core µs", "---:"),
        ("adapter µs", "---:"),
        ("ours: % of portable", "---:"),
        ("ours: calls", "---:"),
        ("framework µs p / n", "---:"),
        ("rest µs p / n", "---:"),
        ("profiled µs p / n", "---:"),
    ]
    rows = []
    for item in sorted(results.share, key=lambda share: COMPARISON_ORDER.get(share.key, 0)):
        portable, native = item.portable, item.native
        timing = results.timing("in-process", item.key, item.route)
        ratio = "-"
        if timing is not None and timing.measured:
            low, high = timing.interval
            ratio = f"{timing.ratio:.3f} ({low:.3f}-{high:.3f})"
        rows.append(
            [
                item.key,
                item.route,
                ratio,
                f"{portable.calls:.0f} / {native.calls:.0f} ({portable.calls - native.calls:+.0f})",
                f"{portable.bucket_micros.get('core', 0.0):.1f}",
                f"{portable.bucket_micros.get('adapter', 0.0):.1f}",
                f"{item.ours / portable.micros:.1%}" if portable.micros else "-",
                f"{item.ours_calls:.0f}",
                *(f"{_micros(portable, bucket)} / {_micros(native, bucket)}" for bucket in ("framework", "other")),
                f"{portable.micros:.1f} / {native.micros:.1f}",
            ]
        )
    return markdown_table(columns, rows)


def toolkit_table(results: Results) -> list[str]:
    """The toolkit rows (``bench.toolkit``): in-process timings, then memory per open SSE stream."""
    columns = [
        ("host", "---"),
        ("baseline", "---"),
        ("request", "---"),
        ("measured", "---"),
        ("portable/native (median of rounds)", "---:"),
        CI_COLUMN,
        ("min-max over rounds", "---:"),
        ("portable", "---:"),
        ("native", "---:"),
        ("wall-clock ratio", "---:"),
        VERDICT_COLUMN,
    ]
    rows = []
    measures = {"in-process": "in-process CPU", **{f"loopback/{server}": f"{server} CPU" for server in SERVERS}}
    for item in TOOLKIT_COMPARISONS:
        for timing in sorted(results.timings, key=lambda t: list(measures).index(t.mode) if t.mode in measures else 9):
            if timing.key != item.key or not timing.measured:
                continue
            rows.append(
                [
                    item.host,
                    item.baseline,
                    timing.route,
                    measures.get(timing.mode, timing.mode),
                    *timing.ratio_cells(),
                    f"{_us(timing.portable_median)} µs",
                    f"{_us(timing.native_median)} µs",
                    f"{timing.wall_ratio:.3f}",
                    _verdict(timing.mode, timing.key, timing.route, timing),
                ]
            )
        for mode, measure in measures.items():
            reason = results.unavailable.get(f"{mode} {item.key}")
            if reason is not None:
                rows.append([item.host, item.baseline, "-", measure, *["-"] * (len(columns) - 5), f"not run: {reason}"])
        for memory in results.toolkit_memory:
            if memory.key != item.key or not memory.measured:
                continue
            rows.append(
                [
                    item.host,
                    item.baseline,
                    f"SSE {memory.connections:,} open streams: memory per stream",
                    "in-process tracemalloc",
                    *memory.ratio_cells(),
                    f"{memory.portable_median:.2f} KiB",
                    f"{memory.native_median:.2f} KiB",
                    "-",
                    verdict_cell(memory.verdict(MEMORY_TARGET), MEMORY_TARGET),
                ]
            )
    return markdown_table(columns, rows)


def memory_table(results: Results) -> list[str]:
    columns = [
        ("host", "---"),
        ("baseline", "---"),
        ("idle WebSockets", "---:"),
        ("portable/native (median of rounds)", "---:"),
        CI_COLUMN,
        ("min-max over rounds", "---:"),
        ("portable KiB/conn", "---:"),
        ("native KiB/conn", "---:"),
        ("server RSS before (p / n, MiB)", "---:"),
        VERDICT_COLUMN,
    ]
    rows = []
    for memory in sorted(results.memory, key=lambda m: (COMPARISON_ORDER.get(m.key, 99), m.connections)):
        if not memory.measured:
            continue
        item = next(c for c in COMPARISONS if c.key == memory.key)
        cell = REFERENCE if item.key == FLOOR else verdict_cell(memory.verdict(MEMORY_TARGET), MEMORY_TARGET)
        base = (
            f"{statistics.median(memory.portable_base) / 1024:.1f} / {statistics.median(memory.native_base) / 1024:.1f}"
        )
        rows.append(
            [
                item.host,
                item.baseline,
                f"{memory.connections:,}",
                *memory.ratio_cells(),
                f"{memory.portable_median:.1f}",
                f"{memory.native_median:.1f}",
                base,
                cell,
            ]
        )
    return markdown_table(columns, rows)


def scaling_table(results: Results) -> list[str]:
    columns = [
        ("host", "---"),
        ("native baseline", "---"),
        ("routes", "---:"),
        ("requested", "---"),
        ("portable/native CPU time (median of rounds)", "---:"),
        CI_COLUMN,
        ("min-max over rounds", "---:"),
        ("portable CPU µs", "---:"),
        ("native CPU µs", "---:"),
        ("portable cost / cost at 10 routes", "---:"),
        VERDICT_COLUMN,
    ]
    from bench.scaling import NATIVE

    skipped = {
        (key.split()[1], key.split()[2]): reason
        for key, reason in results.unavailable.items()
        if key.startswith("scaling ")
    }
    hosts = sorted({item.host for item in results.scaling} | {host for host, _ in skipped}, key=list(NATIVE).index)
    sizes = sorted({item.routes for item in results.scaling} | {int(size) for _, size in skipped})
    rows = []
    for host in hosts:
        for size in sizes:
            reason = skipped.get((host, str(size)))
            if reason is not None:
                rows.append([host, NATIVE[host][0], f"{size:,}", "all", *["-"] * 6, f"not run: {reason}"])
            for position in POSITIONS:
                item = results.scaling_timing(host, size, position)
                small = results.scaling_timing(host, min(sizes), position)
                if item is None or not item.measured:
                    continue
                growth = _growth(item, small) if small is not None else float("nan")
                cell = REFERENCE
                if size == SCALING_SIZE:
                    cell = verdict_cell(item.verdict(SCALING_TARGET), SCALING_TARGET)
                    if host in SCALING_GROWTH_HOSTS and position == "last":
                        growth_target = Target(SCALING_GROWTH_TARGET)
                        interval = growth_interval(item)
                        if math.isnan(interval[0]):
                            interval = (growth, growth)
                        cell += (
                            f"; growth {verdict_cell(verdict(interval, growth_target), growth_target)}, "
                            f"95% CI {interval_cell(interval)}"
                        )
                rows.append(
                    [
                        host,
                        NATIVE[host][0],
                        f"{size:,}",
                        position,
                        *item.ratio_cells(),
                        _us(item.portable_median),
                        _us(item.native_median),
                        f"{growth:.2f}",
                        cell,
                    ]
                )
    return markdown_table(columns, rows)


def startup_lines(startup: Startup) -> list[str]:
    columns = [
        ("host", "---"),
        ("`create_app`, 1,000 portable routes (ms, CPU)", "---:"),
        ("native app, 1,000 routes (ms, CPU)", "---:"),
    ]
    rows = []
    for host, seconds in startup.create_app.items():
        native = startup.native_app.get(host, [])
        native_ms = f"{statistics.median(native) * 1e3:.1f}" if native else "-"
        rows.append([host, f"{statistics.median(seconds) * 1e3:.1f}", native_ms])
    lines = markdown_table(columns, rows)
    if startup.import_seconds:
        lines += [
            "",
            "`import portable_endpoints` in a fresh interpreter: "
            f"{statistics.median(startup.import_seconds) * 1e3:.1f} ms of CPU time "
            f"(median of {len(startup.import_seconds)}).",
        ]
    return lines


def targets_lines(results: Results) -> list[str]:
    """The ``## Targets`` summary: the misses, then the rows within noise, then the skipped hosts."""
    misses, noisy = results.misses(), results.within_noise()
    counted = results.verdicts()
    met = sum(1 for item in counted if item.verdict not in (MISSED, WITHIN_NOISE))
    lines = [
        "## Targets",
        "",
        f"{len(counted)} rows with a target: {met} met, {len(misses)} missed, {len(noisy)} within noise "
        "(their 95% interval straddles the target).",
        "",
    ]
    lines += [f"- missed: {miss}" for miss in misses] or ["- no target missed"]
    lines += [f"- within noise: {row}" for row in noisy]
    for host, reason in results.skipped.items():
        lines.append(f"- skipped host `{host}`: {reason}")
    return [*lines, ""]


def _build_rounds(settings: dict[str, Any]) -> str:
    rounds = settings.get("build_rounds", {})
    text = ", ".join(f"{int(size):,} routes {count}" for size, count in rounds.items())
    fewer = settings.get("build_host_rounds", {})
    if fewer:
        text += "; " + ", ".join(
            f"{host} at {int(size):,} routes {count}" for host, sizes in fewer.items() for size, count in sizes.items()
        )
    imports, colds = settings.get("build_import_rounds"), settings.get("build_cold_rounds")
    return f"{text}; import {imports}, cold start {colds}"


def build_table(results: Results) -> list[str]:
    columns = [
        ("host", "---"),
        ("native baseline", "---"),
        ("measured", "---"),
        ("portable/native CPU time (median of rounds)", "---:"),
        CI_COLUMN,
        ("min-max over rounds", "---:"),
        ("portable CPU ms", "---:"),
        ("native CPU ms", "---:"),
        ("rounds", "---:"),
        VERDICT_COLUMN,
    ]
    order = {kind: index for index, kind in enumerate(KINDS)}
    rows = []
    for host in BUILD_HOSTS:
        baseline = BUILD_NATIVE[host].description
        for key, reason in results.unavailable.items():
            if key.startswith(f"build {host} "):
                what = key.removeprefix(f"build {host} ")
                rows.append([host, baseline, what, *["-"] * 6, f"not run: {reason}"])
        built = sorted(
            (item for item in results.build if item.host == host and item.measured),
            key=lambda item: (order[item.kind], item.routes),
        )
        for item in built:
            rows.append(
                [
                    host,
                    baseline,
                    item.label,
                    *item.ratio_cells(),
                    f"{item.portable_median * 1e3:.2f}",
                    f"{item.native_median * 1e3:.2f}",
                    str(len(item.round_ratios)),
                    verdict_cell(item.verdict(BUILD_TARGET), BUILD_TARGET),
                ]
            )
    return markdown_table(columns, rows)


def _pooled_rounds(settings: dict[str, Any], mode: str) -> str:
    """How many rounds, over how many worker processes (in-process) or server starts (loopback),
    pooled; results from before either existed: one of them."""
    if mode == "in-process":
        groups = settings.get("in_process_processes", 1)
        rounds = settings.get("in_process_rounds")
        what = (
            f"{groups} fresh worker processes, one after the other (a process's memory layout alone "
            "moves some rows by a few %)"
        )
    else:
        groups = settings.get("loopback_starts", 1)
        rounds = settings.get("loopback_rounds")
        what = (
            f"{groups} starts of every server (new processes each time, every host and server in turn "
            "between two starts)"
        )
    if groups == 1:
        return f"{rounds} rounds"
    return f"{what}, {rounds} rounds each, pooled: {groups * rounds} rounds in all"


def _native_toolkit_rounds(settings: dict[str, Any]) -> str:
    processes = settings.get("toolkit_native_processes", settings.get("in_process_processes", 1))
    rounds = settings.get("toolkit_native_rounds", settings.get("in_process_rounds"))
    stream_rounds = settings.get("toolkit_native_stream_rounds", rounds)
    return f"{processes} worker processes, {rounds} rounds each ({stream_rounds} for the open-streams rows), pooled"


def _missing_features() -> str:
    return "; ".join(f"{host}: {what}" for host, what in TOOLKIT_MISSING.items())


def markdown(results: Results, *, plot_name: str | None = "results.png") -> str:
    settings = results.settings
    lines = [
        "# Benchmark results: portable vs native",
        "",
        "Generated by `nox -s bench` (`python -m bench`); do not edit by hand. Each row times the same",
        "route served by a portable endpoint mounted on the host and by the host's idiomatic native",
        "endpoint, in the same run, after a discarded warm-up: in-process, rounds interleaved (portable",
        "and native alternate which goes first), with the heap collected and frozen (`gc.collect()`,",
        "`gc.freeze()`) before every timed batch of either side; over loopback, both servers loaded at",
        "the same time on one shared core. The ratio is the median of the per-round",
        "portable/native ratios of CPU time per request; below 1 the portable side is faster. The",
        f"95% CI column is the percentile-bootstrap confidence interval of that median ({BOOTSTRAP_RESAMPLES:,}",
        "resamples of the rounds, seeded), and each row's verdict is *met* when the whole interval",
        "meets the row's target, *missed* when none of it does and *within noise* when it straddles",
        "the target (the rounds cannot tell). The min-max column is the spread of the per-round",
        "ratios. CPU time (of the driver process",
        "in-process, of the server process on loopback) is the primary measure because this machine",
        "may be shared with other work, which inflates wall-clock time but not CPU time; the",
        "wall-clock ratio is shown beside it.",
        "",
        f"Targets: ratio <= {TIME_TARGETS['in-process']:.2f} in-process and <= {TIME_TARGETS['loopback']:.2f}"
        f' over loopback on every host and route; the JSON echo with `json_codec="msgspec"` <= {FAST_JSON_TARGET}',
        "against the host's usual JSON; the built-in `asgi` adapter faster than Starlette's own",
        f"`HTTPEndpoint`/`WebSocketEndpoint` (ratio < 1) and within {FLOOR_TARGET:.0f}x of a hand-written raw ASGI",
        "app on the GET routes (its msgspec echo faster than the raw app's stdlib JSON); memory per",
        "WebSocket <= native; building an app (import, cold start, `create_app`, `mount`) <= native.",
        "The raw ASGI app is the floor: what no framework costs.",
        "",
    ]
    if plot_name:
        lines += [f"![portable/native ratios]({plot_name})", ""]
    lines += targets_lines(results)
    for mode in MODES:
        table = timing_table(results, mode)
        if len(table) <= 2:
            continue
        if mode == "in-process":
            lines += [
                "## In-process (ASGI driver, no sockets)",
                "",
                f"{_pooled_rounds(settings, 'in-process')}; each round times a batch of sequential requests "
                f"(about {settings.get('in_process_batch_seconds')} s per batch) on one event loop with "
                "the bench's minimal ASGI driver (`bench/driver.py`). Times are µs per request (per echoed "
                "message for WebSocket), measured with the process's CPU clock (every thread: Django's "
                "`sync_to_async` threads too) and with the wall clock; each round times its batch in "
                f"up to {SLICES} slices per side, the two sides taking turns, each slice after up to "
                f"{SLICE_WARMUP} untimed requests.",
                "",
            ]
        else:
            server = mode.split("/")[1]
            lines += [
                f"## Loopback ({SERVER_TITLES.get(server, server)} on 127.0.0.1)",
                "",
                f"{_pooled_rounds(settings, mode)}. In each run, the portable server and the "
                "native server(s) of a host are loaded at the same time, each by its own client, and share "
                "the server core: a faster or slower spell of the machine (on a shared host they last "
                "seconds) then falls on both sides alike, where runs one after the other would each get "
                "a different one. The clients' start order alternates between rounds. HTTP load from "
                f"{settings.get('http_client')} per server ({settings.get('http_connections')} keep-alive "
                f"connections, {settings.get('loopback_seconds')} s per run, longer (up to "
                f"{settings.get('loopback_max_seconds')} s) for a route whose warm-up shows fewer than "
                f"{settings.get('loopback_min_requests')} requests in that time), WebSocket text echo from "
                f"a client on `websockets`' sans-I/O protocol ({settings.get('ws_connections')} connections "
                f"per server, bursts of {settings.get('ws_window')} messages, prebuilt frames, echoes "
                "checked byte for byte, no compression); the same client for both sides. Server CPU µs "
                "per request = the server processes' CPU time during the run (from `/proc`, every thread "
                "and worker process) / requests completed; wall µs = run time / requests (1 / "
                "throughput). Server busy is CPU / wall: the servers of a run share one core, so near "
                "100% divided by the number of servers the servers, not the clients, are the bottleneck. "
                f"Cores: {settings.get('cores')}.",
                "",
            ]
        lines += [*table, ""]
    if results.share:
        frameworks = "; ".join(f"{host}: {', '.join(names)}" for host, names in FRAMEWORK_PACKAGES.items())
        lines += [
            "## Our share of a request (profiled)",
            "",
            f"Each HTTP row of the hosts above native, {settings.get('share_requests', 0):,} requests per side "
            "through the in-process driver's loop under `cProfile` (`bench/share.py`), after a warm-up. "
            "Every function's own time goes to the bucket of the file its code is in: *core* "
            "(`portable_endpoints/`), *adapter* (`portable_endpoints_<host>/`), *framework* (the host's "
            f"packages: {frameworks}) and *rest* (the standard library and asyncio, the driver, the "
            "endpoint's own body); a built-in's time goes to its callers' buckets; time the main thread "
            "spends blocked (the event loop's wait, a lock held for a thread) is left out, and so is work "
            "done in other threads (Django's `sync_to_async`), which the profiler does not see. *Ours* is "
            "core + adapter on the portable side (the native side has none). The profiler's cost per "
            "call inflates every µs here (2-3x, more where calls are many): read the split and the call "
            "counts, not the absolute times.",
            "",
            *share_table(results),
            "",
        ]
    toolkit = toolkit_table(results)
    if len(toolkit) > 2:
        lines += [
            "## Toolkit",
            "",
            "Starlette's toolkit as ported (`portable_endpoints.middleware`, `.staticfiles`, `.templating`, "
            "`.authentication`, `.sse`), served by `pe.create_app` on a host, against the implementation "
            "it ports (Starlette's, sse-starlette's) on a Starlette app on the `starlette` and `asgi` hosts, "
            "and against the host's own idiomatic equivalent on every other host (the baseline column; "
            "`bench/toolkit_native.py`): in-process, as the in-process rows (the Starlette-baseline rows: "
            f"{_pooled_rounds(settings, 'in-process')}; the other hosts' rows: {_native_toolkit_rounds(settings)}), "
            "both sides checked to answer each request with the same status, content type (none compared "
            "on a 304, which has no body), content encoding, (decompressed) body, CORS verdict (`*` or the "
            "request's origin: both let it read) and Content-Range first; other headers (order, `Date`, "
            "`Set-Cookie`...) are not compared. The middleware stack is CORS + GZip + sessions (the request "
            "carries an `Origin`, `Accept-Encoding: gzip` and a signed session cookie the endpoint reads, "
            "plus the host's own session cookie where its sessions are not Starlette's), reduced to the "
            "middleware the host has (the row's label says which; Django's GZip compresses at level 6, the "
            "portable GZip there too); the other hosts' static rows serve a JSON file (Starlette adds a "
            "charset to text types, several hosts do not) and their 304 answers `If-Modified-Since` (each "
            "host's ETag is its own); the SSE per-event row is a stream of events without pings, its time "
            "divided by its events (Falcon's events end their lines with `\\n`, the portable ones there "
            "too); the open-streams rows open "
            f"{settings.get('toolkit_streams', 0):,} streams at once, each held past its first "
            "event: CPU time per stream opened, and the Python memory each holds (`tracemalloc`, after "
            "`gc.collect()`); Falcon's and Sanic's native streams notice a client that left only when "
            "they next send, so theirs are cancelled after it leaves. What a host has no equivalent of "
            f"gets no row: {_missing_features()}. The middleware stack's requests and StaticFiles' small "
            "file are also loaded over loopback on the Starlette-baseline hosts, the small middleware "
            "request on the other hosts (uvicorn only, in the first 2 server starts), a portable and a "
            "native server at once as in the "
            f"loopback rows ({_pooled_rounds(settings, 'loopback/uvicorn')}). Target: <= 1.00 against the "
            f"baseline in-process, <= {TIME_TARGETS['loopback']:.2f} over loopback (the loopback rows' "
            "allowance).",
            "",
            *toolkit,
            "",
        ]
    if results.memory:
        lines += [
            "## Memory per open WebSocket",
            "",
            "One uvicorn server per side (pinned like the loopback servers); N/4 warm-up connections "
            "are opened and kept open (so the allocator's free memory does not hide the growth), then "
            f"{settings.get('memory_rounds')} rounds each read the server's RSS before and after opening N "
            "more idle WebSocket connections, all kept open (each has echoed one message, so the "
            "endpoint sits in its receive loop): the growth divided by N, per round. The "
            f"{settings.get('ws_idle_large', 0):,}-connection rows open that many more on top, "
            "once per side. Most of the growth is uvicorn's own per-connection state.",
            "",
            *memory_table(results),
            "",
        ]
    if results.scaling:
        lines += [
            "## Routing cost against the number of routes",
            "",
            "N routes `/r{i}/{x:int}` on each host, portable (`pe.create_app`) against the host's own idiom "
            "(for the `asgi` host: Starlette's `HTTPEndpoint`), requesting the first, middle and last route; "
            f"in-process, {settings.get('scaling_rounds')} interleaved rounds, CPU µs per request. Targets: at "
            f"{SCALING_SIZE:,} routes portable faster than native on every host; on the hosts whose matching "
            f"the adapter owns ({', '.join(SCALING_GROWTH_HOSTS)}) the cost of the last route at {SCALING_SIZE:,} "
            f"routes within {SCALING_GROWTH_TARGET}x of the cost at 10 (growth: the median over rounds of "
            "the two costs' ratio, the smallest app timed in the same round as each larger one).",
            "",
            *scaling_table(results),
            "",
        ]
    if results.startup is not None:
        lines += ["## Start-up", "", *startup_lines(results.startup), ""]
    if results.build or any(key.startswith("build ") for key in results.unavailable):
        lines += [
            "## Build",
            "",
            "What an app costs before its first request, portable against the same app written natively, "
            "in fresh interpreters (`bench/build.py`); CPU ms, the sides taking turns. *import*: "
            "`import portable_endpoints` and the adapter module `create_app` loads (which imports the "
            "framework) against the framework's own modules, timed inside a new interpreter; *cold start*: "
            "a whole new interpreter's CPU time, measured from outside, as it imports one side, builds "
            "a 10-route app, runs its lifespan startup and answers one request (both read compiled "
            "bytecode, as an installed package does: a cache of their own, filled by one untimed cold "
            "start per side first); *create_app*: "
            "`pe.create_app` with N routes `/r{i}/{id:int}` (GET and POST) against the host's app "
            "with the same native routes; *mount*: `pe.mount` of N routes onto an empty native app against "
            "registering N native routes on one; both in a child that imported both sides and built "
            f"each once first (rounds: {_build_rounds(settings)}). Target: <= {BUILD_TARGET.limit:.2f}.",
            "",
            *build_table(results),
            "",
        ]
    lines += ["## Machine and versions", ""]
    lines += [f"- {key}: {value}" for key, value in results.machine.items()]
    parts = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in results.parts.items())
    lines += [f"- run time: {results.seconds:.0f} s" + (f" ({parts})" if parts else ""), ""]
    return "\n".join(lines)


SERVER_TITLES = {"uvicorn": "uvicorn with httptools and uvloop", "granian": "granian, ASGI interface, uvloop"}
#: the plot's label of a comparison whose key is not its label (the others: the key, which is the host)
SHORT_LABELS = {
    STARLETTE_ENDPOINT: "asgi vs Starlette HTTPEndpoint",
    FLOOR: "asgi vs raw ASGI (floor)",
}
PLOT_TICKS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


def plot(results: Results, path: Path) -> None:
    """A dot-and-range chart of the ratios: one panel per mode, one row per comparison and route."""
    # Imported by name: matplotlib is a bench-only dependency, absent where mypy checks the repo.
    matplotlib: Any = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt: Any = importlib.import_module("matplotlib.pyplot")
    ticker: Any = importlib.import_module("matplotlib.ticker")
    FixedLocator, NullLocator = ticker.FixedLocator, ticker.NullLocator

    modes = [mode for mode in MODES if any(t.mode == mode and t.portable and t.native for t in results.timings)]
    if not modes:
        return
    keys = [item.key for item in COMPARISONS if any(t.key == item.key for t in results.timings)]
    labels: list[str] = []
    for key in keys:
        labels += [f"{SHORT_LABELS.get(key, key)}: {route}" for route in ROUTES]
    figure, axes_list = plt.subplots(
        1, len(modes), figsize=(3 + 4.5 * len(modes), 0.28 * len(labels) + 1.8), sharey=True, squeeze=False
    )
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:gray"]
    ratios = [t.ratio for t in results.timings if t.portable and t.native]
    spreads = [value for t in results.timings if t.portable and t.native for value in t.interval]
    low_limit = min([0.9, *spreads, *ratios]) / 1.1
    high_limit = max([1.2, *spreads, *ratios]) * 1.1
    for axes, mode in zip(axes_list[0], modes, strict=True):
        for index, key in enumerate(keys):
            for offset, route in enumerate(ROUTES):
                timing = results.timing(mode, key, route)
                if timing is None or not timing.portable or not timing.native:
                    continue
                y = index * len(ROUTES) + offset
                low, high = timing.interval
                color = colors[index % len(colors)]
                axes.plot([low, high], [y, y], color=color, linewidth=3, alpha=0.4, solid_capstyle="butt")
                axes.plot([timing.ratio], [y], "o", color=color, markersize=5)
        axes.axvline(1.0, color="black", linewidth=0.8)
        axes.axvline(TIME_TARGET, color="red", linewidth=0.8, linestyle="--")
        axes.set_xscale("log")
        axes.set_xlim(low_limit, high_limit)
        axes.xaxis.set_major_locator(FixedLocator([t for t in PLOT_TICKS if low_limit <= t <= high_limit]))
        axes.xaxis.set_minor_locator(NullLocator())
        axes.xaxis.set_major_formatter(lambda value, _: f"{value:g}")
        axes.set_title(mode)
        axes.set_xlabel("portable / native time (log; dot = median, bar = its 95% CI)", fontsize=8)
        axes.grid(axis="x", alpha=0.3)
    first = axes_list[0][0]
    first.set_yticks(range(len(labels)))
    first.set_yticklabels(labels, fontsize=7)
    first.set_ylim(len(labels) - 0.5, -0.5)
    figure.suptitle(f"portable-endpoints: portable vs native (red dashed line: target {TIME_TARGET})", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write(results: Results, directory: Path, names: Sequence[str] = ("RESULTS.md", "results.png")) -> list[Path]:
    markdown_path, plot_path = directory / names[0], directory / names[1]
    plot(results, plot_path)
    markdown_path.write_text(markdown(results, plot_name=plot_path.name if plot_path.exists() else None))
    return [markdown_path, plot_path]


def _growth(item: ScalingTiming, small: ScalingTiming) -> float:
    """Portable cost at ``item``'s size over the cost at ``small``'s: paired by round when measured so."""
    if item is small:
        return 1.0
    paired = item.growth
    return paired if paired is not None else item.portable_median / small.portable_median
