"""The in-process rounds spread over several fresh processes, then pooled.

Two processes of the same program differ in where everything lands in memory (address space
layout randomisation), and with it each side's speed, even under one hash seed: of five
single-process runs of the asgi host, one measured POST /echo against Starlette's endpoints 4-7%
above the other four, which spanned 2.4% among themselves. So each process (``python -m bench
--mode in-process``, its results handed back as JSON) times a share of the rounds, one after the
other, and the rounds of all of them are pooled, as pyperf pools its worker processes.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bench import ROOT, child_env

if TYPE_CHECKING:
    from bench.report import Results, Timing


async def run_in_processes(
    hosts: Sequence[str],
    results: Results,
    *,
    processes: int,
    rounds: int,
    batch_seconds: float,
    hash_seed: str,
    smoke: bool = False,
    mode: str = "in-process",
    extra: Sequence[str] = (),
    log: Callable[[str], None] = print,
) -> None:
    """``processes`` workers one after the other, each timing ``rounds`` rounds of every comparison
    of ``hosts`` (``--mode mode``: ``in-process``, or ``toolkit``, whose memory rows are pooled too);
    their timings pooled into ``results`` (and any answers that differ)."""
    from bench.report import Results

    pooled: dict[tuple[str, str, str], Timing] = {}
    for index in range(processes):
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "results.json"
            command = [
                sys.executable,
                "-m",
                "bench",
                "--mode",
                mode,
                "--hosts",
                ",".join(hosts),
                "--rounds",
                str(rounds),
                "--batch-seconds",
                str(batch_seconds),
                "--hash-seed",
                hash_seed,
                "--results-to",
                str(path),
                *extra,
            ]
            if smoke:
                command.append("--smoke")
            worker = await asyncio.create_subprocess_exec(
                *command, cwd=ROOT, env=child_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
            )
            output, _ = await worker.communicate()
            if not path.exists():  # a worker whose answers differ still writes its results
                text = output.decode(errors="replace")[-4000:]
                raise RuntimeError(f"in-process worker {index + 1} exited with {worker.returncode}:\n{text}")
            part = Results.from_json(path.read_text())
        for timing in part.timings:
            found = pooled.get((timing.mode, timing.key, timing.route))
            if found is None:
                pooled[timing.mode, timing.key, timing.route] = timing
                results.timings.append(timing)
            else:
                for name in ("portable", "native", "portable_wall", "native_wall"):
                    getattr(found, name).extend(getattr(timing, name))
        for memory in part.toolkit_memory:
            found_memory = next((m for m in results.toolkit_memory if m.key == memory.key), None)
            if found_memory is None:
                results.toolkit_memory.append(memory)
            else:
                for name in ("portable", "native", "portable_base", "native_base"):
                    getattr(found_memory, name).extend(getattr(memory, name))
        for key, problems in part.mismatches.items():
            known = results.mismatches.setdefault(key, [])
            known += [problem for problem in problems if problem not in known]
        log(f"  process {index + 1} of {processes}: {rounds} rounds in {time.perf_counter() - started:.1f} s")
    for timing in pooled.values():
        log(f"  in-process {timing.summary()}")
