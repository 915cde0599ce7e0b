"""Sessions: lint, typecheck, tests per framework x {lowest, newest}, thirdparty, e2e, docs, bench.

``nox`` runs the default set (the whole test command); ``nox -s bench`` runs the benchmarks.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox
import tomllib

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = [
    "lint",
    "typecheck",
    "tests",
    "thirdparty",
    "e2e",
    "docs",
    "bench_smoke",
    "packaging",
    "broadcast",
]
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")

ROOT = Path(__file__).parent
FRAMEWORKS = ("starlette", "quart", "litestar", "fastapi", "django", "falcon", "sanic")
#: What a framework's session needs besides its adapter: the adapters it builds on, its own test
#: tools, and the hosts the suite runs on (an adapter it builds on is installed, not under test).
ADAPTER_SESSION: dict[str, dict[str, list[str]]] = {
    "fastapi": {"install": ["-e", "adapters/starlette", "openapi-spec-validator>=0.7"], "hosts": ["asgi", "fastapi"]},
    "quart": {"install": ["quart-cors>=0.7"]},
    # daphne, Channels' own server, for the Django host's daphne tests
    "django": {"install": ["daphne>=4.0"]},
    # Sanic Extensions, Sanic's usual CORS setup, for the Sanic host's CORS tests; it imports
    # pydantic without declaring it (sanic-ext 25.12)
    "sanic": {"install": ["sanic-ext>=24.12", "pydantic>=2"]},
}
TEST_DEPS = ["pytest>=8.3", "httpx>=0.27", "websockets>=13", "uvicorn>=0.30", "hypercorn>=0.17", "itsdangerous>=2"]
# The hostile-ASGI harness and the differential fuzz (bounded in the default run; `nox -s fuzz` for more).
TEST_DEPS += ["hypothesis>=6.100"]
# The real-server matrix: uvicorn's other HTTP parser and WebSocket implementation, and granian.
TEST_DEPS += ["httptools>=0.6", "wsproto>=1.2", "granian>=2.0"]
# The optional JSON codecs (json_codec="msgspec" / "orjson"), whose differences the suite pins on every host.
TEST_DEPS += ["msgspec>=0.18", "orjson>=3.9"]
# Starlette's own objects (responses, StaticFiles, middleware, a whole app) returned by portable
# endpoints and mounted on every host: Starlette is a test tool of every session, not a host there.
TEST_DEPS += ["starlette>=0.42"]
# portable_endpoints.templating's optional jinja2 (the [templates] extra).
TEST_DEPS += ["jinja2>=3.0"]
LOWEST_PYTHON, NEWEST_PYTHON = "3.10", "3.13"
PACKAGING_TEST_DEPS = ["twine>=5", "packaging>=24", "tomli>=2", "uv>=0.4"]
#: mypy, and the test tools of adapter tests that mypy reads
TYPING_DEPS = ["mypy>=1.13", "openapi-spec-validator>=0.7", "quart-cors>=0.7", "sse-starlette>=3.0", "sanic-ext>=24.12"]


def interpreter(version: str) -> str:
    """An installed interpreter for ``version``: on PATH, else under pyenv. Never downloaded."""
    found = shutil.which(f"python{version}")
    if found and subprocess.run([found, "--version"], capture_output=True).returncode == 0:
        return found
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = sorted(glob.glob(f"{root}/versions/{version}.*/bin/python{version}"))
    if candidates:
        return candidates[-1]
    sys.exit(f"Python {version} is not installed (looked on PATH and under {root}/versions)")


#: Distributions pinned to their lower bound too in a framework's lowest session.
COMPANIONS = {"django": ("channels",), "fastapi": ("starlette",)}


def lowest_version(framework: str, distribution: str | None = None) -> str:
    """The lower bound the adapter's own pyproject declares for its framework (or ``distribution``)."""
    distribution = distribution or framework
    meta = tomllib.loads((ROOT / "adapters" / framework / "pyproject.toml").read_text())
    for requirement in meta["project"]["dependencies"]:
        match = re.fullmatch(rf"{distribution}\s*>=\s*([\w.]+)(,.*)?", requirement.strip())
        if match:
            return match.group(1)
    raise RuntimeError(f"adapters/{framework}/pyproject.toml declares no '{distribution}>=' bound")


def lowest_pins(framework: str) -> list[str]:
    """The framework and its companions (``COMPANIONS``) at their declared lower bounds."""
    return [f"{name}=={lowest_version(framework, name)}" for name in (framework, *COMPANIONS.get(framework, ()))]


MATRIX = [
    ("asgi", "lowest", LOWEST_PYTHON),
    ("asgi", "newest", NEWEST_PYTHON),
    *[(fw, "lowest", LOWEST_PYTHON) for fw in FRAMEWORKS],
    *[(fw, "newest", NEWEST_PYTHON) for fw in FRAMEWORKS],
]


@nox.session
@nox.parametrize(
    ("python", "framework", "which"),
    [nox.param(interpreter(py), fw, which, id=f"{fw}-{which}") for fw, which, py in MATRIX],
)
def tests(session: nox.Session, framework: str, which: str) -> None:
    """The core tests and the conformance suite with only ``framework`` installed."""
    session.install("-e", ".", *TEST_DEPS)
    # The docs examples need every adapter at once: the docs session runs them.
    paths = ["tests", "portable_endpoints/testing/suite", "--ignore=tests/test_docs_examples.py"]
    if framework != "asgi":
        pins = lowest_pins(framework) if which == "lowest" else [framework, *COMPANIONS.get(framework, ())]
        extra = ADAPTER_SESSION.get(framework, {})
        session.install("-e", f"adapters/{framework}", *pins, *extra.get("install", []))
        paths.append(f"adapters/{framework}/tests")
        if framework == "starlette" and which == "newest":
            # The ports compared with the versions they port: Starlette 1.10's StaticFiles, sse-starlette.
            session.install("sse-starlette>=3.0")
            paths.append("adapters/starlette/reference")
        paths.extend(arg for host in extra.get("hosts", []) for arg in ("--pe-adapter", host))
    session.run("python", "-m", "pytest", *paths, *session.posargs)


@nox.session(python=interpreter(NEWEST_PYTHON))
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.8")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=interpreter(NEWEST_PYTHON))
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the core, every adapter and the tests, with every framework installed."""
    session.install(
        "-e",
        ".[redis,postgres]",
        *[arg for fw in FRAMEWORKS for arg in ("-e", f"adapters/{fw}")],
        *TEST_DEPS,
        *TYPING_DEPS,
        "playwright>=1.45",
        "django-stubs>=4.2",
    )
    session.install(*PACKAGING_TEST_DEPS)
    session.run(
        "mypy",
        "portable_endpoints",
        *[f"adapters/{fw}" for fw in FRAMEWORKS],
        "tests",
        "examples",
        "bench",
        "packaging_tests",
        "broker_tests",
    )


@nox.session(python=interpreter(NEWEST_PYTHON))
def thirdparty(session: nox.Session) -> None:
    """Build and install a tiny out-of-tree adapter, then run the conformance suite against it."""
    # Exactly what docs/third-party.md tells a third party to run: the `testing` extra, then the suite.
    session.install("-e", ".[testing]", "tests/thirdparty/tiny_adapter")
    session.run("pytest", "--pe-adapter", "tiny", "-p", "no:cacheprovider")


@nox.session(python=interpreter(NEWEST_PYTHON))
def e2e(session: nox.Session) -> None:
    """The chat page in Debian's chromium, driven by Playwright, on every framework."""
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            session.error("e2e needs Debian's chromium: apt-get install chromium")
        session.run("apt-get", "update", "-qq", external=True)
        session.run("apt-get", "install", "-y", "-qq", "chromium", external=True)
    session.install(
        "-e", ".", *[arg for fw in FRAMEWORKS for arg in ("-e", f"adapters/{fw}")], *TEST_DEPS, "playwright>=1.45"
    )
    session.run("pytest", "e2e", *session.posargs)


@nox.session(python=interpreter(NEWEST_PYTHON))
def docs(session: nox.Session) -> None:
    """The strict MkDocs build with the API reference, then every Python example of the docs, run."""
    adapters = sorted(path.parent for path in (ROOT / "adapters").glob("*/pyproject.toml"))
    session.install(
        "-e",
        ".",
        *[arg for path in adapters for arg in ("-e", str(path.relative_to(ROOT)))],
        # docs/third-party.md's examples import the tiny third-party adapter it shows.
        "-e",
        "tests/thirdparty/tiny_adapter",
        *TEST_DEPS,
        "mkdocs-material>=9.5",
        "mkdocstrings[python]>=0.26",
    )
    session.run("mkdocs", "build", "--strict", "--quiet", "--site-dir", ".nox/site", env={"NO_MKDOCS_2_WARNING": "1"})
    # Each example runs in a fresh interpreter: two at a time, one per core.
    session.install("pytest-xdist>=3.5")
    session.run(
        "python", "-m", "pytest", "-n", "2", "tests/test_docs_examples.py", "tests/test_docs.py", *session.posargs
    )


@nox.session(python=interpreter(LOWEST_PYTHON))
def packaging(session: nox.Session) -> None:
    """Build every distribution, check its metadata, pip-install each extra in a fresh venv, serve a route."""
    session.install("pytest>=8.3", "pytest-xdist>=3.5", *PACKAGING_TEST_DEPS)
    dist = ROOT / ".nox" / "packaging-dist"
    session.run("python", "-m", "packaging_tests.conftest", str(dist))
    # One worker per core: each fresh virtualenv's pip install waits on I/O as much as on CPU.
    session.run(
        "python",
        "-m",
        "pytest",
        "packaging_tests",
        "-p",
        "no:cacheprovider",
        "-n",
        "2",
        *session.posargs,
        env={"PE_PACKAGING_DIST": str(dist)},
    )


def _bench(session: nox.Session, *args: str) -> None:
    session.install(
        "-e",
        ".",
        *[arg for fw in FRAMEWORKS for arg in ("-e", f"adapters/{fw}")],
        # uvicorn as deployed (httptools, uvloop), so the server's own cost does not drown the app's.
        "uvicorn>=0.30",
        "httptools>=0.6",
        "uvloop>=0.19",
        # granian: the second server of the loopback rows (a Rust HTTP server, its ASGI interface).
        "granian>=2.0",
        "websockets>=13",
        "matplotlib>=3.8",
        "msgspec>=0.18",
        "orjson>=3.9",
        # The toolkit rows' native sides and what the ported toolkit needs (templates, signed sessions).
        "starlette>=0.42",
        "jinja2>=3.0",
        "itsdangerous>=2",
        "sse-starlette>=3.0",
        # The other hosts' toolkit equivalents (bench/toolkit_native.py): Quart's CORS, Sanic's CORS and
        # templates (Sanic Extensions, which imports pydantic without declaring it, and which then
        # extends every Sanic app of the process, both sides of the Sanic rows alike).
        "quart-cors>=0.7",
        "sanic-ext>=24.12",
        "pydantic>=2",
    )
    session.run("python", "-m", "bench", *args, *session.posargs)


@nox.session(python=interpreter(NEWEST_PYTHON))
def bench(session: nox.Session) -> None:
    """Portable vs native on every framework; writes bench/RESULTS.md and bench/results.png."""
    # wrk is the HTTP load generator of the loopback rows (the asyncio client is the fallback).
    if shutil.which("wrk") is None and os.geteuid() == 0 and shutil.which("apt-get") is not None:
        session.run("apt-get", "update", "-qq", external=True)
        session.run("apt-get", "install", "-y", "-qq", "wrk", external=True)
    _bench(session)


@nox.session(python=interpreter(NEWEST_PYTHON))
def bench_smoke(session: nox.Session) -> None:
    """A tiny-N run of the benchmark harness, so it cannot rot."""
    _bench(session, "--smoke")


@nox.session(python=interpreter(NEWEST_PYTHON))
def fuzz(session: nox.Session) -> None:
    """The hostile-ASGI harness and the differential HTTP fuzz at length, on every framework, random seeds.

    Not in the default run (which runs them bounded, derandomised). ``PE_FUZZ_EXAMPLES`` sets the count.
    """
    session.install("-e", ".", *[arg for fw in FRAMEWORKS for arg in ("-e", f"adapters/{fw}")], *TEST_DEPS)
    env = {"PE_FUZZ_RANDOM": "1", "PE_FUZZ_EXAMPLES": os.environ.get("PE_FUZZ_EXAMPLES", "2000")}
    suite = "portable_endpoints/testing/suite"
    session.run(
        "python",
        "-m",
        "pytest",
        f"{suite}/test_hostile_asgi.py",
        f"{suite}/test_differential_http.py",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env=env,
    )


@nox.session(python=interpreter(NEWEST_PYTHON))
def soak(session: nox.Session) -> None:
    """The load + fault test at length on every framework: more clients, more messages, many rounds.

    Not in the default run. ``PE_LOAD_CLIENTS``, ``PE_LOAD_MESSAGES``, ``PE_LOAD_ROUNDS`` override.
    """
    session.install("-e", ".", *[arg for fw in FRAMEWORKS for arg in ("-e", f"adapters/{fw}")], *TEST_DEPS)
    env = {
        "PE_LOAD_CLIENTS": os.environ.get("PE_LOAD_CLIENTS", "500"),
        "PE_LOAD_MESSAGES": os.environ.get("PE_LOAD_MESSAGES", "20"),
        "PE_LOAD_ROUNDS": os.environ.get("PE_LOAD_ROUNDS", "10"),
        # Each round's peak is held by the allocator a while; objects are checked exactly.
        "PE_LOAD_RSS_SLACK_MIB": os.environ.get("PE_LOAD_RSS_SLACK_MIB", "200"),
    }
    session.run(
        "python", "-m", "pytest", "tests/test_reliability.py", "-s", "-p", "no:cacheprovider", *session.posargs, env=env
    )


# The two hosts the broadcast tests run side by side, one per uvicorn process.
BROADCAST_HOSTS = ("starlette", "litestar")
BROADCAST_DEPS = ["redis>=5.0.1", "asyncpg>=0.30", "playwright>=1.45"]


def _debian_packages(session: nox.Session, packages: dict[str, str]) -> None:
    """apt-get the Debian packages (name -> a file it installs) that are missing; CI starts bare."""
    missing = [name for name, path in packages.items() if not (shutil.which(path) or os.path.exists(path))]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        session.error(f"{session.name} needs Debian's {' '.join(missing)}: apt-get install {' '.join(missing)}")
    session.run("apt-get", "update", "-qq", external=True)
    session.run("apt-get", "install", "-y", "-qq", *missing, external=True)


@nox.session(python=interpreter(NEWEST_PYTHON))
def broadcast(session: nox.Session) -> None:
    """Broadcast on real brokers: Redis and PostgreSQL on 127.0.0.1, two hosts in two processes, a browser."""
    _debian_packages(
        session,
        {
            "redis-server": "redis-server",
            "postgresql-15": "/usr/lib/postgresql/15/bin/postgres",
            "chromium": "chromium",
        },
    )
    session.install(
        "-e",
        ".[redis,postgres]",
        *[arg for fw in BROADCAST_HOSTS for arg in ("-e", f"adapters/{fw}")],
        *TEST_DEPS,
        *BROADCAST_DEPS,
    )
    session.run("python", "-m", "pytest", "broker_tests", *session.posargs)


@nox.session(python=interpreter(NEWEST_PYTHON))
def bench_broadcast(session: nox.Session) -> None:
    """Fan-out to 500 subscribers in two processes on Redis, against encode/broadcaster (opt-in)."""
    _debian_packages(session, {"redis-server": "redis-server"})
    session.install("-e", ".", "redis>=5.0.1", "broadcaster[redis]>=0.3")
    session.run("python", "-m", "bench.broadcast", *session.posargs)
