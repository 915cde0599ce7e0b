"""Over loopback: each app under uvicorn in a subprocess on 127.0.0.1, loaded by a bounded client.

The server is pinned to one core and the load generator (``wrk`` when installed, else a small
asyncio HTTP/1.1 keep-alive client; a ``websockets`` client for WebSocket echo) to the other, when
the machine has two cores and ``taskset``. Every run is bounded by a duration and a count, and
every server is stopped (SIGTERM, then SIGKILL) by the process that started it.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from bench.apps import WS_MESSAGE, Comparison
from bench.driver import HTTP_CASES, ROUTES, VARIANTS, HTTPCase

if TYPE_CHECKING:
    from websockets.client import ClientProtocol

    from bench.report import Results

ROOT = Path(__file__).resolve().parent.parent
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


class Server:
    """One ``python -m bench.server`` subprocess serving a comparison's portable or native app."""

    def __init__(self, key: str, variant: str, cores: Cores) -> None:
        self.key = key
        self.variant = variant
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(4096)
        self.port: int = listener.getsockname()[1]
        command = [sys.executable, "-m", "bench.server", key, variant, str(listener.fileno())]
        if cores.server is not None:
            command = ["taskset", "-c", str(cores.server), *command]
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            command,
            pass_fds=[listener.fileno()],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        listener.close()

    @property
    def name(self) -> str:
        return f"{self.key}/{self.variant}"

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    async def ready(self, timeout: float = 60.0) -> None:
        """Wait until the app answers ``GET /plain`` with 200 (the socket listens from the start)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server {self.name} exited with {self.process.returncode}:\n{self.log()}")
            try:
                result = await asyncio.wait_for(http_load(self.port, HTTP_CASES[0], max_requests=1), 5)
            except (OSError, asyncio.TimeoutError, RuntimeError):
                await asyncio.sleep(0.05)
                continue
            if result.count == 1:
                return
        raise RuntimeError(f"server {self.name} not ready after {timeout}s:\n{self.log()}")

    def _stat(self) -> list[str]:
        return Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far: the scheduler's ns-precise sum over its threads when
        the kernel exposes it (``/proc/PID/task/*/sched``), else user + system time in clock ticks."""
        total, found = 0.0, False
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{self.process.pid}/task").iterdir():
                with contextlib.suppress(OSError):
                    for line in (task / "sched").read_text().splitlines():
                        if line.startswith("se.sum_exec_runtime"):
                            total += float(line.split(":")[1]) / 1000
                            found = True
        if found:
            return total
        fields = self._stat()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

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
async def serving(key: str, variants: Sequence[str], cores: Cores) -> AsyncIterator[dict[str, Server]]:
    """Start one server per variant (concurrently), wait until all answer, stop them all on exit."""
    servers: dict[str, Server] = {}
    try:
        for variant in variants:
            servers[variant] = Server(key, variant, cores)
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


def _request_bytes(port: int, case: HTTPCase) -> bytes:
    lines = [f"{case.method} {case.path} HTTP/1.1", f"host: 127.0.0.1:{port}", "user-agent: bench", "accept: */*"]
    lines += [f"{key.decode()}: {value.decode()}" for key, value in case.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + case.body


_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


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
                if length is None:
                    raise RuntimeError(f"{case.route}: no content-length in {head!r}")
                await reader.readexactly(int(length.group(1)))
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


async def wrk_load(port: int, case: HTTPCase, *, seconds: int, connections: int, cores: Cores) -> Load:
    """One ``wrk`` run (one thread, ``connections`` keep-alive connections, ``seconds`` long)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{case.method}"\n')
        if case.body:
            script.write(f"wrk.body = [[{case.body.decode()}]]\n")
        for key, value in case.headers:
            if key.lower() != b"content-length":
                script.write(f'wrk.headers["{key.decode()}"] = "{value.decode()}"\n')
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", script.name]
    command.append(f"http://127.0.0.1:{port}{case.path}")
    if cores.client is not None:
        command = ["taskset", "-c", str(cores.client), *command]
    try:
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output_bytes, _ = await asyncio.wait_for(process.communicate(), seconds + 30)
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
    port: int, *, duration: float, max_messages: int, connections: int, window: int = 4, path: str = "/ws"
) -> Load:
    """Text echo on ``connections`` WebSockets, in bursts of ``window`` messages on each."""
    remaining = max_messages
    sockets = await asyncio.gather(*(EchoSocket.open(port, path) for _ in range(connections)))
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
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return Load(sum(counts), elapsed, client="websockets (sans-I/O handshake, prebuilt frames)")


async def run_loopback(
    comparisons: Sequence[Comparison],
    results: Results,
    *,
    rounds: int,
    seconds: int,
    client: str,
    http_connections: int,
    ws_connections: int,
    ws_window: int,
    max_requests: int = 10_000_000,
    warmup: int = 200,
    log: Callable[[str], None] = print,
) -> None:
    """Load every route of every comparison under uvicorn, rounds interleaved; record into ``results``.

    ``client`` is ``"wrk"`` or ``"asyncio"`` for HTTP; WebSocket echo always uses ``websockets``.
    """
    from bench.report import Timing

    cores = Cores.detect()
    with client_affinity(cores):
        for item in comparisons:
            async with serving(item.key, VARIANTS, cores) as servers:
                for server in servers.values():  # warm-up: every code path once, caches filled
                    for case in HTTP_CASES:
                        await http_load(server.port, case, max_requests=warmup, connections=2)
                    await ws_load(server.port, duration=5, max_messages=warmup, connections=2)
                timings = {route: Timing("loopback", item.key, route) for route in ROUTES}
                results.timings.extend(timings.values())
                for index in range(rounds):
                    order = VARIANTS if index % 2 == 0 else VARIANTS[::-1]
                    for route in ROUTES:
                        for variant in order:
                            server = servers[variant]
                            before = server.cpu_seconds()
                            load = await _load(
                                server.port,
                                route,
                                seconds,
                                client,
                                http_connections,
                                cores,
                                ws_connections,
                                ws_window,
                                max_requests,
                            )
                            load.server_cpu = server.cpu_seconds() - before
                            timing = timings[route]
                            getattr(timing, variant).append(load.server_cpu / load.count)
                            getattr(timing, f"{variant}_wall").append(load.per_request)
                            timing.client = load.client
                for route, timing in timings.items():
                    log(
                        f"  loopback   {item.key:28} {route:24} ratio {timing.ratio:6.3f}  "
                        f"({timing.portable_median * 1e6:7.2f} vs {timing.native_median * 1e6:7.2f} µs)"
                    )


async def _load(
    port: int,
    route: str,
    seconds: int,
    client: str,
    http_connections: int,
    cores: Cores,
    ws_connections: int,
    ws_window: int,
    max_requests: int,
) -> Load:
    for case in HTTP_CASES:
        if case.route == route:
            if client == "wrk":
                return await wrk_load(port, case, seconds=seconds, connections=http_connections, cores=cores)
            return await http_load(
                port, case, duration=seconds, max_requests=max_requests, connections=http_connections
            )
    return await ws_load(
        port, duration=seconds, max_messages=max_requests, connections=ws_connections, window=ws_window
    )
