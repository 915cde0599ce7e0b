"""What every paired measurement shares: per-round samples of both sides, their ratio, its 95%
confidence interval and verdict against a target, and the one Markdown table formatter every
section of ``RESULTS.md`` uses."""

from __future__ import annotations

import functools
import math
import random
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: resamples of the percentile bootstrap: the 2.5th and 97.5th percentiles of 2,000 medians move
#: by well under the rounding of the tables from one seed to another
BOOTSTRAP_RESAMPLES = 2_000
#: the bootstrap's seed: the same rounds give the same interval in every run and on every machine
BOOTSTRAP_SEED = 0
CONFIDENCE = 0.95

MET = "met"
MISSED = "missed"
WITHIN_NOISE = "within noise"
VERDICTS = (MET, MISSED, WITHIN_NOISE)


def bootstrap_median_interval(
    values: Sequence[float],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """The percentile-bootstrap ``confidence`` interval of the median of ``values``: the medians of
    ``resamples`` resamples with replacement (seeded, so deterministic), and their
    ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles.

    One value gives a zero-width interval at it; no value, ``(nan, nan)``.
    """
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, not {resamples}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    return _interval(tuple(values), resamples, seed, confidence)


@functools.lru_cache(maxsize=4096)
def _interval(values: tuple[float, ...], resamples: int, seed: int, confidence: float) -> tuple[float, float]:
    # Cached: a row's interval is read by its table, the targets summary and the JSON.
    if not values:
        return (math.nan, math.nan)
    if len(values) == 1:
        return (values[0], values[0])
    rng = random.Random(seed)
    count = len(values)
    medians = sorted(statistics.median(rng.choices(values, k=count)) for _ in range(resamples))
    tail = (1 - confidence) / 2
    return (_quantile(medians, tail), _quantile(medians, 1 - tail))


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of sorted ``ordered``, linearly interpolated (numpy's default)."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


@dataclass(frozen=True)
class Target:
    """What a ratio must be: at most ``limit`` (``strict``: below it)."""

    limit: float
    strict: bool = False

    def holds(self, ratio: float) -> bool:
        return ratio < self.limit if self.strict else ratio <= self.limit

    def describe(self) -> str:
        return f"{'<' if self.strict else '<='} {self.limit:.2f}"


def verdict(interval: tuple[float, float], target: Target) -> str:
    """``"met"`` when the whole interval meets the target, ``"missed"`` when none of it does,
    ``"within noise"`` when it straddles the limit (the rounds cannot tell)."""
    low, high = interval
    if math.isnan(low) or math.isnan(high):
        return WITHIN_NOISE
    if target.holds(high):
        return MET
    if not target.holds(low):
        return MISSED
    return WITHIN_NOISE


class Paired:
    """Seconds (or KiB) per unit, one value per round, for the portable and the native side.

    Rounds are interleaved, so round ``i`` of both sides ran under the same conditions: the ratio
    is the median of the per-round ratios (a round slowed down by other work on the machine slows
    both sides and cancels out), the spread is their min-max, and the interval is the bootstrap
    95% confidence interval of that median.
    """

    portable: list[float]
    native: list[float]

    @property
    def portable_median(self) -> float:
        return statistics.median(self.portable)

    @property
    def native_median(self) -> float:
        return statistics.median(self.native)

    @property
    def round_ratios(self) -> list[float]:
        return [mine / theirs for mine, theirs in zip(self.portable, self.native, strict=True) if theirs > 0]

    @property
    def ratio(self) -> float:
        ratios = self.round_ratios
        return statistics.median(ratios) if ratios else float("nan")

    @property
    def spread(self) -> tuple[float, float]:
        ratios = self.round_ratios
        return (min(ratios), max(ratios)) if ratios else (float("nan"), float("nan"))

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% confidence interval of ``ratio`` (bootstrap over the rounds)."""
        return bootstrap_median_interval(self.round_ratios)

    @property
    def measured(self) -> bool:
        return bool(self.portable) and bool(self.native)

    def verdict(self, target: Target) -> str:
        return verdict(self.interval, target)

    def ratio_cells(self) -> list[str]:
        """The ratio (bold), its 95% confidence interval and the spread, as table cells."""
        low, high = self.spread
        return [f"**{self.ratio:.3f}**", interval_cell(self.interval), f"{low:.3f}-{high:.3f}"]


def interval_cell(interval: tuple[float, float]) -> str:
    low, high = interval
    return f"{low:.3f}-{high:.3f}"


def verdict_cell(verdict_: str, target: Target) -> str:
    """A verdict as a table cell: a miss in bold, the target beside it."""
    shown = f"**{verdict_}**" if verdict_ == MISSED else verdict_
    return f"{shown} ({target.describe()})"


def markdown_table(columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table: ``columns`` are ``(title, alignment)`` pairs (``"---"`` or ``"---:"``)."""
    lines = ["| " + " | ".join(title for title, _ in columns) + " |", "|" + "|".join(a for _, a in columns) + "|"]
    for cells in rows:
        if len(cells) != len(columns):
            raise ValueError(f"a row of {len(cells)} cells in a table of {len(columns)} columns")
        lines.append("| " + " | ".join(cells) + " |")
    return lines
