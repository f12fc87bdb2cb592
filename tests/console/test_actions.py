"""Pilot tests of the Actions and Audit areas: read-only hides every operation that changes anything,
and infrastructure changes need the environment's name typed in full (focus starts on Cancel). The
operation behind the confirmation test is the real terraform.apply on a built-in-provider module."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from textual.widgets import Button, Input, Log, OptionList
from tui_support import wait_until

from ecoeco.console.app import EcoApp
from ecoeco.console.config import Profile
from ecoeco.console.ops import OperationRunner
from ecoeco.console.ops.registry import operations
from ecoeco.console.ops.terraform import TerraformInit
from ecoeco.console.screens.actions import ActionsScreen, ConfirmScreen, OperationScreen
from ecoeco.console.screens.audit import AuditScreen

SIZE = (120, 40)
TF_FIXTURE = Path(__file__).parents[1] / "integration" / "ops" / "tf" / "nodes"
TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "state"
    monkeypatch.setenv("ECOECO_CONSOLE_STATE_DIR", str(path))
    rc = tmp_path / "terraformrc"
    rc.write_text("")
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(rc))
    return path


def listed(app: EcoApp) -> list[str]:
    options = app.screen.query_one("#actions-list", OptionList)
    return [o.id for o in (options.get_option_at_index(i) for i in range(options.option_count)) if o.id]


async def test_read_only_hides_every_operation_that_changes_anything(state: Path) -> None:
    profile = Profile(name="prod", environment="prod", read_only=True)
    app = EcoApp(profile)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsScreen))
        shown = listed(app)
        expected = [name for name, op in operations().items() if not op.mutates]
        assert shown == expected
        assert "terraform.apply" not in shown and "recovery.dlq_requeue" not in shown
        note = str(app.screen.query_one("#actions-note").render())
        hidden = sum(op.mutates for op in operations().values())
        assert f"read-only: {hidden} operations that change prod are hidden" in note


async def test_a_writable_profile_lists_everything(state: Path) -> None:
    app = EcoApp(Profile(name="staging", environment="staging"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsScreen))
        assert listed(app) == list(operations())


@pytest.mark.skipif(not Path(TERRAFORM).exists(), reason="terraform binary not installed")
async def test_apply_needs_the_environment_typed_in_full(state: Path, tmp_path: Path) -> None:
    module = tmp_path / "module"
    shutil.copytree(TF_FIXTURE, module)
    profile = Profile(
        name="staging", environment="staging", terraform_dir=str(module), terraform_bin=TERRAFORM
    )
    init = OperationRunner(profile, state_dir=state)
    assert init.run(init.plan(TerraformInit(), {}), timeout=120).ok

    app = EcoApp(profile)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsScreen))
        app.push_screen(OperationScreen(operations()["terraform.apply"]))
        await wait_until(pilot, lambda: isinstance(app.screen, OperationScreen))
        screen = app.screen
        assert isinstance(screen, OperationScreen)
        await wait_until(pilot, lambda: bool(screen.query("#op-plan-button")))
        await pilot.click("#op-plan-button")
        await wait_until(pilot, lambda: screen.plan is not None, timeout=60)
        assert "Plan: 2 to add, 0 to change, 0 to destroy." in str(screen.query_one("#op-plan").render())

        # The first confirmation: Enter out of habit lands on Cancel, and nothing runs.
        await pilot.click("#op-run")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.focused is not None and app.focused.id == "confirm-cancel"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen)
        assert screen.handle is None
        assert "terraform.apply" not in (state / "audit.jsonl").read_text()  # only the init so far

        # The second: a partial name keeps Run disabled; the full name runs exactly that plan.
        await pilot.click("#op-run")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        modal = app.screen
        modal.query_one("#confirm-env", Input).focus()
        await pilot.press(*"stag")
        await pilot.pause()
        assert modal.query_one("#confirm-run", Button).disabled
        await pilot.press(*"ing")
        await pilot.pause()
        assert not modal.query_one("#confirm-run", Button).disabled
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(
            pilot, lambda: "== succeeded" in "\n".join(screen.query_one("#op-log", Log).lines), timeout=60
        )
        text = "\n".join(screen.query_one("#op-log", Log).lines)
        assert 'terraform_data.node["k8s-master"]' in text and "Apply complete!" in text

        # The Audit area shows the run.
        await pilot.press("escape", "9")
        await wait_until(pilot, lambda: isinstance(app.screen, AuditScreen))
        table = app.screen.query_one("#audit-table")
        assert table.row_count == 2  # init and apply
    records = [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()]
    start = [r for r in records if r["record"] == "start" and r["operation"] == "terraform.apply"]
    assert len(start) == 1 and start[0]["confirmed"] is True


async def test_checks_run_in_read_only_and_show_each_check(state: Path) -> None:
    from tests.k8s_double.server import KubeDouble

    with KubeDouble("incident") as kube:
        profile = Profile(
            name="prod", environment="prod", read_only=True, cluster="kubernetes",
            kubeconfig=str(kube.kubeconfig), kube_context=kube.context,
        )  # fmt: skip
        app = EcoApp(profile)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("8")
            await wait_until(pilot, lambda: isinstance(app.screen, ActionsScreen))
            assert "checks" in listed(app)
            app.push_screen(OperationScreen(operations()["checks"]))
            await wait_until(pilot, lambda: bool(app.screen.query("#op-plan-button")))
            screen = app.screen
            assert isinstance(screen, OperationScreen)
            await pilot.click("#op-plan-button")
            await wait_until(pilot, lambda: screen.plan is not None)
            await pilot.click("#op-run")  # a check: no confirmation
            # The kubernetes client's first import is slow on a loaded machine: a generous bound.
            await wait_until(
                pilot, lambda: "== failed" in "\n".join(screen.query_one("#op-log", Log).lines), timeout=90
            )
            text = "\n".join(screen.query_one("#op-log", Log).lines)
            assert "argocd: recycle-info-api: OutOfSync/Degraded" in text
            lines = screen.query_one("#op-log", Log).lines
            assert len(lines) == len(set(lines))  # each event once, however early it came
        assert kube.writes == []


async def test_the_screen_says_what_is_simulated(state: Path) -> None:
    profile = Profile(name="sandbox", environment="sandbox", aws_endpoint_url="http://127.0.0.1:9")
    app = EcoApp(profile)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(OperationScreen(operations()["quota.request"]))
        await wait_until(pilot, lambda: bool(app.screen.query("#op-plan")))
        note = str(app.screen.query_one("#op-plan").render())
        assert "simulated: a local AWS endpoint, no real account" in note


async def test_the_sandbox_says_its_restarts_are_simulated(state: Path) -> None:
    app = EcoApp(Profile(name="sandbox", environment="sandbox", sandbox=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsScreen))
        assert "restart" in listed(app)
        note = str(app.screen.query_one("#actions-note").render())
        assert "restarts are simulated: the sandbox restarts its own processes" in note

        # The confirmation says it too, next to the plan.
        from ecoeco.console.ops import Plan
        from ecoeco.console.ops.registry import simulated_note
        from ecoeco.console.ops.restart import RestartParams

        op = operations()["restart"]
        plan = Plan(params=RestartParams(target="ai"), summary=("restart sandbox process ai",))
        app.push_screen(
            ConfirmScreen(op, plan, environment="sandbox", typed=True, phrase=None,
                          simulated=simulated_note(op, app.profile))
        )  # fmt: skip
        await wait_until(pilot, lambda: bool(app.screen.query("#confirm-cancel")))
        await pilot.pause()
        shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "simulated: the sandbox restarts its own process; no Kubernetes rollout" in shown


async def test_restart_in_the_tui_needs_the_name_typed_then_rolls_out(state: Path) -> None:
    """The restart operation on the Kubernetes double: plan, Cancel first, the name typed, the rollout."""
    from tests.k8s_double.server import KubeDouble

    with KubeDouble("healthy") as kube:
        kube.accept_restarts = True
        profile = Profile(
            name="staging", environment="staging", cluster="kubernetes",
            kubeconfig=str(kube.kubeconfig), kube_context=kube.context,
        )  # fmt: skip
        app = EcoApp(profile)
        async with app.run_test(size=SIZE) as pilot:
            app.push_screen(OperationScreen(operations()["restart"]))
            await wait_until(pilot, lambda: bool(app.screen.query("#param-target")))
            screen = app.screen
            assert isinstance(screen, OperationScreen)
            screen.query_one("#param-target", Input).value = "ai"
            screen.query_one("#param-poll_s", Input).value = "0.1"
            await pilot.click("#op-plan-button")
            await wait_until(pilot, lambda: screen.plan is not None, timeout=60)
            assert "StatefulSet ecoeco/worker-ai" in str(screen.query_one("#op-plan").render())

            await pilot.click("#op-run")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert app.focused is not None and app.focused.id == "confirm-cancel"
            modal = app.screen
            modal.query_one("#confirm-env", Input).focus()
            await pilot.press(*"staging")
            await pilot.pause()
            assert kube.writes == []  # nothing changed before the confirmation
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.screen is screen)
            await wait_until(
                pilot, lambda: "== succeeded" in "\n".join(screen.query_one("#op-log", Log).lines), timeout=60
            )
        assert len(kube.writes) == 1 and "/statefulsets/worker-ai" in kube.writes[0]
