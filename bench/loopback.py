"""Over loopback: each app under uvicorn and under granian in a subprocess on 127.0.0.1, loaded by a
bounded client.

The server is pinned to one core and the load generator (``wrk`` when installed, else a small
asyncio HTTP/1.1 keep-alive client; a ``websockets`` client for WebSocket echo) to the other, when
the machine has two cores and ``taskset``. The servers of one host (its portable app and every
native baseline) start together and serve every round, and each run loads them all at once, sharing
the server core, so that the machine's speed at the time is the same for both sides; every run is
bounded by a duration (``wrk`` is interrupted with SIGINT after it, so runs can be shorter than its
one-second granularity), and every server is stopped (SIGTERM, then SIGKILL) by the process that started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

from bench import ROOT, child_env
from bench.apps import WS_MESSAGE, Comparison
from bench.driver import HTTP_CASES, ROUTES, HTTPCase

if TYPE_CHECKING:
    from websockets.client import ClientProtocol

    from bench.report import Results, Timing

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True)
class Cores:
    """Where the server and the load generator run (None: unpinned)."""

    server: int | None
    client: int | None

    @classmethod
    def detect(cls) -> Cores:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) >= 2 and shutil.which("taskset"):
            return cls(server=cores[-1], client=cores[0])
        return cls(server=None, client=None)

    def describe(self) -> str:
        if self.server is None:
            return "not pinned (needs 2 cores and taskset)"
        return f"server on CPU {self.server}, load generator on CPU {self.client} (taskset)"


@contextlib.contextmanager
def client_affinity(cores: Cores) -> Iterator[None]:
    """Pin this process (the asyncio clients) to the client core for the duration."""
    before = os.sched_getaffinity(0)
    if cores.client is not None:
        os.sched_setaffinity(0, {cores.client})
    try:
        yield None
    finally:
        os.sched_setaffinity(0, before)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_available(kind: str) -> str | None:
    """None when the ``kind`` server can run here, else why not."""
    module = {"uvicorn": "uvicorn", "granian": "granian"}[kind]
    try:
        importlib.import_module(module)
    except ImportError as exc:
        return f"{kind} is not installed ({exc})"
    return None


class ServerFailed(RuntimeError):
    """A server exited, or did not answer, before it was ready (its log is in the message)."""


class Server:
    """One ``python -m bench.server`` subprocess serving a comparison's portable or native app."""

    def __init__(self, kind: str, key: str, variant: str, cores: Cores) -> None:
        self.kind = kind
        self.key = key
        self.variant = variant
        pass_fds: list[int] = []
        listener = None
        if kind == "uvicorn":
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", 0))
            listener.listen(4096)
            self.port: int = listener.getsockname()[1]
            address = listener.fileno()
            pass_fds.append(address)
        else:
            # granian binds the port itself (a short race with other programs, on a fresh free port).
            self.port = address = free_port()
        command = [sys.executable, "-m", "bench.server", kind, key, variant, str(address)]
        if cores.server is not None:
            command = ["taskset", "-c", str(cores.server), *command]
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server)
        self.process = subprocess.Popen(
            command,
            pass_fds=pass_fds,
            cwd=ROOT,
            env=child_env(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        if listener is not None:
            listener.close()

    @property
    def name(self) -> str:
        return f"{self.kind} {self.key}/{self.variant}"

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    async def ready(self, timeout: float = 60.0) -> None:
        """Wait until the app answers ``GET /plain`` with 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"server {self.name} exited with {self.process.returncode}:\n{self.log()}")
            try:
                result = await asyncio.wait_for(http_load(self.port, HTTP_CASES[0], max_requests=1), 5)
            except (OSError, asyncio.TimeoutError, RuntimeError, asyncio.IncompleteReadError):
                await asyncio.sleep(0.02)
                continue
            if result.count == 1:
                return
        raise ServerFailed(f"server {self.name} not ready after {timeout}s:\n{self.log()}")

    def pids(self) -> list[int]:
        """The server process and its descendants (granian serves from a worker process)."""
        found, queue = [], [self.process.pid]
        while queue:
            pid = queue.pop()
            found.append(pid)
            with contextlib.suppress(OSError):
                for task in Path(f"/proc/{pid}/task").iterdir():
                    with contextlib.suppress(OSError):
                        queue += [int(child) for child in (task / "children").read_text().split()]
        return found

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far, over its processes and their threads: the
        scheduler's ns-precise sum (``/proc/PID/task/*/sched``) when the kernel exposes it, else
        user + system time in clock ticks."""
        total = 0.0
        for pid in self.pids():
            found = False
            with contextlib.suppress(OSError):
                for task in Path(f"/proc/{pid}/task").iterdir():
                    with contextlib.suppress(OSError):
                        for line in (task / "sched").read_text().splitlines():
                            if line.startswith("se.sum_exec_runtime"):
                                total += float(line.split(":")[1]) / 1000
                                found = True
            if not found:
                with contextlib.suppress(OSError):
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        return total

    def rss_kib(self) -> int:
        """Resident memory of the server's processes (KiB)."""
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()


@contextlib.asynccontextmanager
async def serving(
    kind: str, apps: Sequence[tuple[str, str]], cores: Cores
) -> AsyncIterator[dict[tuple[str, str], Server]]:
    """Start one server per ``(key, variant)`` (concurrently), wait until all answer, stop them all on exit."""
    servers: dict[tuple[str, str], Server] = {}
    try:
        for key, variant in apps:
            servers[key, variant] = Server(kind, key, variant, cores)
        await asyncio.gather(*(server.ready() for server in servers.values()))
        yield servers
    finally:
        for server in servers.values():
            server.stop()


@dataclass
class Load:
    """What one bounded load run achieved."""

    count: int  #: requests (or echoed messages) completed
    seconds: float  #: wall time of the run
    server_cpu: float = 0.0  #: server CPU seconds used during the run
    client: str = "asyncio"

    @property
    def per_request(self) -> float:
        return self.seconds / self.count if self.count else float("inf")


@dataclass(frozen=True)
class Clients:
    """How each server is loaded in a run: the same for every server, both sides."""

    client: str  #: ``"wrk"`` or ``"asyncio"`` (HTTP); WebSocket echo always uses ``ws_load``
    cores: Cores
    http_connections: int
    ws_connections: int
    ws_window: int
    max_requests: int


def _request_bytes(port: int, case: HTTPCase) -> bytes:
    lines = [f"{case.method} {case.path} HTTP/1.1", f"host: 127.0.0.1:{port}", "user-agent: bench", "accept: */*"]
    lines += [f"{key.decode()}: {value.decode()}" for key, value in case.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + case.body


_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
#: Sanic under an ASGI server sends no Content-Length: the server chunks the body.
_CHUNKED = re.compile(rb"\r\ntransfer-encoding:\s*chunked", re.IGNORECASE)


async def _read_chunked(reader: asyncio.StreamReader) -> None:
    """Read a chunked body to its end (the last, empty chunk and the empty trailer)."""
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass
            return
        await reader.readexactly(size + 2)


async def http_load(
    port: int, case: HTTPCase, *, duration: float = 60.0, max_requests: int = 1_000_000, connections: int = 1
) -> Load:
    """Keep-alive HTTP/1.1 requests on ``connections`` sockets until ``duration`` or ``max_requests``."""
    request = _request_bytes(port, case)
    remaining = max_requests
    start = time.perf_counter()
    deadline = start + duration

    async def worker() -> int:
        nonlocal remaining
        done = 0
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(f"{case.route}: {head.splitlines()[0]!r}")
                length = _CONTENT_LENGTH.search(head)
                if length is not None:
                    await reader.readexactly(int(length.group(1)))
                elif _CHUNKED.search(head) is not None:
                    await _read_chunked(reader)
                else:
                    raise RuntimeError(f"{case.route}: neither content-length nor chunked in {head!r}")
                done += 1
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        return done

    counts = await asyncio.gather(*(worker() for _ in range(connections)))
    return Load(sum(counts), time.perf_counter() - start)


_WRK_TOTAL = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)")
_WRK_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk_version() -> str | None:
    if not wrk_available():
        return None
    result = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False, timeout=10)
    return (result.stdout or result.stderr).splitlines()[0].strip() or "wrk"


async def wrk_load(port: int, case: HTTPCase, *, seconds: float, connections: int, cores: Cores) -> Load:
    """One ``wrk`` run (one thread, ``connections`` keep-alive connections), interrupted after ``seconds``
    (wrk's own ``-d`` counts whole seconds; on SIGINT it stops and reports what it measured)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{case.method}"\n')
        if case.body:
            script.write(f"wrk.body = [[{case.body.decode()}]]\n")
        for key, value in case.headers:
            if key.lower() != b"content-length":
                script.write(f'wrk.headers["{key.decode()}"] = "{value.decode()}"\n')
    bound = int(seconds) + 30
    command = ["wrk", "-t1", f"-c{connections}", f"-d{bound}s", "--timeout", "5s", "-s", script.name]
    command.append(f"http://127.0.0.1:{port}{case.path}")
    if cores.client is not None:
        command = ["taskset", "-c", str(cores.client), *command]  # taskset execs wrk: the same pid
    try:
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), seconds)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGINT)
        output_bytes, _ = await asyncio.wait_for(process.communicate(), bound + 10)
    finally:
        os.unlink(script.name)
    output = output_bytes.decode(errors="replace")
    total = _WRK_TOTAL.search(output)
    if process.returncode != 0 or total is None:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output}")
    for problem in ("Non-2xx or 3xx responses", "Socket errors"):
        if problem in output:
            raise RuntimeError(f"wrk reports {problem} for {case.route}:\n{output}")
    return Load(int(total.group(1)), float(total.group(2)) * _WRK_UNITS[total.group(3)], client="wrk")


class EchoSocket:
    """A WebSocket client cheap enough not to be the bottleneck: ``websockets``' sans-I/O protocol
    does the handshake and builds the frames; the echo loop then writes the same masked text frame
    and compares the echoed frames byte for byte (a server frame is unmasked, so its bytes are known).
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, protocol: ClientProtocol) -> None:
        self.reader, self.writer, self.protocol = reader, writer, protocol
        payload = WS_MESSAGE.encode()
        if len(payload) > 125:
            raise ValueError("the echo message must fit a short frame")
        protocol.send_text(payload)
        self.frame = b"".join(protocol.data_to_send())
        self.expected = bytes([0x81, len(payload)]) + payload

    @classmethod
    async def open(cls, port: int, path: str = "/ws") -> EchoSocket:
        from websockets.client import ClientProtocol
        from websockets.protocol import State
        from websockets.uri import parse_uri

        protocol = ClientProtocol(parse_uri(f"ws://127.0.0.1:{port}{path}"))
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        protocol.send_request(protocol.connect())
        writer.writelines(protocol.data_to_send())
        while protocol.state is State.CONNECTING:
            data = await asyncio.wait_for(reader.read(65536), 30)
            if not data:
                raise RuntimeError("the server closed the connection during the handshake")
            protocol.receive_data(data)
        if protocol.handshake_exc is not None or protocol.state is not State.OPEN:
            raise RuntimeError(f"WebSocket handshake failed: {protocol.handshake_exc!r}")
        return cls(reader, writer, protocol)

    async def echo(self, count: int) -> None:
        """Send ``count`` messages in one write, then read and check the ``count`` echoes."""
        self.writer.write(self.frame * count)
        expected = self.expected * count
        received = await self.reader.readexactly(len(expected))
        if received != expected:
            raise RuntimeError(f"bad echo {received[:80]!r}")

    async def close(self) -> None:
        self.protocol.send_close(1000)
        self.writer.writelines(self.protocol.data_to_send())
        with contextlib.suppress(OSError, asyncio.TimeoutError):
            while await asyncio.wait_for(self.reader.read(65536), 5):
                pass
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


async def ws_load(
    port: int,
    *,
    duration: float,
    max_messages: int,
    connections: int,
    window: int = 4,
    path: str = "/ws",
    meter: Callable[[], float] | None = None,
) -> Load:
    """Text echo on ``connections`` WebSockets, in bursts of ``window`` messages on each.

    ``meter`` (the server's CPU clock) is read after the handshakes and before the closes, so the
    load's ``server_cpu`` covers the echoes only.
    """
    remaining = max_messages
    sockets = await asyncio.gather(*(EchoSocket.open(port, path) for _ in range(connections)))
    before = meter() if meter is not None else 0.0
    start = time.perf_counter()
    deadline = start + duration

    async def worker(ws: EchoSocket) -> int:
        nonlocal remaining
        received = 0
        while remaining > 0 and time.perf_counter() < deadline:
            count = min(window, remaining)
            remaining -= count
            await ws.echo(count)
            received += count
        return received

    try:
        counts = await asyncio.gather(*(worker(ws) for ws in sockets))
        elapsed = time.perf_counter() - start
        server_cpu = meter() - before if meter is not None else 0.0
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return Load(sum(counts), elapsed, server_cpu, client="websockets (sans-I/O handshake, prebuilt frames)")


def host_groups(comparisons: Sequence[Comparison]) -> dict[str, list[Comparison]]:
    """The comparisons of each host: they share the host's portable app (one server for all)."""
    groups: dict[str, list[Comparison]] = {}
    for item in comparisons:
        groups.setdefault(item.host, []).append(item)
    return groups


async def run_loopback(
    comparisons: Sequence[Comparison],
    results: Results,
    *,
    servers: Sequence[str],
    rounds: int,
    seconds: float,
    warmup_seconds: float,
    client: str,
    http_connections: int,
    ws_connections: int,
    ws_window: int,
    starts: int = 1,
    max_requests: int = 10_000_000,
    min_requests: int = 0,
    max_seconds: float = 0.0,
    warmup_client: str | None = None,
    log: Callable[[str], None] = print,
) -> None:
    """Load every route of every comparison under each server, rounds interleaved; record into ``results``.

    One server per app of a host (its portable app, shared by its comparisons, and each native
    baseline), started together; a discarded warm-up run per route; then ``rounds`` rounds, each
    loading every route on all of the host's servers at once (they share the server core, each with
    its own client), the clients' start order reversed every other round. All of that ``starts``
    times, with new server processes each time, every host and server in turn before the next
    start, and the rounds of all starts pooled. ``client`` is ``"wrk"`` or ``"asyncio"`` for HTTP;
    WebSocket echo always uses ``websockets``' sans-I/O protocol. ``warmup_client`` (default:
    ``client``) loads the warm-up runs: the smoke run passes the other client, keeping both alive.
    A run lasts ``seconds``, or longer for a route whose first warm-up shows fewer than
    ``min_requests`` per ``seconds`` on its slowest server: as long as ``min_requests`` take there,
    at most ``max_seconds``.
    """
    cores = Cores.detect()
    clients = Clients(client, cores, http_connections, ws_connections, ws_window, max_requests)
    warmup = replace(clients, client=warmup_client or client)
    groups = host_groups(comparisons)
    pooled = _Pooled(results)
    not_run: set[tuple[str, str]] = set()
    with client_affinity(cores):
        for start in range(starts):
            for kind in servers:
                mode = f"loopback/{kind}"
                missing = server_available(kind)
                for host, items in groups.items():
                    if (kind, host) in not_run:
                        continue
                    if missing is not None:
                        _not_run(results, log, mode, host, items, missing)
                        not_run.add((kind, host))
                        continue
                    apps = [(items[0].key, "portable"), *((item.key, "native") for item in items)]
                    began = time.perf_counter()
                    try:
                        async with serving(kind, apps, cores) as running:
                            log(
                                f"  {mode:18} {host}: {len(running)} servers ready in "
                                f"{time.perf_counter() - began:.1f} s (start {start + 1} of {starts})"
                            )
                            for route in ROUTES:  # warm-up: every code path once, caches filled
                                warm = await _measure(list(running.values()), route, warmup_seconds, warmup)
                                # A slow route (Django's thread hops) runs longer, so that every run
                                # counts enough requests for its ratio to hold between runs.
                                slowest = max(load.per_request for load in warm)
                                pooled.durations.setdefault(
                                    (mode, host, route), max(seconds, min(max_seconds, min_requests * slowest))
                                )
                            for item in items:  # the rows in the tables' order: comparison, then route
                                for route in ROUTES:
                                    pooled.timing(mode, item.key, route)
                            for index in range(rounds):
                                # Which client starts first alternates over the rounds of every start.
                                reverse = (start * rounds + index) % 2 == 1
                                await pooled.round(mode, host, items, running, clients, reverse=reverse)
                    except ServerFailed as exc:  # the host cannot run under this server: say why
                        if start == 0:
                            _not_run(results, log, mode, host, items, _first_error_line(str(exc)))
                            not_run.add((kind, host))
                            continue
                        raise
    for timing in pooled.timings.values():
        log(f"  {timing.mode:18} {timing.summary()}")


class _Pooled:
    """The timings of every start of every host's servers, rounds appended as they are run."""

    def __init__(self, results: Results) -> None:
        self.results = results
        self.timings: dict[tuple[str, str, str], Timing] = {}
        #: run length per (mode, host, route), from the first start's warm-up
        self.durations: dict[tuple[str, str, str], float] = {}

    def timing(self, mode: str, key: str, route: str) -> Timing:
        from bench.report import Timing

        found = self.timings.get((mode, key, route))
        if found is None:
            found = self.timings[mode, key, route] = Timing(mode, key, route)
            self.results.timings.append(found)
        return found

    async def round(
        self,
        mode: str,
        host: str,
        items: Sequence[Comparison],
        running: dict[tuple[str, str], Server],
        clients: Clients,
        *,
        reverse: bool,
    ) -> None:
        """One run of every route on all of the host's servers; the portable server's figures go
        to every comparison of the host, each native server's to its own."""
        labels = list(running)[::-1] if reverse else list(running)
        for route in ROUTES:
            loads = await _measure(
                [running[label] for label in labels], route, self.durations[mode, host, route], clients
            )
            for (key, variant), load in zip(labels, loads, strict=True):
                for item in items if variant == "portable" else [c for c in items if c.key == key]:
                    timing = self.timings[mode, item.key, route]
                    getattr(timing, variant).append(load.server_cpu / load.count)
                    getattr(timing, f"{variant}_wall").append(load.per_request)
                    timing.client = load.client


def _not_run(
    results: Results, log: Callable[[str], None], mode: str, host: str, items: Sequence[Comparison], reason: str
) -> None:
    for item in items:
        results.unavailable[f"{mode} {item.key}"] = reason
    log(f"  {mode:18} {host}: not run: {reason}")


async def _measure(servers: Sequence[Server], route: str, duration: float, clients: Clients) -> list[Load]:
    """One run of ``route`` on every server at once; a run in which a server completed nothing
    (starved of its core by other work) is repeated, longer, rather than divided by zero."""
    for attempt in range(4):
        loads = await _measure_together(servers, route, duration * 2**attempt, clients)
        if all(load.count for load in loads):
            return loads
    raise RuntimeError(f"{route}: no request completed on {', '.join(s.name for s in servers)}")


async def _measure_together(servers: Sequence[Server], route: str, duration: float, clients: Clients) -> list[Load]:
    # Every server of the comparison is loaded at once, each by its own client, while they share
    # the server core: a slower or faster spell of the machine (which lasts seconds on a shared
    # host) falls on both sides alike.
    before = [server.cpu_seconds() for server in servers]
    loads = await asyncio.gather(*(_load(server, route, duration, clients) for server in servers))
    for server, load, start in zip(servers, loads, before, strict=True):
        if not load.server_cpu:
            load.server_cpu = server.cpu_seconds() - start
    return loads


def _first_error_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "error" in line]
    return (errors[-1] if errors else lines[0] if lines else "the server did not start")[:200]


async def _load(server: Server, route: str, seconds: float, clients: Clients) -> Load:
    port = server.port
    for case in HTTP_CASES:
        if case.route == route:
            if clients.client == "wrk":
                return await wrk_load(
                    port, case, seconds=seconds, connections=clients.http_connections, cores=clients.cores
                )
            return await http_load(
                port, case, duration=seconds, max_requests=clients.max_requests, connections=clients.http_connections
            )
    return await ws_load(
        port,
        duration=seconds,
        max_messages=clients.max_requests,
        connections=clients.ws_connections,
        window=clients.ws_window,
        meter=server.cpu_seconds,
    )
