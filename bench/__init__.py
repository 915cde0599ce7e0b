"""Benchmarks: a portable endpoint on each host against the host's idiomatic native endpoint.

``python -m bench`` (``nox -s bench``) runs everything and rewrites ``bench/RESULTS.md`` and
``bench/results.png``; ``python -m bench --smoke`` (``nox -s bench_smoke``) is a tiny-N run of the
same code paths that writes nothing. Modules: ``apps`` (what is served), ``driver`` (in-process
ASGI driver and timing), ``server`` (the uvicorn subprocess), ``loopback`` (load over 127.0.0.1),
``memory`` (RSS per open WebSocket), ``share`` (the profiled share of a request that is ours, on
the hosts above native), ``toolkit`` (the ported toolkit against Starlette's),
``scaling`` (cost against the number of routes), ``build`` (import, cold start, ``create_app``
and ``mount`` cost; its apps in ``build_apps``, its fresh interpreters ``build_child``), ``stats``
(ratios, their bootstrap intervals, verdicts), ``report`` (tables, targets, plot). ``--only``
picks sections; ``--compare`` checks two runs' verdicts.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository: the working directory of every subprocess the bench starts.
ROOT = Path(__file__).resolve().parent.parent

# Sanic Extensions, installed for the Sanic toolkit rows' native sides, would otherwise attach
# itself at startup to every Sanic app of the process (and of the servers the bench starts): the
# rows would time it on both sides, and the portable side would carry its CORS middleware too.
# Sanic reads ``SANIC_``-prefixed variables into each new app's config; the native apps that use
# Sanic Extensions turn it back on for themselves (``bench.toolkit_native``).
os.environ.setdefault("SANIC_AUTO_EXTEND", "false")


def child_env() -> dict[str, str]:
    """The environment of a subprocess that runs bench code (a server, an in-process worker):
    this process's, with the repository first on ``PYTHONPATH``."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
