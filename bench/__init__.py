"""Benchmarks: a portable endpoint on each host against the host's idiomatic native endpoint.

``python -m bench`` (``nox -s bench``) runs everything and rewrites ``bench/RESULTS.md`` and
``bench/results.png``; ``python -m bench --smoke`` (``nox -s bench_smoke``) is a tiny-N run of the
same code paths that writes nothing. Modules: ``apps`` (what is served), ``driver`` (in-process
ASGI driver and timing), ``server`` (the uvicorn subprocess), ``loopback`` (load over 127.0.0.1),
``memory`` (RSS per open WebSocket), ``report`` (ratios, tables, plot).
"""
