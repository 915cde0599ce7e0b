"""``python -m bench.broadcast``: fan-out on Redis, portable hub against encode/broadcaster.

One publisher (this process) publishes to one topic; two worker processes hold 250 subscribers
each (500 in all). Two phases per library, on the same Redis:

- throughput: ``--messages`` published back to back; deliveries per second, counted from the
  first publish to the last delivery in either worker (and how many arrived, how many dropped);
- latency: ``--paced`` messages at ``--rate`` per second; p50/p99 publish-to-receive latency
  over every delivery (``time.monotonic()``, one clock for every process on the machine).

Each worker reports its peak RSS. Every figure is the median of ``--rounds`` interleaved rounds.
Needs ``redis-server`` on PATH and ``broadcaster[redis]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from bench import ROOT

LIBRARIES = ("portable", "broadcaster")
TOPIC = "bench"
IDLE = 3.0  # a worker stops this long after its last message (when "stop" was lost)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- worker side -----------------------------------------------------------------------------


async def _subscriber(
    messages: Any, library: str, latencies: list[float], counts: list[int], index: int, last: list[float]
) -> None:
    async for message in messages:
        text = message if library == "portable" else message.message
        if text == "stop":
            return
        now = time.monotonic()
        latencies.append(now - float(text.partition(":")[2]))
        counts[index] += 1
        last[0] = now


def _subscription(hub: Any, library: str) -> AbstractAsyncContextManager[Any]:
    manager: AbstractAsyncContextManager[Any] = (
        hub.subscribe(TOPIC) if library == "portable" else hub.subscribe(channel=TOPIC)
    )
    return manager


async def worker(library: str, url: str, subscribers: int) -> None:
    if library == "portable":
        from portable_endpoints.broadcast import Broadcast

        hub: Any = Broadcast(url, queue_size=1000)
    else:
        from broadcaster import Broadcast as EncodeBroadcast

        hub = EncodeBroadcast(url)
        await hub.connect()
    latencies: list[float] = []
    counts = [0] * subscribers
    # The context managers are kept: broadcaster's unsubscribes when its generator is collected.
    managers = [_subscription(hub, library) for _ in range(subscribers)]
    entered = [await manager.__aenter__() for manager in managers]
    last = [0.0]
    tasks = [
        asyncio.create_task(_subscriber(messages, library, latencies, counts, i, last))
        for i, messages in enumerate(entered)
    ]
    await asyncio.sleep(0.5)  # SUBSCRIBE reaches the server before the publisher starts
    print("ready", flush=True)
    last_total, last_change = -1, time.monotonic()
    while not all(task.done() for task in tasks):
        await asyncio.sleep(0.05)
        total = sum(counts)
        if total != last_total:
            last_total, last_change = total, time.monotonic()
        elif total and time.monotonic() - last_change > IDLE:
            break  # idle only counts once messages flow: the other worker may still be starting
    finished = time.monotonic()
    for task in tasks:
        task.cancel()
    dropped = sum(getattr(messages, "dropped", 0) for messages in entered)
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"latencies": latencies, "counts": counts, "dropped": dropped, "rss_kib": rss_kib,
                      "finished": finished, "last": last[0]}), flush=True)  # fmt: skip
    os._exit(0)  # neither library needs a clean shutdown to report


# -- publisher side --------------------------------------------------------------------------


@dataclass
class Run:
    library: str
    deliveries_per_second: float
    delivered: int
    expected: int
    dropped: int
    p50_ms: float
    p99_ms: float
    peak_rss_mib: float


def _start_workers(library: str, url: str, subscribers: int) -> list[subprocess.Popen[str]]:
    command = [sys.executable, "-m", "bench.broadcast", "--worker", library, "--url", url]
    workers = [
        subprocess.Popen([*command, "--subscribers", str(subscribers)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for process in workers:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"a {library} worker did not start: {line!r}")
    return workers


def _collect(workers: list[subprocess.Popen[str]]) -> list[dict[str, Any]]:
    results = []
    for process in workers:
        out, _ = process.communicate(timeout=120)
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


async def _publisher(library: str, url: str) -> tuple[Any, Any]:
    if library == "portable":
        from portable_endpoints.broadcast import Broadcast

        hub: Any = Broadcast(url)
        await hub.publish("bench-warm-up", "connect")  # both libraries are connected before timing starts
        return hub, hub.close
    from broadcaster import Broadcast as EncodeBroadcast

    encode_hub = EncodeBroadcast(url)
    await encode_hub.connect()
    return encode_hub, encode_hub.disconnect


async def _publish(hub: Any, library: str, text: str) -> None:
    if library == "portable":
        await hub.publish(TOPIC, text)
    else:
        await hub.publish(channel=TOPIC, message=text)


async def phase(
    library: str, url: str, subscribers: int, messages: int, rate: float | None
) -> tuple[float, dict[str, Any]]:
    workers = _start_workers(library, url, subscribers)
    hub, close = await _publisher(library, url)
    started = time.monotonic()
    for number in range(messages):
        await _publish(hub, library, f"{number}:{time.monotonic()!r}")
        if rate is not None:
            await asyncio.sleep(max(0.0, started + (number + 1) / rate - time.monotonic()))
    await _publish(hub, library, "stop")
    results = _collect(workers)
    await close()
    last = max(result["last"] for result in results)
    delivered = sum(sum(result["counts"]) for result in results)
    elapsed = last - started
    merged = {
        "latencies": [value for result in results for value in result["latencies"]],
        "delivered": delivered,
        "dropped": sum(result["dropped"] for result in results),
        "rss_kib": max(result["rss_kib"] for result in results),
    }
    return delivered / elapsed, merged


async def one_round(library: str, url: str, subscribers: int, messages: int, paced: int, rate: float) -> Run:
    throughput, burst = await phase(library, url, subscribers, messages, None)
    _, paced_run = await phase(library, url, subscribers, paced, rate)
    latencies = sorted(paced_run["latencies"])
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return Run(
        library=library,
        deliveries_per_second=throughput,
        delivered=burst["delivered"],
        expected=messages * subscribers * 2,
        dropped=burst["dropped"],
        p50_ms=quantiles[49] * 1000,
        p99_ms=quantiles[98] * 1000,
        peak_rss_mib=max(burst["rss_kib"], paced_run["rss_kib"]) / 1024,
    )


def median_run(rounds: list[Run]) -> Run:
    """Each figure's median over the rounds (peak RSS: the largest)."""

    def middle(values: list[float]) -> float:
        return float(statistics.median(values))

    return Run(
        library=rounds[0].library,
        deliveries_per_second=middle([run.deliveries_per_second for run in rounds]),
        delivered=min(run.delivered for run in rounds),
        expected=rounds[0].expected,
        dropped=max(run.dropped for run in rounds),
        p50_ms=middle([run.p50_ms for run in rounds]),
        p99_ms=middle([run.p99_ms for run in rounds]),
        peak_rss_mib=max(run.peak_rss_mib for run in rounds),
    )


def table(runs: list[Run], subscribers: int, messages: int, paced: int, rate: float, rounds: int) -> str:
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("portable-endpoints", "broadcaster", "redis"))
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
    lines = [
        f"Fan-out on Redis ({redis_version}): 1 publisher, 2 processes x {subscribers} subscribers; "
        f"burst of {messages} messages; latency at {rate:g} msg/s over {paced} messages; "
        f"medians of {rounds} interleaved rounds. {versions}.",
        "",
        "| library | deliveries/s (burst) | delivered | dropped | p50 latency | p99 latency | peak RSS per worker |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        lines.append(
            f"| {run.library} | {run.deliveries_per_second:,.0f} | {run.delivered:,}/{run.expected:,} "
            f"| {run.dropped:,} | {run.p50_ms:.2f} ms | {run.p99_ms:.2f} ms | {run.peak_rss_mib:.1f} MiB |"
        )
    if len(runs) == 2 and runs[1].deliveries_per_second:
        lines += [
            "",
            f"portable/broadcaster throughput: {runs[0].deliveries_per_second / runs[1].deliveries_per_second:.2f}",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__)
    parser.add_argument("--subscribers", type=int, default=250, help="subscribers per worker process (2 workers)")
    parser.add_argument("--messages", type=int, default=500, help="messages in the throughput burst")
    parser.add_argument("--paced", type=int, default=300, help="messages in the latency phase")
    parser.add_argument("--rate", type=float, default=100.0, help="messages per second in the latency phase")
    parser.add_argument("--rounds", type=int, default=3, help="burst rounds per library (the median is reported)")
    parser.add_argument("--library", choices=LIBRARIES, action="append", help="default: both")
    parser.add_argument("--url", help="an existing Redis (default: start redis-server on a free port)")
    parser.add_argument("--worker", choices=LIBRARIES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        asyncio.run(worker(args.worker, args.url, args.subscribers))
        return 0
    server = None
    url = args.url
    if url is None:
        if shutil.which("redis-server") is None:
            print("bench.broadcast needs redis-server (apt-get install redis-server)", file=sys.stderr)
            return 2
        port = free_port()
        directory = tempfile.mkdtemp(prefix="pe-bench-redis-")
        server = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", directory],
            stdout=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    try:
        libraries = args.library or list(LIBRARIES)
        rounds: dict[str, list[Run]] = {library: [] for library in libraries}
        for _ in range(args.rounds):  # interleaved, so load from elsewhere hits both alike
            for library in libraries:
                run = asyncio.run(one_round(library, url, args.subscribers, args.messages, args.paced, args.rate))
                rounds[library].append(run)
        runs = [median_run(rounds[library]) for library in libraries]
    finally:
        if server is not None:
            server.kill()
            server.wait()
    print(table(runs, args.subscribers, args.messages, args.paced, args.rate, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
