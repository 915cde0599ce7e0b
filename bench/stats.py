"""What every paired measurement shares: per-round samples of both sides, their ratio and spread,
and the one Markdown table formatter every section of ``RESULTS.md`` uses."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence


class Paired:
    """Seconds (or KiB) per unit, one value per round, for the portable and the native side.

    Rounds are interleaved, so round ``i`` of both sides ran under the same conditions: the ratio
    is the median of the per-round ratios (a round slowed down by other work on the machine slows
    both sides and cancels out), and the spread is their min-max.
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
    def measured(self) -> bool:
        return bool(self.portable) and bool(self.native)

    def ratio_cells(self) -> list[str]:
        """The ratio (bold) and the spread, as table cells."""
        low, high = self.spread
        return [f"**{self.ratio:.3f}**", f"{low:.3f}-{high:.3f}"]


def markdown_table(columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table: ``columns`` are ``(title, alignment)`` pairs (``"---"`` or ``"---:"``)."""
    lines = ["| " + " | ".join(title for title, _ in columns) + " |", "|" + "|".join(a for _, a in columns) + "|"]
    for cells in rows:
        if len(cells) != len(columns):
            raise ValueError(f"a row of {len(cells)} cells in a table of {len(columns)} columns")
        lines.append("| " + " | ".join(cells) + " |")
    return lines
