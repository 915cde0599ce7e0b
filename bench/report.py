"""Results, their summary (medians, ratios, spreads, targets), ``RESULTS.md`` and ``results.png``."""

from __future__ import annotations

import importlib
import json
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.apps import COMPARISONS
from bench.driver import ROUTES, SLICE_WARMUP, SLICES
from bench.scaling import POSITIONS, ScalingTiming, Startup
from bench.stats import Paired, markdown_table
from bench.toolkit import TOOLKIT_COMPARISONS

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
MEMORY_TARGET = 1.00
#: per-request cost at 1,000 routes against 10 on the hosts whose routing the adapter owns
SCALING_GROWTH_TARGET = 1.3
SCALING_GROWTH_HOSTS = ("asgi", "starlette")
SCALING_SIZE = 1_000
#: the comparisons held to the target; the raw ASGI floor is a reference, not a target.
FLOOR = "asgi-vs-raw"
STARLETTE_ENDPOINT = "asgi-vs-starlette-endpoint"
COMPARISON_ORDER = {item.key: index for index, item in enumerate(COMPARISONS)}
MODES = ("in-process", *(f"loopback/{server}" for server in SERVERS))


def time_target(mode: str, key: str, route: str) -> tuple[float, bool] | None:
    """``(limit, strict)`` for a row (``strict``: the ratio must be below the limit), or None for a reference row."""
    if key == FLOOR:
        if route.startswith("GET"):
            return FLOOR_TARGET, False
        if route == FAST_JSON_ROUTE:
            return 1.0, True  # msgspec against the raw app's stdlib JSON
        return None
    if key == STARLETTE_ENDPOINT:
        return 1.0, True
    if route == FAST_JSON_ROUTE:
        return FAST_JSON_TARGET, False
    return TIME_TARGETS[mode.split("/")[0]], False


def meets(ratio: float, target: tuple[float, bool]) -> bool:
    limit, strict = target
    return ratio < limit if strict else ratio <= limit


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
    skipped: dict[str, str] = field(default_factory=dict)
    #: comparison key -> routes whose portable and native answers differ
    mismatches: dict[str, list[str]] = field(default_factory=dict)
    #: "<mode> <comparison key>" -> why that comparison could not run in that mode
    unavailable: dict[str, str] = field(default_factory=dict)
    #: wall-clock seconds of each part of the run, in order
    parts: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> Results:
        data = json.loads(text)
        data["timings"] = [Timing(**item) for item in data["timings"]]
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

    def misses(self) -> list[str]:
        """Every missed target, described."""
        missed = []
        for item in self.timings:
            if not item.measured:
                continue
            target = time_target(item.mode, item.key, item.route)
            if target is not None and not meets(item.ratio, target):
                limit, strict = target
                sign = "not <" if strict else ">"
                missed.append(f"{item.mode} {item.key} {item.route}: ratio {item.ratio:.3f} {sign} {limit}")
        for memory in self.memory:
            if memory.key != FLOOR and memory.measured and memory.ratio > MEMORY_TARGET:
                missed.append(
                    f"memory {memory.key} ({memory.connections} idle WebSockets): "
                    f"{memory.ratio:.3f}x native per WebSocket (> {MEMORY_TARGET})"
                )
        for memory in self.toolkit_memory:
            if memory.measured and memory.ratio > MEMORY_TARGET:
                missed.append(
                    f"toolkit memory {memory.key} ({memory.connections} open SSE streams): "
                    f"{memory.ratio:.3f}x native per stream (> {MEMORY_TARGET})"
                )
        for scaled in self.scaling:
            if scaled.routes == SCALING_SIZE and scaled.ratio >= 1.0:
                missed.append(
                    f"scaling {scaled.host} {scaled.routes} routes {scaled.position}: ratio {scaled.ratio:.3f} not < 1"
                )
        for host in SCALING_GROWTH_HOSTS:
            growth = self.scaling_growth(host)
            if growth is not None and growth > SCALING_GROWTH_TARGET:
                missed.append(
                    f"scaling {host}: {SCALING_SIZE} routes cost {growth:.2f}x 10 routes (> {SCALING_GROWTH_TARGET})"
                )
        for key, problems in self.mismatches.items():
            missed.extend(f"same-bytes check {key}: {problem}" for problem in problems)
        return missed


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f}"


def _verdict(mode: str, key: str, route: str, ratio: float) -> str:
    target = time_target(mode, key, route)
    if target is None:
        return "floor"
    limit, strict = target
    verdict = "ok" if meets(ratio, target) else "**MISS**"
    return f"{verdict} ({'<' if strict else '<='} {limit:.2f})"


def timing_table(results: Results, mode: str) -> list[str]:
    cpu = "CPU" if mode == "in-process" else "server CPU"
    columns = [
        ("host", "---"),
        ("baseline", "---"),
        ("route", "---"),
        (f"portable/native {cpu} time (median of rounds)", "---:"),
        ("min-max over rounds", "---:"),
        (f"portable {cpu} µs", "---:"),
        (f"native {cpu} µs", "---:"),
        ("wall-clock ratio", "---:"),
        ("wall µs p / n", "---:"),
    ]
    if mode != "in-process":
        columns.append(("server busy p / n", "---:"))
    columns.append(("target", "---"))
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
            cells.append(_verdict(mode, item.key, route, timing.ratio))
            rows.append(cells)
    return markdown_table(columns, rows)


def toolkit_table(results: Results) -> list[str]:
    """The toolkit rows (``bench.toolkit``): in-process timings, then memory per open SSE stream."""
    columns = [
        ("host", "---"),
        ("baseline", "---"),
        ("request", "---"),
        ("measured", "---"),
        ("portable/native (median of rounds)", "---:"),
        ("min-max over rounds", "---:"),
        ("portable", "---:"),
        ("native", "---:"),
        ("wall-clock ratio", "---:"),
        ("target", "---"),
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
                    _verdict(timing.mode, timing.key, timing.route, timing.ratio),
                ]
            )
        for mode, measure in measures.items():
            reason = results.unavailable.get(f"{mode} {item.key}")
            if reason is not None:
                rows.append([item.host, item.baseline, "-", measure, *["-"] * (len(columns) - 5), f"not run: {reason}"])
        for memory in results.toolkit_memory:
            if memory.key != item.key or not memory.measured:
                continue
            verdict = "ok" if memory.ratio <= MEMORY_TARGET else "**MISS**"
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
                    f"{verdict} (<= {MEMORY_TARGET:.2f})",
                ]
            )
    return markdown_table(columns, rows)


def memory_table(results: Results) -> list[str]:
    columns = [
        ("host", "---"),
        ("baseline", "---"),
        ("idle WebSockets", "---:"),
        ("portable/native (median of rounds)", "---:"),
        ("min-max over rounds", "---:"),
        ("portable KiB/conn", "---:"),
        ("native KiB/conn", "---:"),
        ("server RSS before (p / n, MiB)", "---:"),
        ("target", "---"),
    ]
    rows = []
    for memory in sorted(results.memory, key=lambda m: (COMPARISON_ORDER.get(m.key, 99), m.connections)):
        if not memory.measured:
            continue
        item = next(c for c in COMPARISONS if c.key == memory.key)
        verdict = "floor" if item.key == FLOOR else ("ok" if memory.ratio <= MEMORY_TARGET else "**MISS**")
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
                f"{verdict} (<= {MEMORY_TARGET:.2f})" if verdict != "floor" else verdict,
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
        ("min-max over rounds", "---:"),
        ("portable CPU µs", "---:"),
        ("native CPU µs", "---:"),
        ("portable cost / cost at 10 routes", "---:"),
        ("target", "---"),
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
                rows.append([host, NATIVE[host][0], f"{size:,}", "all", "-", "-", "-", "-", "-", f"not run: {reason}"])
            for position in POSITIONS:
                item = results.scaling_timing(host, size, position)
                small = results.scaling_timing(host, min(sizes), position)
                if item is None or not item.measured:
                    continue
                growth = _growth(item, small) if small is not None else float("nan")
                verdict = ""
                if size == SCALING_SIZE:
                    verdict = "ok (< 1)" if item.ratio < 1.0 else "**MISS** (< 1)"
                    if host in SCALING_GROWTH_HOSTS and position == "last":
                        ok = growth <= SCALING_GROWTH_TARGET
                        verdict += f"; growth {'ok' if ok else '**MISS**'} (<= {SCALING_GROWTH_TARGET})"
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
                        verdict,
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
        "min-max column is the spread of those per-round ratios. CPU time (of the driver process",
        "in-process, of the server process on loopback) is the primary measure because this machine",
        "may be shared with other work, which inflates wall-clock time but not CPU time; the",
        "wall-clock ratio is shown beside it.",
        "",
        f"Targets: ratio <= {TIME_TARGETS['in-process']:.2f} in-process and <= {TIME_TARGETS['loopback']:.2f}"
        f' over loopback on every host and route; the JSON echo with `json_codec="msgspec"` <= {FAST_JSON_TARGET}',
        "against the host's usual JSON; the built-in `asgi` adapter faster than Starlette's own",
        f"`HTTPEndpoint`/`WebSocketEndpoint` (ratio < 1) and within {FLOOR_TARGET:.0f}x of a hand-written raw ASGI",
        "app on the GET routes (its msgspec echo faster than the raw app's stdlib JSON); memory per",
        "WebSocket <= native. The raw ASGI app is the floor: what no framework costs.",
        "",
    ]
    if plot_name:
        lines += [f"![portable/native ratios]({plot_name})", ""]
    misses = results.misses()
    lines.append("## Targets")
    lines.append("")
    if misses:
        lines += [f"- missed: {miss}" for miss in misses]
    else:
        lines.append("- every target met")
    for host, reason in results.skipped.items():
        lines.append(f"- skipped host `{host}`: {reason}")
    lines.append("")
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
    toolkit = toolkit_table(results)
    if len(toolkit) > 2:
        lines += [
            "## Toolkit",
            "",
            "Starlette's toolkit as ported (`portable_endpoints.middleware`, `.staticfiles`, `.templating`, "
            "`.authentication`, `.sse`), served by `pe.create_app` on a host, against the implementation "
            "it ports (Starlette's, sse-starlette's) on a Starlette app: in-process, as the in-process "
            f"rows ({_pooled_rounds(settings, 'in-process')}), both sides checked to answer each request "
            "with the same status, content type, content encoding and (decompressed) body first. The "
            "middleware stack is CORS + GZip + sessions (the request carries an `Origin`, "
            "`Accept-Encoding: gzip` and a signed session cookie the endpoint reads); the SSE per-event "
            "row is a stream of events without pings, its time divided by its events; the open-streams "
            f"rows open {settings.get('toolkit_streams', 0):,} streams at once, each held past its first "
            "event: CPU time per stream opened, and the Python memory each holds (`tracemalloc`, after "
            "`gc.collect()`). The middleware stack's requests and StaticFiles' small file are also loaded over "
            "loopback, a portable and a native server at once as in the loopback rows "
            f"({_pooled_rounds(settings, 'loopback/uvicorn')}). Target: <= 1.00 against the ported "
            f"implementation in-process, <= {TIME_TARGETS['loopback']:.2f} over loopback (the loopback rows' "
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
    spreads = [value for t in results.timings if t.portable and t.native for value in t.spread]
    low_limit = min([0.9, *spreads, *ratios]) / 1.1
    high_limit = max([1.2, *spreads, *ratios]) * 1.1
    for axes, mode in zip(axes_list[0], modes, strict=True):
        for index, key in enumerate(keys):
            for offset, route in enumerate(ROUTES):
                timing = results.timing(mode, key, route)
                if timing is None or not timing.portable or not timing.native:
                    continue
                y = index * len(ROUTES) + offset
                low, high = timing.spread
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
        axes.set_xlabel("portable / native time (log; dot = median, bar = min-max of rounds)", fontsize=8)
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
