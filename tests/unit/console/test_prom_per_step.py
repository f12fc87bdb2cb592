"""Range queries (sparkline history) are asked once per step, not on every poll."""

from __future__ import annotations

import time

import pytest

from ecoeco.console.sources.base import SourceError
from ecoeco.console.sources.prom import PerStep


def test_a_range_answer_is_reused_within_its_step_and_asked_again_after() -> None:
    calls: list[int] = []

    def fetch() -> list[int]:
        calls.append(1)
        return [len(calls)]

    kept = PerStep(step_s=0.3)
    assert kept.get("cpu", fetch) == [1]
    assert kept.get("cpu", fetch) == [1]  # same step: no new request
    assert kept.get("mem", fetch) == [2]  # another query has its own answer
    time.sleep(0.35)
    assert kept.get("cpu", fetch) == [3]
    assert len(calls) == 3


def test_a_failed_range_query_keeps_nothing_and_is_asked_again_next_poll() -> None:
    attempts = []

    def failing() -> list[int]:
        attempts.append(1)
        raise SourceError("Prometheus range query failed: timed out")

    kept = PerStep(step_s=60)
    for _ in range(2):
        with pytest.raises(SourceError):
            kept.get("cpu", failing)
    assert len(attempts) == 2
    assert kept.get("cpu", lambda: [7]) == [7]
