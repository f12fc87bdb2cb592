"""Fixtures of the TUI tests: the fixed snapshots, a profile, and small in-process sources.

The in-process sources are real ``Source`` implementations driven by a real ``Collector``; they
only skip the network, so pause, failure and recovery go through the same code as in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_support import ScriptedSource, write_queues, write_services

from ecoeco.console.collector import Collector
from ecoeco.console.config import Profile
from ecoeco.console.snapshot import Snapshot

FIXTURES = Path(__file__).parent / "fixtures"


def load_snapshot(name: str) -> Snapshot:
    return Snapshot.model_validate_json((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def healthy() -> Snapshot:
    return load_snapshot("healthy")


@pytest.fixture
def incident() -> Snapshot:
    return load_snapshot("incident")


@pytest.fixture
def degraded() -> Snapshot:
    """The double's ``degraded`` cluster as the console reads it, with Prometheus unreachable."""
    return load_snapshot("degraded")


@pytest.fixture
def profile() -> Profile:
    return Profile(name="test", environment="sandbox")


@pytest.fixture
def live(profile: Profile) -> Iterator[tuple[Collector, ScriptedSource, ScriptedSource]]:
    """A real Collector over two in-process sources, polling every 50 ms (the test-only floor)."""
    queues = ScriptedSource("queues", write_queues)
    services = ScriptedSource("services", write_services)
    collector = Collector(profile, [queues, services], min_interval_s=0.05, max_backoff_s=0.1)
    yield collector, queues, services
    collector.stop()


@pytest.fixture(autouse=True)
def _fixed_operations_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Actions and Audit areas read the operations' state dir: a fixed, empty one here, so that
    snapshots never show the developer's own audit log (a test that needs one sets its own)."""
    monkeypatch.setenv("ECOECO_CONSOLE_STATE_DIR", "/nonexistent/ecoeco-console-state")
