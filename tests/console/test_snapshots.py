"""Every area rendered from the fixed snapshots at 80x24 and 120x40 (pytest-textual-snapshot).

Regenerate after an intended change: ``uv run pytest tests/console/test_snapshots.py --snapshot-update``
and look at the report before committing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ecoeco.console import keys
from ecoeco.console.app import EcoApp
from ecoeco.console.snapshot import Snapshot

FIXTURES = Path(__file__).parent / "fixtures"
SIZES = [(80, 24), (120, 40)]
MODES = [mode for mode, _, _ in keys.AREAS]


def fixture(name: str) -> Snapshot:
    return Snapshot.model_validate_json((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def switch_to(mode: str):
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.app.switch_mode(mode)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("mode", MODES)
def test_incident_screens(snap_compare, mode: str, size: tuple[int, int]) -> None:
    app = EcoApp(snapshot=fixture("incident"))
    assert snap_compare(app, terminal_size=size, run_before=switch_to(mode))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("mode", ["overview", "nodes"])
def test_healthy_screens(snap_compare, mode: str, size: tuple[int, int]) -> None:
    app = EcoApp(snapshot=fixture("healthy"))
    assert snap_compare(app, terminal_size=size, run_before=switch_to(mode))


def test_help_screen(snap_compare) -> None:
    app = EcoApp(snapshot=fixture("incident"))
    assert snap_compare(app, terminal_size=(80, 24), press=["3", "question_mark"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("mode", ["overview", "nodes", "services"])
def test_degraded_screens(snap_compare, mode: str, size: tuple[int, int]) -> None:
    """The double's degraded cluster (pressure, drift, a stuck rollout, Pending pods) with Prometheus down."""
    app = EcoApp(snapshot=fixture("degraded"))
    assert snap_compare(app, terminal_size=size, run_before=switch_to(mode))


def test_attention_list(snap_compare) -> None:
    app = EcoApp(snapshot=fixture("degraded"))
    assert snap_compare(app, terminal_size=(80, 24), press=["a"])


def test_pod_screen(snap_compare) -> None:
    """Enter on a crash-looping pod: its containers, last run and the logs hint (nothing fetched)."""

    async def open_pod(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.app.switch_mode("nodes")
        await pilot.pause()
        pods = pilot.app.screen.query_one("#pods-table")
        key = next(k for k in pods.shown_keys() if k.startswith("kube-system/calico-node-k8q45"))
        pods.focus()
        pods.move_cursor(row=pods.get_row_index(key))
        await pilot.press("enter")
        await pilot.pause()

    app = EcoApp(snapshot=fixture("degraded"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_pod)
