"""The benchmark harness's statistics: the bootstrap interval of a median ratio, the verdict rule,
and the comparison of two runs' verdicts (``python -m bench --compare``)."""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.__main__ import compare
from bench.build import BuildPlan, BuildTiming
from bench.report import Results, Timing, markdown
from bench.stats import (
    MET,
    MISSED,
    WITHIN_NOISE,
    Paired,
    Target,
    bootstrap_median_interval,
    verdict,
)


@dataclass
class Pair(Paired):
    portable: list[float] = field(default_factory=list)
    native: list[float] = field(default_factory=list)


def normal_sample(seed: int, count: int, centre: float = 1.0, sd: float = 0.05) -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(centre, sd) for _ in range(count)]


def test_the_interval_holds_the_median_within_the_range_of_the_values() -> None:
    values = normal_sample(1, 40)
    low, high = bootstrap_median_interval(values)
    assert min(values) <= low <= statistics.median(values) <= high <= max(values)


def test_the_interval_of_a_large_sample_is_narrow_around_its_centre() -> None:
    low, high = bootstrap_median_interval(normal_sample(2, 400))
    # The median of 400 draws of N(1, 0.05) has a standard error of about 0.003.
    assert low < 1.0 < high
    assert 0.003 < high - low < 0.02


def test_the_interval_covers_the_true_median_about_95_times_in_100() -> None:
    covered = 0
    for seed in range(100):
        low, high = bootstrap_median_interval(normal_sample(seed, 40), resamples=1000)
        covered += low <= 1.0 <= high
    assert 85 <= covered <= 100


def test_the_same_values_and_seed_give_the_same_interval() -> None:
    values = normal_sample(3, 25)
    assert bootstrap_median_interval(values) == bootstrap_median_interval(list(values))
    assert bootstrap_median_interval(values, seed=7) == bootstrap_median_interval(values, seed=7)
    assert bootstrap_median_interval(values, seed=7) != bootstrap_median_interval(values, seed=8)


def test_constant_single_and_no_values() -> None:
    assert bootstrap_median_interval([1.25] * 10) == (1.25, 1.25)
    assert bootstrap_median_interval([0.5]) == (0.5, 0.5)
    low, high = bootstrap_median_interval([])
    assert math.isnan(low)
    assert math.isnan(high)


@pytest.mark.parametrize(("resamples", "confidence"), [(0, 0.95), (100, 0.0), (100, 1.0)])
def test_bad_bootstrap_parameters_are_refused(resamples: int, confidence: float) -> None:
    with pytest.raises(ValueError, match=r"resamples|confidence"):
        bootstrap_median_interval([1.0, 2.0], resamples=resamples, confidence=confidence)


@pytest.mark.parametrize(
    ("interval", "target", "expected"),
    [
        ((0.90, 0.99), Target(1.0), MET),
        ((0.90, 1.00), Target(1.0), MET),  # the limit itself meets an "at most" target
        ((0.90, 1.00), Target(1.0, strict=True), WITHIN_NOISE),
        ((0.95, 1.05), Target(1.0), WITHIN_NOISE),
        ((1.00, 1.05), Target(1.0), WITHIN_NOISE),
        ((1.00, 1.05), Target(1.0, strict=True), MISSED),  # the limit itself misses a "below" target
        ((1.01, 1.05), Target(1.0), MISSED),
        ((0.60, 0.69), Target(0.7), MET),
        ((1.00, 1.00), Target(1.0), MET),
        ((math.nan, math.nan), Target(1.0), WITHIN_NOISE),
    ],
)
def test_the_verdict_rule(interval: tuple[float, float], target: Target, expected: str) -> None:
    assert verdict(interval, target) == expected


def test_a_paired_row_gets_the_interval_of_its_round_ratios() -> None:
    portable = normal_sample(4, 30, centre=1.1)
    native = [1.0] * 30
    row = Pair(portable, native)
    assert row.interval == bootstrap_median_interval([mine / 1.0 for mine in portable])
    assert row.verdict(Target(1.0)) == MISSED
    assert row.verdict(Target(1.2)) == MET
    cells = row.ratio_cells()
    assert cells[0] == f"**{row.ratio:.3f}**"
    assert cells[1] == f"{row.interval[0]:.3f}-{row.interval[1]:.3f}"


def _run(ratio: float, spread: float = 0.01, seed: int = 0) -> Results:
    """A run of one in-process row whose per-round ratios centre on ``ratio``."""
    rounds = normal_sample(seed, 20, centre=ratio, sd=spread)
    timing = Timing("in-process", "starlette", "GET /plain", portable=rounds, native=[1.0] * len(rounds))
    timing.portable_wall, timing.native_wall = list(rounds), [1.0] * len(rounds)
    return Results(timings=[timing])


def test_the_json_carries_every_verdict_and_reads_back(tmp_path: Path) -> None:
    results = _run(0.9)
    path = tmp_path / "run.json"
    path.write_text(results.to_json())
    again = Results.from_json(path.read_text())
    assert again.verdicts() == results.verdicts()
    (only,) = results.verdicts()
    assert only.verdict == MET
    assert only.row == "in-process starlette GET /plain"


@pytest.mark.parametrize(
    ("first", "second", "disagree"),
    [
        (0.90, 0.92, False),  # met and met
        (0.90, 1.00, False),  # met and within noise: no contradiction
        (0.90, 1.10, True),  # met and missed
    ],
)
def test_compare_reports_rows_met_in_one_run_and_missed_in_the_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], first: float, second: float, disagree: bool
) -> None:
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for path, ratio, seed in zip(paths, (first, second), (1, 2), strict=True):
        path.write_text(_run(ratio, seed=seed).to_json())
    assert compare(*paths) == (1 if disagree else 0)
    out = capsys.readouterr().out
    assert ("disagree: in-process starlette GET /plain" in out) is disagree


@pytest.mark.parametrize("content", [None, "not json", '{"settings": {}}'])
def test_compare_refuses_what_is_not_a_run(tmp_path: Path, content: str | None) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(_run(0.9).to_json())
    if content is not None:
        bad.write_text(content)
    with pytest.raises(SystemExit, match="is not the JSON of a bench run"):
        compare(good, bad)


def test_a_build_row_gets_its_interval_verdict_and_a_place_in_the_targets() -> None:
    slower = BuildTiming("create_app", "starlette", 100, portable=[2.0, 2.1, 2.2, 2.05], native=[1.0] * 4)
    results = Results(build=[slower])
    (only,) = results.verdicts()
    assert (only.row, only.verdict) == ("build starlette create_app, 100 routes", MISSED)
    report = markdown(results, plot_name=None)
    assert "## Build" in report
    assert f"- missed: {only.describe()}" in report
    assert "| starlette | Starlette function endpoints | create_app, 100 routes | **2.075** |" in report


def test_the_build_plan_gives_slow_hosts_fewer_rounds_at_1000_routes() -> None:
    plan = BuildPlan(hosts=["litestar", "falcon"], sizes=(10, 1_000, 50))
    assert plan.spec("falcon")["create_app"] == {"10": 10, "1000": 5, "50": 5}
    assert plan.spec("litestar")["mount"] == {"10": 10, "1000": 2, "50": 5}
