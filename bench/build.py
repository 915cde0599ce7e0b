"""Build cost: what a portable app costs before its first request, against the same app written natively.

Four kinds of row per host, each portable/native, every one in fresh interpreters:

- ``import``: CPU time of ``import portable_endpoints`` plus the adapter module ``create_app``
  loads (which imports the framework) against importing the framework alone, each timed inside a
  new interpreter (``python -c``), the two sides taking turns;
- ``cold start``: the CPU time of a whole new interpreter (measured from outside, as a child
  process's) that imports one side, builds a 10-route app, runs its lifespan startup and answers
  one request (``bench.build_child cold``);
- ``create_app`` and ``mount``: in a child that has imported both sides and built each once,
  the CPU time of ``pe.create_app`` with N routes against the host's own app with the same routes,
  and of ``pe.mount`` of N routes onto an empty native app against registering N native routes on
  one (``bench.build_child build``), the sides taking turns.

The import and cold-start children read compiled bytecode, as an installed package's interpreter
does (pip compiles on install; Python writes ``__pycache__`` on first import): they share a
bytecode cache of their own (``PYTHONPYCACHEPREFIX``, a temporary directory, filled by one
untimed cold start per host and side before the rounds), whatever the environment says
(``PYTHONDONTWRITEBYTECODE``, or installers that compile nothing, would otherwise make every
round time the compiler on each side's sources).

The routes are ``bench.build_apps``'. Each row's ratio, interval and verdict are as in every other
section (``bench.stats``), against the target of at most 1.00.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bench import ROOT, child_env
from bench.build_apps import BUILD_HOSTS, NATIVE_IMPORTS, PORTABLE_IMPORTS
from bench.build_child import COLD_ROUTES, RESULT_MARK
from bench.stats import Paired, Target

KINDS = ("import", "cold start", "create_app", "mount")
BUILD_TARGET = Target(1.00)
SIZES = (10, 100, 1_000)
SIDES = ("portable", "native")
#: a child that takes longer is stopped, and its host's rows say so
CHILD_TIMEOUT = 600.0


@dataclass
class BuildTiming(Paired):
    """CPU seconds of one build, one value per round, for each side."""

    kind: str
    host: str
    routes: int  #: 0 for the import rows
    portable: list[float] = field(default_factory=list)
    native: list[float] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.kind if not self.routes else f"{self.kind}, {self.routes:,} routes"


@dataclass(frozen=True)
class BuildPlan:
    """How much the build section measures."""

    hosts: Sequence[str]
    sizes: Sequence[int] = SIZES
    #: rounds per route count (``create_app`` and ``mount``), before ``host_rounds``
    rounds: Mapping[int, int] = field(default_factory=lambda: {10: 10, 100: 10, 1_000: 5})
    #: fewer rounds for the hosts whose large builds are slow: host -> route count -> rounds
    host_rounds: Mapping[str, Mapping[int, int]] = field(
        default_factory=lambda: {"litestar": {1_000: 2}, "quart": {1_000: 3}}
    )
    import_rounds: int = 5
    cold_rounds: int = 5
    core: int | None = None

    def rounds_at(self, size: int, host: str | None = None) -> int:
        """Rounds at ``size`` routes (on ``host``); a size not listed gets the fewest listed."""
        if host is not None and size in self.host_rounds.get(host, {}):
            return self.host_rounds[host][size]
        return self.rounds.get(size, min(self.rounds.values(), default=1))

    def spec(self, host: str) -> dict[str, dict[str, int]]:
        """The ``bench.build_child build`` spec of ``host``: kind -> route count -> rounds."""
        counts = {str(size): self.rounds_at(size, host) for size in self.sizes}
        return {"create_app": counts, "mount": dict(counts)}


def _command(core: int | None, *args: str) -> list[str]:
    command = [sys.executable, *args]
    return ["taskset", "-c", str(core), *command] if core is not None else command


def _run(command: Sequence[str], env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=ROOT,
        env=dict(env) if env is not None else child_env(),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )


def bytecode_env(cache: str) -> dict[str, str]:
    """``child_env()`` whose interpreters read and write compiled bytecode under ``cache``."""
    env = child_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def time_import(modules: Sequence[str], core: int | None, env: Mapping[str, str] | None = None) -> float:
    """CPU seconds of importing ``modules`` in a new interpreter, timed inside it."""
    statement = f"import {', '.join(modules)}"
    script = f"import time; t = time.process_time(); {statement}; print(time.process_time() - t)"
    done = _run(_command(core, "-c", script), env)
    if done.returncode != 0:
        raise RuntimeError(f"`{statement}` failed:\n{done.stderr[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def time_cold_start(host: str, side: str, core: int | None, env: Mapping[str, str] | None = None) -> float:
    """CPU seconds of a whole interpreter's cold start (``bench.build_child cold``), as a child's."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = _run(_command(core, "-m", "bench.build_child", "cold", host, side), env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"cold start {host}/{side} failed:\n{done.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


#: kind -> route count -> side -> seconds per round
Builds = dict[str, dict[str, dict[str, list[float]]]]


def time_builds(host: str, spec: Mapping[str, Mapping[str, int]], core: int | None) -> Builds:
    done = _run(_command(core, "-m", "bench.build_child", "build", host, json.dumps(spec)))
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            found: Builds = json.loads(line[len(RESULT_MARK) :])
            return found
    raise RuntimeError(f"build child of {host} exited with {done.returncode}:\n{(done.stderr or done.stdout)[-2000:]}")


def run_build(
    plan: BuildPlan,
    timings: list[BuildTiming],
    *,
    unavailable: dict[str, str],
    log: Callable[[str], None] = print,
) -> None:
    """Every row of ``plan``: imports and cold starts first (rounds interleaved over hosts and
    sides), then each host's builds in one child."""
    hosts = [host for host in BUILD_HOSTS if host in plan.hosts]
    found: dict[tuple[str, str, int], BuildTiming] = {}

    def row(kind: str, host: str, routes: int) -> BuildTiming:
        key = (kind, host, routes)
        if key not in found:
            found[key] = BuildTiming(kind, host, routes)
            timings.append(found[key])
        return found[key]

    failed: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory(prefix="pe-bench-pycache-") as cache:
        env = bytecode_env(os.path.join(cache, "pycache"))
        for host in hosts:  # untimed: fills the bytecode cache with what both sides import
            try:
                for side in SIDES:
                    time_cold_start(host, side, plan.core, env)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                for kind in ("import", "cold start"):
                    failed.add((kind, host))
                    unavailable[f"build {host} {kind}"] = str(exc).splitlines()[0]
                log(f"  build {host:9} import and cold start: not run: {exc}")
        rounds = max(plan.import_rounds, plan.cold_rounds)
        for index in range(rounds):
            for host in hosts:
                sides = SIDES if index % 2 == 0 else SIDES[::-1]
                for kind, wanted in (("import", plan.import_rounds), ("cold start", plan.cold_rounds)):
                    if index >= wanted or (kind, host) in failed:
                        continue
                    timing = row(kind, host, 0 if kind == "import" else COLD_ROUTES)
                    try:
                        for side in sides:
                            if kind == "import":
                                modules = (PORTABLE_IMPORTS if side == "portable" else NATIVE_IMPORTS)[host]
                                seconds = time_import(modules, plan.core, env)
                            else:
                                seconds = time_cold_start(host, side, plan.core, env)
                            getattr(timing, side).append(seconds)
                    except (RuntimeError, subprocess.TimeoutExpired) as exc:
                        failed.add((kind, host))
                        unavailable[f"build {host} {kind}"] = str(exc).splitlines()[0]
                        log(f"  build {host:9} {kind}: not run: {exc}")
                        timing.portable.clear()
                        timing.native.clear()
    for (_, host, _), timing in found.items():
        if timing.measured:
            log(f"  build {host:9} {timing.label:24} {_summary(timing)}")
    for host in hosts:
        try:
            measured = time_builds(host, plan.spec(host), plan.core)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            unavailable[f"build {host} builds"] = str(exc).splitlines()[0]
            log(f"  build {host:9} builds: not run: {exc}")
            continue
        for kind, sizes in measured.items():
            for size, per_side in sizes.items():
                timing = row(kind, host, int(size))
                timing.portable += per_side["portable"]
                timing.native += per_side["native"]
                log(f"  build {host:9} {timing.label:24} {_summary(timing)}")


def _summary(timing: BuildTiming) -> str:
    low, high = timing.interval
    return (
        f"ratio {timing.ratio:6.3f} (95% CI {low:.3f}-{high:.3f}, {timing.verdict(BUILD_TARGET)}) "
        f"({timing.portable_median * 1e3:8.2f} vs {timing.native_median * 1e3:8.2f} ms CPU)"
    )
