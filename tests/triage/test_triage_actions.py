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


@pytest.mark.parametrize(
    ("rule", "key", "read_only", "opens", "says"),
    [
        ("dead_letters", "enter", False, "operation recovery.dlq_requeue", None),
        ("crash_loop", "a", False, "pod waste-api-7d9f4c-1x4q", None),
        ("node_not_ready", "a", False, "triage", "drain-node: not an operation of this console yet"),
        ("wal_backlog", "a", True, "triage", "prod is read-only: recovery.wal_sync changes prod"),
    ],
    ids=["enter-opens-requeue", "pod-logs-opens-the-pod", "no-such-operation", "read-only"],
)
async def test_what_the_key_opens(rule: str, key: str, read_only: bool, opens: str, says: str | None) -> None:
    app = EcoApp(snapshot=sc.fixture("incident"), read_only=read_only)
    async with app.run_test(size=(120, 40)) as pilot:
        await _highlight(app, pilot, rule)
        await pilot.press(key)
        await pilot.pause()
        screen = app.screen
        if isinstance(screen, OperationScreen):
            shown = f"operation {screen.op.name}"
        elif isinstance(screen, PodScreen):
            shown = f"pod {screen.pod.name}"
        else:
            shown = "triage" if isinstance(screen, TriageScreen) else repr(screen)
        assert shown == opens
        if says is not None:
            assert any(says in n.message for n in app._notifications)


def test_operation_for() -> None:
    assert operation_for(Action(operation="wal-sync-now", params={"worker": "storage"})) == (
        "recovery.wal_sync",
        {"worker": "storage"},
    )
    assert operation_for(Action(operation="drain-node", params={"node": "n"})) is None


def test_option_ids_are_unique_when_findings_share_rule_and_subject() -> None:
    from ecoeco.console.screens.triage import finding_ids
    from ecoeco.console.triage import Finding

    a = Finding(rule="alert_firing", severity="warning", title="x", subject="Alert/A")
    assert finding_ids([a, a, a]) == [
        "alert_firing|Alert/A",
        "alert_firing|Alert/A#2",
        "alert_firing|Alert/A#3",
    ]


async def test_sandbox_process_logs_on_demand(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """In the sandbox a process "pod" shows its own log file through the same pod screen."""
    from textual.widgets import Static

    from ecoeco.console.sources.cluster_local import LocalLogReader

    log = tmp_path / "ai.log"
    log.write_text("".join(f"ai line {i}\n" for i in range(300)), encoding="utf-8")
    app = EcoApp(snapshot=sc.s_sandbox_worker_down(), read_only=False)
    app.log_reader = LocalLogReader(lambda: {"components": [{"name": "ai", "log": str(log)}]})
    async with app.run_test(size=(120, 40)) as pilot:
        await _highlight(app, pilot, "process_down")
        assert isinstance(app.screen, TriageScreen)
        app.screen._open_pod("sandbox/ai")
        await pilot.pause()
        assert isinstance(app.screen, PodScreen)
        await pilot.press("l")
        pane = app.screen.query_one("#pod-logs", Static)
        for _ in range(200):
            if "ai line 299" in str(pane.render()):
                break
            await pilot.pause(0.02)
        assert "ai line 299" in str(pane.render()) and "ai line 99\n" not in str(pane.render())
