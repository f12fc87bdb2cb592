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
