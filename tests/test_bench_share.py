"""The share section's bookkeeping (``bench.share``): which bucket a profiled function's time goes
to, a built-in's time going to its callers' buckets, the blocked time left out, the median of slices."""

from __future__ import annotations

import importlib
import importlib.util
import os
from typing import Any

import pytest

import portable_endpoints
from bench.report import Results, markdown
from bench.share import BUCKETS, SHARE_HOSTS, Classifier, Share, Side, median_side, summarise


class FakeStats:
    """What ``summarise`` reads of ``pstats.Stats``: ``stats``, function -> (primitive calls, calls,
    own time, cumulative time, callers), a caller -> (primitive calls, calls, own time, cumulative)."""

    def __init__(self, stats: dict[Any, Any]) -> None:
        self.stats = stats


@pytest.mark.parametrize("host", SHARE_HOSTS)
def test_the_classifier_knows_the_core_the_adapter_and_the_framework(host: str) -> None:
    classify = Classifier(host)
    core = os.path.dirname(os.path.realpath(portable_endpoints.__file__))
    assert classify(os.path.join(core, "requests.py")) == "core"
    assert classify("/usr/lib/python3.11/asyncio/events.py") == "other"
    # A framework session installs one host: the others' adapters and frameworks are not there.
    for package, bucket in [(f"portable_endpoints_{host}", "adapter"), (host, "framework")]:
        if importlib.util.find_spec(package) is not None:
            assert classify(os.path.realpath(importlib.import_module(package).__file__ or "")) == bucket


def test_a_builtins_time_goes_to_its_callers_and_waiting_is_left_out() -> None:
    def bucket_of(filename: str) -> str:
        return filename.split("/")[0]

    ours = ("adapter/a.py", 1, "view")
    theirs = ("framework/f.py", 2, "handle")
    get = ("~", 0, "<method 'get' of 'dict' objects>")
    poll = ("~", 0, "<method 'poll' of 'select.epoll' objects>")
    stats = FakeStats(
        {
            ours: (2, 2, 0.004, 0.010, {theirs: (2, 2, 0.004, 0.010)}),
            theirs: (2, 2, 0.006, 0.020, {}),
            # dict.get: 3 calls from ours (1 ms), 1 from theirs (0.5 ms), 0.5 ms unattributed
            get: (4, 4, 0.002, 0.002, {ours: (3, 3, 0.001, 0.001), theirs: (1, 1, 0.0005, 0.0005)}),
            poll: (2, 2, 0.100, 0.100, {theirs: (2, 2, 0.100, 0.100)}),
        }
    )
    side = summarise(stats, bucket_of, requests=2)  # type: ignore[arg-type]
    assert side.bucket_calls == {"core": 0.0, "adapter": 2.5, "framework": 1.5, "other": 0.0}
    assert round(side.bucket_micros["adapter"]) == 2500  # (4 ms + 1 ms) / 2 requests
    assert round(side.bucket_micros["framework"]) == 3250  # (6 ms + 0.5 ms) / 2
    assert round(side.bucket_micros["other"]) == 250  # the built-in's time no caller accounts for
    assert round(side.micros) == 6000  # the wait is not in it
    assert round(side.waiting) == 50_000
    assert side.calls == 4.0


def test_median_side_and_the_report_table() -> None:
    def side(micros: float) -> Side:
        return Side(
            calls=100.0,
            micros=micros,
            bucket_calls=dict.fromkeys(BUCKETS, 25.0),
            bucket_micros=dict.fromkeys(BUCKETS, micros / 4),
        )

    middle = median_side([side(10.0), side(40.0), side(20.0)])
    assert middle.micros == 20.0
    assert middle.bucket_micros["core"] == 5.0
    share = Share("quart", "quart", "GET /plain", 30, middle, side(16.0))
    assert share.ours == 10.0
    assert share.ours_calls == 50.0
    results = Results(share=[share])
    again = Results.from_json(results.to_json())
    assert again.share == [share]
    text = markdown(again, plot_name=None)
    assert "## Our share of a request (profiled)" in text
    assert "| quart | GET /plain | - | 100 / 100 (+0) | 5.0 | 5.0 | 50.0% | 50 |" in text
