"""Every scenario of the library yields exactly its expected findings (grouped, with severities)."""

from __future__ import annotations

import pytest
from tests.triage.scenarios import SCENARIOS, Scenario

from ecoeco.console.triage import evaluate


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(scenario: Scenario) -> None:
    found = {(f.rule, f.severity) for f in evaluate(scenario.build())}
    if scenario.exact:
        assert found == scenario.expected
    else:
        assert scenario.expected <= found


@pytest.mark.parametrize("name", ["healthy", "healthy-fixture", "benign"])
def test_baselines_raise_no_warning(name: str) -> None:
    scenario = next(s for s in SCENARIOS if s.name == name)
    assert [f for f in evaluate(scenario.build()) if f.severity != "info"] == []


def test_findings_are_sorted_worst_first() -> None:
    findings = evaluate(next(s for s in SCENARIOS if s.name == "incident-fixture").build())
    ranks = [{"critical": 2, "warning": 1, "info": 0}[f.severity] for f in findings]
    assert ranks == sorted(ranks, reverse=True)
