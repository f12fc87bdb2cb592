"""One key on a finding opens its action: the console's operation pre-filled from the finding (Plan and
the usual confirmation still to come), the pod's logs for ``pod-logs``, and a plain word when the
console has no such operation."""

from __future__ import annotations

import pytest
from tests.triage import scenarios as sc
from textual.widgets import Button, Input, OptionList

from ecoeco.console.app import EcoApp
from ecoeco.console.screens.actions import OperationScreen
from ecoeco.console.screens.pod import PodScreen
from ecoeco.console.screens.triage import TriageScreen, operation_for
from ecoeco.console.triage import Action


@pytest.fixture(autouse=True)
def _empty_state(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ECOECO_CONSOLE_STATE_DIR", str(tmp_path / "state"))


async def _highlight(app: EcoApp, pilot, rule: str) -> None:  # type: ignore[no-untyped-def]
    await app.switch_mode("triage")
    await pilot.pause()
    assert isinstance(app.screen, TriageScreen)
    listing = app.screen.query_one("#triage-list", OptionList)
    listing.focus()
    while listing.get_option_at_index(listing.highlighted or 0).id.split("|")[0] != rule:  # type: ignore[union-attr]
        await pilot.press("down")
    await pilot.pause()


async def test_a_opens_the_operation_pre_filled_and_nothing_runs() -> None:
    app = EcoApp(snapshot=sc.fixture("incident"), read_only=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _highlight(app, pilot, "wal_backlog")
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OperationScreen) and screen.op.name == "recovery.wal_sync"
        assert screen.query_one("#param-worker", Input).value == "ai"
        assert screen.query_one("#op-run", Button).disabled  # Plan first, then the confirmation
        assert screen.handle is None
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)


async def test_enter_on_a_dead_letter_finding_opens_the_requeue() -> None:
    app = EcoApp(snapshot=sc.fixture("incident"), read_only=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _highlight(app, pilot, "dead_letters")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OperationScreen) and app.screen.op.name == "recovery.dlq_requeue"


async def test_pod_logs_opens_the_pod() -> None:
    app = EcoApp(snapshot=sc.fixture("incident"), read_only=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _highlight(app, pilot, "crash_loop")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, PodScreen) and app.screen.pod.name == "waste-api-7d9f4c-1x4q"


async def test_an_action_the_console_cannot_do_is_said_not_opened() -> None:
    app = EcoApp(snapshot=sc.fixture("incident"), read_only=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _highlight(app, pilot, "node_not_ready")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)
        assert any(
            "drain-node: not an operation of this console yet" in n.message for n in app._notifications
        )


async def test_read_only_refuses_a_mutating_operation() -> None:
    snap = sc.fixture("incident")
    app = EcoApp(snapshot=snap, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await _highlight(app, pilot, "wal_backlog")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)
        assert any("read-only" in n.message for n in app._notifications)


def test_operation_for() -> None:
    assert operation_for(Action(operation="wal-sync-now", params={"worker": "storage"})) == (
        "recovery.wal_sync",
        {"worker": "storage"},
    )
    assert operation_for(Action(operation="drain-node", params={"node": "n"})) is None
