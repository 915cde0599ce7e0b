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
nox.options.sessions = ["lint", "typecheck", "tests", "thirdparty", "e2e", "docs", "bench_smoke"]
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")

ROOT = Path(__file__).parent
FRAMEWORKS = ("starlette", "quart", "litestar")
TEST_DEPS = ["pytest>=8.3", "httpx>=0.27", "websockets>=13", "uvicorn>=0.30", "hypercorn>=0.17", "itsdangerous>=2"]
# The optional JSON codecs (json_codec="msgspec" / "orjson"), whose differences the suite pins on every host.
TEST_DEPS += ["msgspec>=0.18", "orjson>=3.9"]
LOWEST_PYTHON, NEWEST_PYTHON = "3.10", "3.13"


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


def lowest_version(framework: str) -> str:
    """The lower bound the adapter's own pyproject declares for its framework."""
    meta = tomllib.loads((ROOT / "adapters" / framework / "pyproject.toml").read_text())
    for requirement in meta["project"]["dependencies"]:
        match = re.fullmatch(rf"{framework}\s*>=\s*([\w.]+)(,.*)?", requirement.strip())
        if match:
            return match.group(1)
    raise RuntimeError(f"adapters/{framework}/pyproject.toml declares no '{framework}>=' bound")


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
    paths = ["tests", "portable_endpoints/testing/suite"]
    if framework != "asgi":
        pin = f"{framework}=={lowest_version(framework)}" if which == "lowest" else framework
        session.install("-e", f"adapters/{framework}", pin)
        paths.append(f"adapters/{framework}/tests")
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
        "-e", ".", *[arg for fw in FRAMEWORKS for arg in ("-e", f"adapters/{fw}")], *TEST_DEPS, "mypy>=1.13"
    )
    session.run("mypy", "portable_endpoints", *[f"adapters/{fw}" for fw in FRAMEWORKS], "tests", "examples", "bench")


@nox.session(python=interpreter(NEWEST_PYTHON))
def thirdparty(session: nox.Session) -> None:
    """Build and install a tiny out-of-tree adapter, then run the conformance suite against it."""
    session.install("-e", ".", "tests/thirdparty/tiny_adapter", *TEST_DEPS)
    session.run(
        "pytest", "--pyargs", "portable_endpoints.testing.suite", "--pe-adapter", "tiny", "-p", "no:cacheprovider"
    )


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
    session.install("-e", ".", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.26")
    session.run("mkdocs", "build", "--strict", "--quiet", "--site-dir", ".nox/site", env={"NO_MKDOCS_2_WARNING": "1"})


def _bench(session: nox.Session, *args: str) -> None:
    session.install(
        "-e",
        ".",
        *[arg for fw in FRAMEWORKS for arg in ("-e", f"adapters/{fw}")],
        # uvicorn as deployed (httptools, uvloop), so the server's own cost does not drown the app's.
        "uvicorn>=0.30",
        "httptools>=0.6",
        "uvloop>=0.19",
        "websockets>=13",
        "matplotlib>=3.8",
        "msgspec>=0.18",
        "orjson>=3.9",
    )
    session.run("python", "-m", "bench", *args, *session.posargs)


@nox.session(python=interpreter(NEWEST_PYTHON))
def bench(session: nox.Session) -> None:
    """Portable vs native on every framework; writes bench/RESULTS.md and bench/results.png."""
    _bench(session)


@nox.session(python=interpreter(NEWEST_PYTHON))
def bench_smoke(session: nox.Session) -> None:
    """A tiny-N run of the benchmark harness, so it cannot rot."""
    _bench(session, "--smoke")
