"""The Triage area: rendered at 80x24 and 120x40 (pytest-textual-snapshot), and opened at start-up
only when a critical finding exists.

Regenerate after an intended change: ``uv run pytest tests/triage/test_triage_screen.py --snapshot-update``.
"""

from __future__ import annotations

import pytest
from tests.triage import scenarios as sc

from ecoeco.console.app import EcoApp
from ecoeco.console.screens.triage import TriageScreen, counts_text
from ecoeco.console.triage import evaluate

SIZES = [(80, 24), (120, 40)]


def switch_to(mode: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.app.switch_mode(mode)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["incident", "degraded", "healthy"])
def test_triage_screen(snap_compare, name: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app = EcoApp(snapshot=sc.fixture(name))
    assert snap_compare(app, terminal_size=size, run_before=switch_to("triage"))


async def test_number_key_opens_triage() -> None:
    app = EcoApp(snapshot=sc.fixture("incident"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)


@pytest.mark.parametrize(("name", "mode"), [("incident", "triage"), ("healthy", "overview")])
async def test_opens_on_triage_only_when_critical(name: str, mode: str) -> None:
    app = EcoApp(snapshot=sc.fixture(name))
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_triage_if_critical()
        await pilot.pause()
        assert app.current_mode == mode and app.triage_decided


async def test_waits_for_every_source_before_deciding() -> None:
    snap = sc.fixture("incident")
    snap.sources["alerts"].last_attempt_at = None  # one source has not polled yet
    app = EcoApp(snapshot=snap)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_triage_if_critical()
        await pilot.pause()
        assert app.current_mode == "overview" and not app.triage_decided


def test_counts() -> None:
    assert counts_text(evaluate(sc.fixture("incident"))) == "5 critical · 2 warning · 0 info"


@pytest.mark.parametrize(("name", "counts"), [("incident", {"critical": 5, "warning": 2}), ("healthy", {})])
async def test_badge_counts(name: str, counts: dict[str, int]) -> None:
    app = EcoApp(snapshot=sc.fixture(name))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.triage_counts() == counts
        bar = str(app.screen.query_one("#env-bar").render())
        assert ("✖5" in bar) == bool(counts)
