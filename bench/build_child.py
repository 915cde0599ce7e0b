"""The fresh interpreters of the build section (``python -m bench.build_child ...``; see ``bench.build``).

``build HOST SPEC``: import everything both sides need, build each side once (discarded), then
time (``time.process_time``) each build of ``SPEC`` (JSON: kind -> route count -> rounds), the two
sides taking turns, and print the seconds as one JSON line after ``RESULT_MARK``.

``cold HOST SIDE``: one side's cold start, timed by the parent from outside (its CPU time as a
child process): the imports, a 10-route app, its lifespan startup (as a server runs it; an app
without one is served anyway), and one request, whose answer is checked. Nothing but the standard
library is imported before the side's own imports, and the process ends at once after the answer.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from bench import build_apps

RESULT_MARK = "BUILD-RESULT "
COLD_ROUTES = 10
COLD_PATH = "/r0/7"
COLD_BODY = b"item 7"
#: route counts whose first build per side is discarded (a larger one's would cost too much)
WARM_UP_UP_TO = 100

Message = dict[str, Any]


def _time(build: Callable[[], object]) -> float:
    gc.collect()
    started = time.process_time()
    built = build()
    seconds = time.process_time() - started
    del built
    return seconds


def _builders(host: str, kind: str, n: int) -> dict[str, Callable[[], Callable[[], object]]]:
    """Per side, a setup (untimed) that returns the build to time."""
    if kind == "create_app":
        return {
            "portable": lambda: lambda: build_apps.portable_create(host, n),
            "native": lambda: lambda: build_apps.native_create(host, n),
        }
    if kind == "mount":

        def portable() -> Callable[[], object]:
            app = build_apps.portable_mount_target(host)
            return lambda: build_apps.portable_mount(app, n)

        def native() -> Callable[[], object]:
            app = build_apps.native_mount_target(host)
            return lambda: build_apps.native_register(host, app, n)

        return {"portable": portable, "native": native}
    raise ValueError(f"unknown build kind {kind!r}")


def build(host: str, spec: dict[str, dict[str, int]]) -> dict[str, dict[str, dict[str, list[float]]]]:
    build_apps.import_side(host, "portable")
    build_apps.import_side(host, "native")
    for kind in spec:  # every code path once, untimed
        for setup in _builders(host, kind, COLD_ROUTES).values():
            setup()()
    found: dict[str, dict[str, dict[str, list[float]]]] = {}
    for kind, sizes in spec.items():
        for size, rounds in sizes.items():
            sides = _builders(host, kind, int(size))
            seconds: dict[str, list[float]] = {name: [] for name in sides}
            if int(size) <= WARM_UP_UP_TO:
                for setup in sides.values():  # the first build of a size pays for the heap's growth
                    _time(setup())
            for index in range(rounds):
                order = list(sides) if index % 2 == 0 else list(sides)[::-1]
                for name in order:
                    seconds[name].append(_time(sides[name]()))
            found.setdefault(kind, {})[size] = seconds
    return found


async def _lifespan_startup(app: Any) -> asyncio.Task[None] | None:
    """Send the lifespan startup and wait for its answer; None when the app has no lifespan."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()

    async def run() -> None:
        try:
            await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)
        except Exception:
            await outbox.put({"type": "lifespan.unsupported"})

    task = asyncio.get_running_loop().create_task(run())
    await inbox.put({"type": "lifespan.startup"})
    message = await asyncio.wait_for(outbox.get(), 30)
    if message["type"] == "lifespan.startup.failed":
        raise RuntimeError(f"lifespan startup failed: {message.get('message')}")
    return None if message["type"] == "lifespan.unsupported" else task


async def _first_request(app: Any) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "GET",
        "root_path": "",
        "path": COLD_PATH,
        "raw_path": COLD_PATH.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000")],
        "state": {},
    }
    status = 0
    chunks: list[bytes] = []
    done = asyncio.get_running_loop().create_future()
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False) and not done.done():
                done.set_result(None)

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def _serve_once(app: Any, label: str) -> None:
    await _lifespan_startup(app)
    status, body = await _first_request(app)
    if (status, body) != (200, COLD_BODY):
        print(f"cold start {label}: GET {COLD_PATH} answered {status} {body!r}", file=sys.stderr)
        sys.stderr.flush()
        os._exit(1)
    sys.stdout.flush()
    # The cold start ends with the answer: the loop's and the interpreter's teardown are not part of it.
    os._exit(0)


def cold(host: str, side: str) -> None:
    if side == "portable":
        build_apps.import_side(host, side)
        app = build_apps.portable_create(host, COLD_ROUTES)
    elif side == "native":
        build_apps.import_side(host, side)
        app = build_apps.native_create(host, COLD_ROUTES)
    else:
        raise ValueError(f"side must be 'portable' or 'native', not {side!r}")
    asyncio.run(_serve_once(app, f"{host}/{side}"))


def main(argv: list[str]) -> int:
    command, host, argument = argv
    if command == "build":
        print(RESULT_MARK + json.dumps(build(host, json.loads(argument))), flush=True)
        return 0
    if command == "cold":
        cold(host, argument)
    raise SystemExit(f"unknown command {command!r}: build or cold")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
