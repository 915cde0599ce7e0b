"""Memory per open WebSocket: the server process's RSS growth per idle connection.

The servers of one host (its portable app and each native baseline, under uvicorn, pinned like the
loopback servers) start together. Each is warmed up with N/4 connections that stay open (code
paths loaded, and the free memory the allocator already holds used up, so it does not hide the
growth); then each round reads its RSS from ``/proc``, opens N more connections, each of which
echoes one message (so the endpoint sits in its receive loop), and reads the RSS again; every
connection stays open until the host is done. With ``large`` set, each server then takes that many
more on top, once (the 10,000-idle-connections figure). The clients are the cheap sans-I/O
WebSocket clients of the loopback mode, so 10,000 of them fit in the load generator's core.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bench.apps import Comparison
from bench.loopback import Cores, EchoSocket, Server, client_affinity, host_groups, serving

if TYPE_CHECKING:
    from bench.report import Memory, Results


def raise_open_files(wanted: int) -> int:
    """Raise this process's soft RLIMIT_NOFILE towards ``wanted`` (up to the hard limit); the servers
    it starts inherit it. Returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


async def open_idle(port: int, count: int, *, concurrency: int = 64) -> list[EchoSocket]:
    """``count`` WebSocket connections that have each echoed one message, opened ``concurrency`` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> EchoSocket:
        async with gate:
            ws = await asyncio.wait_for(EchoSocket.open(port), 60)
            await asyncio.wait_for(ws.echo(1), 30)
            return ws

    results = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    sockets = [item for item in results if not isinstance(item, BaseException)]
    errors = [item for item in results if isinstance(item, BaseException)]
    if errors:
        await close_all(sockets)
        raise RuntimeError(f"{len(errors)} of {count} WebSocket connections failed: {errors[0]!r}")
    return sockets


async def close_all(sockets: Sequence[EchoSocket]) -> None:
    """Drop the connections: a TCP close on each (the servers see a disconnect), no closing handshake."""
    for ws in sockets:
        with contextlib.suppress(Exception):
            ws.writer.close()
    await asyncio.sleep(0)


async def grow(server: Server, count: int, held: list[EchoSocket]) -> tuple[float, int]:
    """Open ``count`` more idle connections (kept in ``held``): (KiB of RSS per connection, RSS before)."""
    before = server.rss_kib()
    held += await open_idle(server.port, count)
    return (server.rss_kib() - before) / count, before


async def run_memory(
    comparisons: Sequence[Comparison],
    results: Results,
    *,
    connections: int,
    rounds: int,
    large: int = 0,
    large_hosts: Sequence[str] = (),
    log: Callable[[str], None] = print,
) -> None:
    from bench.report import Memory

    cores = Cores.detect()
    with client_affinity(cores):
        for host, items in host_groups(comparisons).items():
            big = large if host in large_hosts else 0
            # Every connection of one server is held open at once (plus a few for the interpreter).
            raise_open_files(max(connections // 4, 10) + rounds * connections + big + 256)
            apps = [(items[0].key, "portable"), *((item.key, "native") for item in items)]
            small = {item.key: Memory(item.key, connections) for item in items}
            huge = {item.key: Memory(item.key, big) for item in items} if big else {}
            async with serving("uvicorn", apps, cores) as servers:
                for label in servers:
                    key, variant = label
                    server = servers[label]
                    targets = items if variant == "portable" else [c for c in items if c.key == key]
                    held: list[EchoSocket] = []
                    try:
                        held += await open_idle(server.port, max(10, connections // 4))
                        for _ in range(rounds):
                            per_connection, before = await grow(server, connections, held)
                            _record(small, targets, variant, per_connection, before)
                        if big:
                            per_connection, before = await grow(server, big, held)
                            _record(huge, targets, variant, per_connection, before)
                    finally:
                        await close_all(held)
            for memory in [*small.values(), *huge.values()]:
                results.memory.append(memory)
                low, high = memory.spread
                log(
                    f"  memory     {memory.key:28} {memory.connections:6} idle WebSockets: ratio {memory.ratio:6.3f} "
                    f"({low:.3f}-{high:.3f}) ({memory.portable_median:.1f} vs {memory.native_median:.1f} KiB/conn)"
                )


def _record(
    memories: dict[str, Memory], targets: Sequence[Comparison], variant: str, per_connection: float, before: int
) -> None:
    for item in targets:
        memory = memories[item.key]
        getattr(memory, variant).append(per_connection)
        getattr(memory, f"{variant}_base").append(before)
