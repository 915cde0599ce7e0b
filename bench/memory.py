"""Memory per open WebSocket: the server process's RSS growth per idle connection.

For each side and round a fresh uvicorn server (pinned like the loopback servers) is warmed up
with N/4 connections that stay open (code paths loaded, and the free memory the allocator already
holds used up, so it does not hide the growth), its RSS read from ``/proc``, then N more
connections are opened and each echoes one message (so the endpoint sits in its receive loop),
the server is left to settle, and its RSS read again. Everything is closed and the server stopped
afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bench.apps import WS_MESSAGE, Comparison
from bench.driver import VARIANTS
from bench.loopback import Cores, client_affinity, serving

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

    from bench.report import Results

SETTLE_SECONDS = 0.5


async def open_idle(port: int, count: int, *, concurrency: int = 50) -> list[ClientConnection]:
    """``count`` WebSocket connections that have each echoed one message, opened ``concurrency`` at a time."""
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(concurrency)

    async def one() -> ClientConnection:
        async with gate:
            ws = await connect(
                f"ws://127.0.0.1:{port}/ws", compression=None, ping_interval=None, proxy=None, open_timeout=30
            )
            await ws.send(WS_MESSAGE)
            if await asyncio.wait_for(ws.recv(), 30) != WS_MESSAGE:
                raise RuntimeError("bad echo")
            return ws

    results = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    sockets = [item for item in results if not isinstance(item, BaseException)]
    errors = [item for item in results if isinstance(item, BaseException)]
    if errors:
        await close_all(sockets)
        raise RuntimeError(f"{len(errors)} of {count} WebSocket connections failed: {errors[0]!r}")
    return sockets


async def close_all(sockets: Sequence[ClientConnection]) -> None:
    gate = asyncio.Semaphore(100)

    async def one(ws: ClientConnection) -> None:
        async with gate:
            with contextlib.suppress(Exception):
                await ws.close()

    await asyncio.gather(*(one(ws) for ws in sockets))


async def run_memory(
    comparisons: Sequence[Comparison],
    results: Results,
    *,
    connections: int,
    rounds: int,
    log: Callable[[str], None] = print,
) -> None:
    from bench.report import Memory

    cores = Cores.detect()
    with client_affinity(cores):
        for item in comparisons:
            memory = Memory(item.key, connections)
            results.memory.append(memory)
            for index in range(rounds):
                for variant in VARIANTS if index % 2 == 0 else VARIANTS[::-1]:
                    async with serving(item.key, [variant], cores) as servers:
                        server = servers[variant]
                        # Warm-up connections stay open: they use up the free memory the
                        # allocator already holds, so the N measured ones grow the RSS.
                        held = await open_idle(server.port, max(10, connections // 4))
                        sockets: list[ClientConnection] = []
                        try:
                            await asyncio.sleep(SETTLE_SECONDS)
                            before = server.rss_kib()
                            sockets = await open_idle(server.port, connections)
                            await asyncio.sleep(SETTLE_SECONDS)
                            after = server.rss_kib()
                        finally:
                            await close_all([*held, *sockets])
                    getattr(memory, variant).append((after - before) / connections)
                    getattr(memory, f"{variant}_base").append(before)
            log(
                f"  memory     {item.key:28} {connections} idle WebSockets: ratio {memory.ratio:6.3f}  "
                f"({sorted(memory.portable)[len(memory.portable) // 2]:.1f} vs "
                f"{sorted(memory.native)[len(memory.native) // 2]:.1f} KiB/conn)"
            )
