"""``python -m bench``: portable vs native on every host; ``--smoke`` for a tiny-N run that writes nothing;
``--only build`` (or any sections) for a part; ``--compare A.json B.json`` for two runs' verdicts."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from bench.apps import COMPARISONS, HOSTS, Comparison, available_hosts
from bench.driver import run_in_process
from bench.loopback import Cores, wrk_available, wrk_version
from bench.memory import run_memory
from bench.processes import run_in_processes
from bench.report import SERVERS, Results, markdown, write
from bench.stats import WITHIN_NOISE
from bench.toolkit import STARLETTE_TOOLKIT_HOSTS, TOOLKIT_PACKAGES

#: the toolkit rows against the other hosts' own equivalents: fewer worker processes and rounds than
#: the rows against Starlette's implementation (six hosts' worth of rows; the section stays bounded)
NATIVE_TOOLKIT_PROCESSES = 2
NATIVE_TOOLKIT_ROUNDS = 4
NATIVE_TOOLKIT_STREAM_ROUNDS = 3

HERE = Path(__file__).resolve().parent
#: the distributions whose versions RESULTS.md lists: the core, each host's adapter and framework, the servers
DISTRIBUTIONS = (
    "portable-endpoints",
    *(f"portable-endpoints-{host}" for host in HOSTS if host != "asgi"),
    *dict.fromkeys([*(package for item in COMPARISONS for package in item.packages), *TOOLKIT_PACKAGES]),
    "uvicorn",
    "granian",
    "httptools",
    "uvloop",
    "websockets",
)


#: the sections of a run, in the order they run
SECTIONS = ("in-process", "share", "toolkit", "scaling", "loopback", "memory", "build")


def sections(text: str) -> list[str]:
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    return chosen


def wanted_sections(args: argparse.Namespace) -> set[str]:
    """The sections this run measures: ``--only``'s, else ``--mode``'s (all: every one, memory
    unless ``--no-memory``)."""
    if args.only:
        return set(args.only)
    if args.mode != "all":
        return {args.mode}
    return {name for name in SECTIONS if not (name == "memory" and args.no_memory)}


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny counts, one round; writes no RESULTS.md")
    parser.add_argument(
        "--rounds",
        type=int,
        help="interleaved rounds per mode (default: 10 in each in-process worker, 2 per server start over "
        "loopback, 9 scaling)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        help="in-process: fresh worker processes the rounds are timed in, one after the other, pooled (default 4)",
    )
    # A worker of the in-process mode hands its results back as JSON there, and writes nothing else.
    parser.add_argument("--results-to", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--server-starts",
        type=int,
        help="loopback: times each host's servers are started anew, the rounds of all starts pooled (default 4)",
    )
    parser.add_argument("--mode", choices=("all", *SECTIONS), default="all", help="one section, or all (default)")
    parser.add_argument(
        "--only",
        type=sections,
        help=f"comma-separated sections to run, in the usual order (instead of --mode): {','.join(SECTIONS)}",
    )
    parser.add_argument(
        "--json",
        type=Path,
        dest="json_to",
        metavar="PATH",
        help="also write every round and every row's verdict and interval as JSON there (any run)",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("A_JSON", "B_JSON"),
        help="run nothing: compare two runs' verdicts (results.json or --json files); exit 1 when a row "
        "is met in one and missed in the other",
    )
    parser.add_argument(
        "--build-sizes",
        default=None,
        help="comma-separated route counts of the build section (default 10,100,1000; smoke 10)",
    )
    parser.add_argument(
        "--share-requests",
        type=int,
        help="share: profiled requests per side and route (default 2000; smoke 30)",
    )
    parser.add_argument(
        "--batch-seconds", type=float, default=0.04, help="in-process: CPU seconds per timed batch (default 0.04)"
    )
    parser.add_argument(
        "--servers",
        default=",".join(SERVERS),
        help=f"comma-separated ASGI servers for the loopback mode (default: {','.join(SERVERS)})",
    )
    parser.add_argument(
        "--scaling-sizes",
        default=None,
        help="comma-separated route counts for the scaling mode (default 10,100,1000,10000; smoke 10,20)",
    )
    parser.add_argument(
        "--hosts",
        default=",".join(HOSTS),
        help=f"comma-separated hosts to compare (default: {','.join(HOSTS)})",
    )
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "asyncio"),
        default="auto",
        help="HTTP load generator for loopback: wrk if installed (auto), else the asyncio client",
    )
    parser.add_argument("--ws-idle", type=int, help="idle WebSockets per memory round (default 1000; smoke 20)")
    parser.add_argument(
        "--ws-idle-large",
        type=int,
        help="idle WebSockets of the large memory measurement (default 10000; smoke 40; 0: none)",
    )
    parser.add_argument(
        "--ws-idle-large-hosts",
        default="starlette",
        help="comma-separated hosts measured at --ws-idle-large connections too (default: starlette)",
    )
    parser.add_argument(
        "--sse-streams", type=int, help="toolkit: SSE streams held open at once per round (default 1000; smoke 20)"
    )
    parser.add_argument(
        "--sse-stream-rounds",
        type=int,
        help="toolkit: rounds of the open-streams rows (default: --rounds; the other hosts' workers: "
        f"{NATIVE_TOOLKIT_STREAM_ROUNDS})",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the memory test (in --mode all)")
    parser.add_argument(
        "--hash-seed",
        default="0",
        help="PYTHONHASHSEED of the bench and its servers (default 0; 'random': a new one per process)",
    )
    parser.add_argument("--output", type=Path, default=HERE, help="where RESULTS.md and results.png go")
    parser.add_argument(
        "--write",
        action="store_true",
        help="write RESULTS.md even for a partial run (by default only a full run, all hosts, rewrites it)",
    )
    return parser


def machine_info(cores: Cores) -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    versions = []
    for name in DISTRIBUTIONS:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    import uvicorn.config

    http = uvicorn.config.HTTP_PROTOCOLS["auto"]
    try:
        from uvicorn.protocols.http.auto import AutoHTTPProtocol

        http = AutoHTTPProtocol.__name__
    except ImportError:
        pass
    try:
        from uvicorn.protocols.websockets.auto import AutoWebSocketsProtocol

        ws = getattr(AutoWebSocketsProtocol, "__name__", "none")
    except ImportError:
        ws = "unknown"
    loop = "uvloop" if _installed("uvloop") else "asyncio"
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": f"{platform.machine()}, {cpu}, {os.cpu_count()} CPUs, {memory} RAM",
        "OS": f"{platform.system()} {platform.release()} ({platform.platform()})",
        "Python": f"{platform.python_implementation()} {platform.python_version()}, "
        f"PYTHONHASHSEED={os.environ.get('PYTHONHASHSEED', 'random')} (the bench's and its servers')",
        "packages": ", ".join(versions),
        "uvicorn": f"http={http}, ws={ws}, loop={loop} (the in-process driver runs on asyncio's default loop)",
        "granian": _version("granian") or "not installed",
        "load": f"wrk: {wrk_version() or 'not installed'}; cores: {cores.describe()}",
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def select(hosts_arg: str, log: bool = True) -> tuple[list[Comparison], dict[str, str]]:
    wanted = [host.strip() for host in hosts_arg.split(",") if host.strip()]
    unknown = set(wanted) - set(HOSTS)
    if unknown:
        sys.exit(f"unknown host(s) {', '.join(sorted(unknown))}; choose from {', '.join(HOSTS)}")
    status = available_hosts()
    skipped = {host: reason for host, reason in status.items() if host in wanted and reason is not None}
    for host, reason in skipped.items():
        print(f"note: skipping host {host!r}: {reason}")
    chosen = [item for item in COMPARISONS if item.host in wanted and item.host not in skipped]
    return chosen, skipped


class Parts:
    """Wall-clock seconds of each part of the run (printed, and kept in the results)."""

    def __init__(self, results: Results) -> None:
        self.results = results

    @contextlib.contextmanager
    def part(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield None
        finally:
            seconds = time.perf_counter() - started
            self.results.parts[name] = self.results.parts.get(name, 0.0) + seconds
            print(f"[{name}: {seconds:.1f} s]")


async def run(args: argparse.Namespace) -> Results:
    started = time.perf_counter()
    comparisons, skipped = select(args.hosts)
    cores = Cores.detect()
    smoke = args.smoke
    client = args.client
    if client == "auto":
        client = "wrk" if wrk_available() else "asyncio"
    elif client == "wrk" and not wrk_available():
        print("note: wrk is not installed; falling back to the asyncio HTTP client")
        client = "asyncio"
    servers = [server.strip() for server in args.servers.split(",") if server.strip()]
    unknown = set(servers) - set(SERVERS)
    if unknown:
        sys.exit(f"unknown server(s) {', '.join(sorted(unknown))}; choose from {', '.join(SERVERS)}")
    in_rounds = args.rounds or (1 if smoke else 10)
    # A worker (--results-to) times its rounds itself; the smoke run uses two workers too.
    in_processes = 1 if args.results_to else (args.processes or (2 if smoke else 4))
    # The smoke run starts its servers twice too (one round each), keeping the pooling path alive.
    loop_rounds = args.rounds or (1 if smoke else 2)
    loop_starts = args.server_starts or (2 if smoke else 4)
    memory_rounds = 2 if smoke else 3
    large_hosts = [host.strip() for host in args.ws_idle_large_hosts.split(",") if host.strip()]
    settings = {
        "smoke": smoke,
        "in_process_processes": in_processes,
        "in_process_rounds": in_rounds,
        "in_process_batch_seconds": args.batch_seconds,
        "loopback_starts": loop_starts,
        "loopback_rounds": loop_rounds,
        "loopback_seconds": 0.1 if smoke else 0.5,
        "loopback_min_requests": 0 if smoke else 1500,
        "loopback_max_seconds": 0.1 if smoke else 2.0,
        "loopback_warmup_seconds": 0.05 if smoke else 0.2,
        "servers": servers,
        "http_client": "`wrk` (1 thread)" if client == "wrk" else "the bench's asyncio HTTP/1.1 client",
        "http_connections": 16,
        "ws_connections": 8,
        "ws_window": 4,
        "memory_rounds": memory_rounds,
        "ws_idle": args.ws_idle or (20 if smoke else 1000),
        "ws_idle_large": args.ws_idle_large if args.ws_idle_large is not None else (40 if smoke else 10_000),
        "ws_idle_large_hosts": large_hosts,
        "cores": cores.describe(),
        "in_process_core": cores.server,
        "toolkit_streams": args.sse_streams or (20 if smoke else 1000),
        "toolkit_native_processes": min(in_processes, NATIVE_TOOLKIT_PROCESSES),
        "toolkit_native_rounds": min(in_rounds, NATIVE_TOOLKIT_ROUNDS),
        "toolkit_native_stream_rounds": min(in_rounds, NATIVE_TOOLKIT_STREAM_ROUNDS),
    }
    results = Results(settings=settings, skipped=skipped)
    results.machine = machine_info(cores)
    parts = Parts(results)
    chosen = wanted_sections(args)
    print(f"hosts: {', '.join(sorted({c.host for c in comparisons})) or 'none'}; sections {', '.join(sorted(chosen))}")
    if "in-process" in chosen:
        print(f"in-process (pinned to CPU {cores.server}):" if cores.server is not None else "in-process:")
        with parts.part("in-process"):
            if in_processes > 1:
                await run_in_processes(
                    sorted({item.host for item in comparisons}),
                    results,
                    processes=in_processes,
                    rounds=in_rounds,
                    batch_seconds=args.batch_seconds,
                    hash_seed=args.hash_seed,
                    smoke=smoke,
                )
            else:
                await run_in_process(
                    comparisons,
                    results,
                    rounds=in_rounds,
                    batch_seconds=args.batch_seconds,
                    fixed_batch=30 if smoke else None,
                    core=cores.server,
                )
    if "share" in chosen and not args.results_to:
        from bench.share import SHARE_HOSTS, run_share

        shared = [item for item in comparisons if item.host in SHARE_HOSTS]
        if smoke:  # one comparison keeps the path alive
            shared = shared[:1]
        settings["share_requests"] = args.share_requests or (30 if smoke else 2000)
        print(f"share (profiled, {settings['share_requests']:,} requests per side and route):")
        with parts.part("share"):
            await run_share(shared, results.share, requests=settings["share_requests"], warmup=10 if smoke else 200)
    if "toolkit" in chosen:
        from bench.toolkit import run_toolkit, select_toolkit

        toolkit = select_toolkit(sorted({item.host for item in comparisons}), results.unavailable)
        print(f"toolkit (in-process, {len(toolkit)} comparisons):")
        with parts.part("toolkit"):
            # The smoke run times the toolkit in this process: the in-process rows keep the worker path alive.
            if in_processes > 1 and not smoke:
                toolkit_hosts = sorted({item.host for item in toolkit})
                starlette_hosts = [host for host in toolkit_hosts if host in STARLETTE_TOOLKIT_HOSTS]
                native_hosts = [host for host in toolkit_hosts if host not in STARLETTE_TOOLKIT_HOSTS]
                streams = ["--sse-streams", str(settings["toolkit_streams"])]
                if starlette_hosts:
                    await run_in_processes(
                        starlette_hosts,
                        results,
                        processes=in_processes,
                        rounds=in_rounds,
                        batch_seconds=args.batch_seconds,
                        hash_seed=args.hash_seed,
                        mode="toolkit",
                        extra=streams,
                    )
                if native_hosts:
                    await run_in_processes(
                        native_hosts,
                        results,
                        processes=settings["toolkit_native_processes"],
                        rounds=settings["toolkit_native_rounds"],
                        batch_seconds=args.batch_seconds,
                        hash_seed=args.hash_seed,
                        mode="toolkit",
                        extra=[*streams, "--sse-stream-rounds", str(settings["toolkit_native_stream_rounds"])],
                    )
            else:
                await run_toolkit(
                    toolkit,
                    results,
                    rounds=in_rounds,
                    stream_rounds=args.sse_stream_rounds,
                    batch_seconds=args.batch_seconds,
                    streams=settings["toolkit_streams"],
                    fixed_batch=5 if smoke else None,
                    core=cores.server,
                )
        if not args.results_to:  # a worker times the in-process rows only
            from bench.toolkit import run_toolkit_loopback

            # The smoke run keeps the path alive on one comparison, one server, one start.
            loaded = [item for item in toolkit if item.loopback_requests][: 1 if smoke else None]
            print(f"toolkit over loopback ({settings['http_client']}; {cores.describe()}):")
            with parts.part("toolkit loopback"):
                await run_toolkit_loopback(
                    loaded,
                    results,
                    servers=servers[:1] if smoke else servers,
                    rounds=loop_rounds,
                    starts=1 if smoke else loop_starts,
                    seconds=settings["loopback_seconds"],
                    warmup_seconds=settings["loopback_warmup_seconds"],
                    client=client,
                    connections=4 if smoke else settings["http_connections"],
                )
    if "scaling" in chosen:
        from bench.scaling import NATIVE, SIZES, Startup, run_scaling, time_startup

        sizes = (
            tuple(int(size) for size in args.scaling_sizes.split(","))
            if args.scaling_sizes
            else ((10, 20) if smoke else SIZES)
        )
        # Django's URLconf is process-wide settings: no per-size native app to compare with here.
        scaling_hosts = [host for host in HOSTS if host in NATIVE and host in {item.host for item in comparisons}]
        settings["scaling_rounds"] = 2 if smoke else (args.rounds or 9)
        settings["scaling_batch_seconds"] = 0.002 if smoke else 0.02
        print(f"scaling ({', '.join(map(str, sizes))} routes):")
        results.startup = Startup()
        with parts.part("scaling"):
            await run_scaling(
                scaling_hosts,
                results.scaling,
                sizes=sizes,
                rounds=settings["scaling_rounds"],
                batch_seconds=settings["scaling_batch_seconds"],
                core=cores.server,
                startup=results.startup,
                unavailable=results.unavailable,
            )
        with parts.part("start-up"):
            time_startup(scaling_hosts, results.startup, routes=20 if smoke else 1_000, rounds=1 if smoke else 3)
    if "loopback" in chosen:
        from bench.loopback import run_loopback

        # The smoke run keeps every loopback path alive (both servers, wrk, the asyncio client, the
        # WebSocket client) on one host: server starts dominate it.
        measured = [item for item in comparisons if item.host == comparisons[0].host] if smoke else comparisons
        print(f"loopback ({settings['http_client']}; {cores.describe()}):")
        with parts.part("loopback"):
            await run_loopback(
                measured,
                results,
                servers=servers,
                rounds=loop_rounds,
                starts=loop_starts,
                seconds=settings["loopback_seconds"],
                warmup_seconds=settings["loopback_warmup_seconds"],
                min_requests=settings["loopback_min_requests"],
                max_seconds=settings["loopback_max_seconds"],
                client=client,
                http_connections=4 if smoke else settings["http_connections"],
                ws_connections=2 if smoke else settings["ws_connections"],
                ws_window=settings["ws_window"],
                # The smoke run warms up with the other HTTP client, so both stay alive.
                warmup_client=("asyncio" if client == "wrk" else "wrk" if wrk_available() else None) if smoke else None,
            )
    if "memory" in chosen:
        print("memory:")
        measured = [item for item in comparisons if item.host == comparisons[0].host] if smoke else comparisons
        with parts.part("memory"):
            await run_memory(
                measured,
                results,
                connections=settings["ws_idle"],
                rounds=memory_rounds,
                large=settings["ws_idle_large"],
                large_hosts=[measured[0].host] if smoke and measured else large_hosts,
            )
    if "build" in chosen:
        from bench.build import SIZES as BUILD_SIZES
        from bench.build import BuildPlan, run_build

        build_hosts = sorted({item.host for item in comparisons})
        if smoke:  # the smallest apps of two hosts, once: every code path, a few seconds
            build_hosts = [host for host in ("starlette", "asgi") if host in build_hosts] or build_hosts[:2]
        build_sizes = (
            tuple(int(size) for size in args.build_sizes.split(","))
            if args.build_sizes
            else ((10,) if smoke else BUILD_SIZES)
        )
        plan = BuildPlan(hosts=build_hosts, sizes=build_sizes, core=cores.server)
        if smoke:
            plan = BuildPlan(
                hosts=build_hosts,
                sizes=build_sizes,
                rounds=dict.fromkeys(build_sizes, 1),
                host_rounds={},
                import_rounds=1,
                cold_rounds=1,
                core=cores.server,
            )
        elif args.rounds:
            plan = BuildPlan(
                hosts=build_hosts,
                sizes=build_sizes,
                rounds=dict.fromkeys(build_sizes, args.rounds),
                host_rounds={},
                import_rounds=args.rounds,
                cold_rounds=args.rounds,
                core=cores.server,
            )
        settings["build_rounds"] = {str(size): plan.rounds_at(size) for size in build_sizes}
        settings["build_host_rounds"] = {
            host: {str(size): count for size, count in sizes.items() if size in build_sizes}
            for host, sizes in plan.host_rounds.items()
            if host in build_hosts
        }
        settings["build_import_rounds"] = plan.import_rounds
        settings["build_cold_rounds"] = plan.cold_rounds
        print(f"build ({', '.join(build_hosts)}; {', '.join(f'{size:,}' for size in build_sizes)} routes):")
        with parts.part("build"):
            run_build(plan, results.build, unavailable=results.unavailable)
    results.seconds = time.perf_counter() - started
    return results


def fix_hash_seed(seed: str) -> None:
    """Run under ``PYTHONHASHSEED=seed``, re-executing this process if it was started with another.

    Hash randomisation changes every dict's and set's layout from one process to the next, and with
    it each side's speed: it alone moved in-process rows by up to 7% between two otherwise equal
    runs. One seed for the bench and every server it starts makes two runs comparable.
    """
    if os.environ.get("PYTHONHASHSEED") == seed:
        return
    os.environ["PYTHONHASHSEED"] = seed
    os.execv(sys.executable, [sys.executable, "-m", "bench", *sys.argv[1:]])


def compare(first: Path, second: Path) -> int:
    """Print the rows whose verdicts two runs disagree on (met in one, missed in the other; a row
    within noise in either agrees with both), and the rows only one run has; 1 on a disagreement."""
    runs = [_read_run(path) for path in (first, second)]
    verdicts = [{item.row: item for item in run.verdicts()} for run in runs]
    both = [row for row in verdicts[0] if row in verdicts[1]]
    disagree = []
    for row in both:
        mine, theirs = verdicts[0][row], verdicts[1][row]
        if WITHIN_NOISE not in (mine.verdict, theirs.verdict) and mine.verdict != theirs.verdict:
            disagree.append((mine, theirs))
    noisy = sum(1 for row in both if WITHIN_NOISE in (verdicts[0][row].verdict, verdicts[1][row].verdict))
    print(f"A: {first}\nB: {second}")
    print(
        f"{len(both)} rows in both runs: {len(both) - noisy - len(disagree)} with the same verdict, "
        f"{noisy} within noise in one run or both, {len(disagree)} met in one run and missed in the other"
    )
    for mine, theirs in disagree:
        print(
            f"  disagree: {mine.row}: A {mine.verdict} ({_ci(mine.interval)}), "
            f"B {theirs.verdict} ({_ci(theirs.interval)})"
        )
    for label, index in (("A", 0), ("B", 1)):
        alone = [row for row in verdicts[index] if row not in verdicts[1 - index]]
        if alone:
            print(f"  only in {label}: {len(alone)} rows ({', '.join(alone[:5])}{', ...' if len(alone) > 5 else ''})")
    return 1 if disagree else 0


def _read_run(path: Path) -> Results:
    try:
        return Results.from_json(path.read_text())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SystemExit(f"--compare: {path} is not the JSON of a bench run ({type(exc).__name__}: {exc})") from None


def _ci(interval: tuple[float, float]) -> str:
    low, high = interval
    return f"95% CI {low:.3f}-{high:.3f}"


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if argv is None:
        fix_hash_seed(args.hash_seed)
    results = asyncio.run(run(args))
    if args.results_to:
        args.results_to.write_text(results.to_json())
        return 1 if results.mismatches else 0
    if args.json_to:
        args.json_to.write_text(results.to_json())
        print(f"wrote {args.json_to}")
    full = (
        not args.smoke
        and args.mode == "all"
        and not args.only
        and not args.no_memory
        and not results.skipped
        and set(args.hosts.split(",")) >= set(HOSTS)
        and set(args.servers.split(",")) >= set(SERVERS)
    )
    if args.smoke:
        with tempfile.TemporaryDirectory() as directory:
            paths = write(results, Path(directory))  # renders the report and the plot, then discards them
            print(f"smoke run: report and plot rendered ({', '.join(p.name for p in paths)}), not kept")
            print(markdown(results, plot_name=None))
    elif full or args.write:
        args.output.mkdir(parents=True, exist_ok=True)
        paths = write(results, args.output)
        (args.output / "results.json").write_text(results.to_json())
        print("wrote " + ", ".join(str(path) for path in paths))
    else:
        print(markdown(results, plot_name=None))
        print("partial run: RESULTS.md not rewritten (pass --write to write it anyway)")
    misses, noisy = results.misses(), results.within_noise()
    if args.smoke:
        print(f"done in {results.seconds:.0f} s (smoke: tiny counts, the ratios above mean nothing)")
    else:
        print(f"done in {results.seconds:.0f} s; {len(misses)} target(s) missed, {len(noisy)} within noise")
        for miss in misses:
            print(f"  missed: {miss}")
        for row in noisy:
            print(f"  within noise: {row}")
    for key, problems in results.mismatches.items():
        print(f"error: {key}: portable and native answers differ: {problems}")
    # Only a broken harness fails the run: answers that differ between portable and native.
    return 1 if results.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
