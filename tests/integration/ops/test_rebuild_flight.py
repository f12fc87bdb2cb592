"""The rebuild runs terraform, site.yml and replaces the workloads: while it runs, no ansible.run,
restart or terraform operation starts on its environment (the CLI refuses with exit 3 and names the
rebuild's run, who started it and since when), and no rebuild starts while one of those runs.

The rebuild here is the real operation class (its kind and lock kinds) with a run that waits to be
cancelled; the refused side is the real CLI in its own process, on the same state dir."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.ops.conftest import audit_records, console
from tests.k8s_double.server import KubeDouble

from ecoeco.console.config import Profile
from ecoeco.console.ops import FlightBusy, OperationRunner, RunHandle
from ecoeco.console.ops.ansible import AnsibleRun, StagesParams
from ecoeco.console.ops.base import CancelToken, Emit, OperationContext, Plan, Result
from ecoeco.console.ops.rebuild import Rebuild, RebuildParams
from ecoeco.console.ops.state import who

FIXTURE = Path(__file__).parent / "ansible"
WAIT = 60.0


class WaitingRebuild(Rebuild):
    """The rebuild's declaration (name, kind, lock kinds, confirmation) with a run that waits."""

    def plan(self, params: RebuildParams, ctx: OperationContext) -> Plan[RebuildParams]:
        return Plan(params=params, summary=("rebuild (test: waits until cancelled)",))

    def run(self, plan: Plan[RebuildParams], emit: Emit, cancel: CancelToken) -> Result:
        while not cancel.wait(0.05):
            pass
        cancel.check()
        return Result()


class WaitingAnsibleRun(AnsibleRun):
    def plan(self, params: StagesParams, ctx: OperationContext) -> Plan[StagesParams]:
        return Plan(params=params, summary=("site.yml (test: waits until cancelled)",))

    def run(self, plan: Plan[StagesParams], emit: Emit, cancel: CancelToken) -> Result:
        while not cancel.wait(0.05):
            pass
        cancel.check()
        return Result()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "ansible"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture
def kube() -> Iterator[KubeDouble]:
    with KubeDouble("healthy") as double:
        yield double


@pytest.fixture
def runner(state: Path) -> OperationRunner:
    """This console, on the CLI's default profile (the sandbox) and the same state dir."""
    return OperationRunner(Profile(name="sandbox", environment="sandbox"), state_dir=state)


def running(runner: OperationRunner, op: object, **params: object) -> Iterator[RunHandle]:
    handle = runner.start(runner.plan(op, params), confirm="sandbox")  # type: ignore[arg-type]
    try:
        yield handle
    finally:
        handle.cancel()
        assert handle.wait(WAIT) is not None


def test_ansible_run_and_restart_are_refused_on_the_cli_while_a_rebuild_runs(
    runner: OperationRunner, state: Path, project: Path, kube: KubeDouble
) -> None:
    me = who()
    for handle in running(runner, WaitingRebuild()):
        for kind in ("terraform", "ansible", "restart"):
            assert (
                json.loads((state / "locks" / f"{kind}@sandbox.lock").read_text())["run_id"] == handle.run_id
            )
        refused = console(
            ["op", "ansible.run", "-p", "stages=hello", "-p", f"inventory={project / 'inventory.yml'}",
             "--confirm", "sandbox"],
            state, ansible_dir=str(project),
        )  # fmt: skip
        assert refused.returncode == 3, refused.stderr
        err = refused.stderr
        assert "rebuild is running on sandbox and holds its ansible lock" in err
        assert f"rebuild run {handle.run_id} by {me.user}@{me.host}" in err and "since 20" in err
        assert "nothing was run" in err
        assert not (project / "out").exists()  # the stage did not run

        restart = console(
            ["op", "restart", "-p", "target=storage", "--confirm", "sandbox"], state,
            cluster="kubernetes", kubeconfig=str(kube.kubeconfig), kube_context=kube.context,
        )  # fmt: skip
        assert restart.returncode == 3, restart.stderr
        assert f"rebuild run {handle.run_id}" in restart.stderr and "holds its restart lock" in restart.stderr
        assert kube.writes == []  # nothing was restarted
    refusals = [(r["operation"], r["reason"]) for r in audit_records(state) if r["record"] == "refused"]
    assert refusals == [("ansible.run", "busy"), ("restart", "busy")]
    # The rebuild ended: every lock it held is free again.
    for kind in ("terraform", "ansible", "restart"):
        assert (state / "locks" / f"{kind}@sandbox.lock").read_text() == ""


def test_a_rebuild_is_refused_while_an_ansible_run_runs(runner: OperationRunner, state: Path) -> None:
    me = who()
    for handle in running(runner, WaitingAnsibleRun(), stages=["hello"]):
        other = OperationRunner(Profile(name="sandbox", environment="sandbox"), state_dir=state)
        with pytest.raises(FlightBusy) as busy:
            other.start(other.plan(WaitingRebuild(), {}), confirm="sandbox")
        message = str(busy.value)
        assert message.startswith("an ansible operation is already running on sandbox: ")
        assert f"ansible.run run {handle.run_id} by {me.user}@{me.host}" in message and "since 20" in message
        # All or none: the terraform lock the rebuild took first was given back.
        assert (state / "locks" / "terraform@sandbox.lock").read_text() == ""
