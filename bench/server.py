"""The server subprocess: ``python -m bench.server KEY VARIANT FD`` serves one app under uvicorn.

The parent binds and listens on ``127.0.0.1`` and passes the socket as file descriptor ``FD``, so
there is no port race; it stops the server with SIGTERM (uvicorn shuts down gracefully).
"""

from __future__ import annotations

import argparse
import socket
import sys

#: uvicorn's settings for every app: quiet, no pings (idle connections stay idle), lifespan as usual.
UVICORN_OPTIONS: dict[str, object] = {
    "log_level": "warning",
    "access_log": False,
    "lifespan": "auto",
    "ws_ping_interval": None,
    "ws_ping_timeout": None,
    "backlog": 4096,
    "timeout_keep_alive": 60,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server")
    parser.add_argument("key", help="a comparison key from bench.apps.COMPARISONS")
    parser.add_argument("variant", choices=("portable", "native"))
    parser.add_argument("fd", type=int, help="a listening socket's file descriptor")
    args = parser.parse_args(argv)

    import uvicorn

    from bench.apps import comparison

    app = comparison(args.key).build(args.variant)
    sock = socket.socket(fileno=args.fd)
    server = uvicorn.Server(uvicorn.Config(app, **UVICORN_OPTIONS))  # type: ignore[arg-type]
    server.run(sockets=[sock])
    sys.exit(0 if server.started else 1)


if __name__ == "__main__":
    main()
