"""The server subprocess: ``python -m bench.server SERVER KEY VARIANT ADDRESS`` serves one app.

``SERVER`` is ``uvicorn`` (httptools + uvloop; ``ADDRESS`` is a listening socket's file descriptor,
bound by the parent on ``127.0.0.1``, so there is no port race) or ``granian`` (its ASGI interface,
one worker process, uvloop; ``ADDRESS`` is a free port the parent chose: granian binds it itself).
The parent stops the server with SIGTERM (both shut down gracefully, lifespan included).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys

from bench.apps import comparison
from bench.toolkit import TOOLKIT_PREFIX, build_toolkit_app
from portable_endpoints.types import ASGIApp

#: uvicorn's settings for every app: quiet, no pings (idle connections stay idle), lifespan as usual.
UVICORN_OPTIONS: dict[str, object] = {
    "log_level": "warning",
    "access_log": False,
    "lifespan": "auto",
    "http": "httptools",
    "loop": "uvloop",
    "ws_ping_interval": None,
    "ws_ping_timeout": None,
    "backlog": 4096,
    "timeout_keep_alive": 60,
}
SERVERS = ("uvicorn", "granian")
_APP_ENV = "BENCH_SERVER_APP"


def app_from_environment() -> ASGIApp:
    """Granian's factory target: the app named by the environment (granian's worker re-imports it)."""
    key, variant = os.environ[_APP_ENV].split(":")
    return build(key, variant)


def build(key: str, variant: str) -> ASGIApp:
    """The app of ``key`` (a comparison of ``bench.apps``, or of ``bench.toolkit``) and ``variant``."""
    if key.startswith(TOOLKIT_PREFIX):
        return build_toolkit_app(key, variant)
    return comparison(key).build(variant)


def serve_uvicorn(key: str, variant: str, fd: int) -> None:
    import uvicorn

    app = build(key, variant)
    sock = socket.socket(fileno=fd)
    server = uvicorn.Server(uvicorn.Config(app, **UVICORN_OPTIONS))  # type: ignore[arg-type]
    server.run(sockets=[sock])
    sys.exit(0 if server.started else 1)


def serve_granian(key: str, variant: str, port: int) -> None:
    from granian import Granian
    from granian.constants import Interfaces, Loops
    from granian.log import LogLevels

    os.environ[_APP_ENV] = f"{key}:{variant}"
    server = Granian(
        "bench.server:app_from_environment",
        address="127.0.0.1",
        port=port,
        interface=Interfaces.ASGI,
        factory=True,
        workers=1,
        runtime_threads=1,
        loop=Loops.uvloop,
        websockets=True,
        backlog=4096,
        log_level=LogLevels.warning,
        log_access=False,
    )
    server.serve()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server")
    parser.add_argument("server", choices=SERVERS)
    parser.add_argument("key", help="a comparison key from bench.apps.COMPARISONS or bench.toolkit.TOOLKIT_COMPARISONS")
    parser.add_argument("variant", choices=("portable", "native"))
    parser.add_argument("address", type=int, help="uvicorn: a listening socket's fd; granian: a port")
    args = parser.parse_args(argv)
    if args.server == "uvicorn":
        serve_uvicorn(args.key, args.variant, args.address)
    else:
        serve_granian(args.key, args.variant, args.address)


if __name__ == "__main__":
    main()
