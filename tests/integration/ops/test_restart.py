"""``restart`` on Kubernetes: the real ``kubernetes`` client against the loopback API double, which
applies a rollout restart's patch and advances the rollout one pod per read; through the real runner
and the real CLI (read-only, typed confirmation, audit). The sandbox side runs against a real sandbox
in tests/integration/sandbox/test_sandbox_supervision.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.integration.ops.conftest import Recorder, audit_records
from tests.k8s_double.server import RESTARTED_AT, KubeDouble

from ecoeco.console.errors import OperatorError
from ecoeco.console.ops import ItemStatus, OperationRunner, Progress, Refused
from ecoeco.console.ops.restart import RolloutRestart

CONSOLE = Path(sys.executable).with_name("ecoeco-console")
WAIT = 60.0


@pytest.fixture
def kube() -> Iterator[KubeDouble]:
    with KubeDouble("healthy") as double:
        double.accept_restarts = True
        yield double


@pytest.fixture
def runner(make_runner: Callable[..., OperationRunner], kube: KubeDouble) -> OperationRunner:
    return make_runner(cluster="kubernetes", kubeconfig=str(kube.kubeconfig), kube_context=kube.context)


def _patches(kube: KubeDouble) -> list[tuple[str, dict]]:
    out = []
    for write in kube.writes:
        method, path, body = write.split(" ", 2)
        assert method == "PATCH", write
        out.append((path, json.loads(body)))
    return out


def test_plan_reads_only_and_names_the_workload(runner: OperationRunner, kube: KubeDouble) -> None:
    plan = runner.plan(RolloutRestart(), {"target": "storage"})
    assert "StatefulSet ecoeco/worker-storage (1 pod(s), RollingUpdate)" in plan.summary[0]
    assert kube.writes == []


def test_statefulset_restart_patches_the_template_and_waits_for_the_rollout(
    runner: OperationRunner, kube: KubeDouble, recorder: Recorder, state: Path
) -> None:
    plan = runner.plan(RolloutRestart(), {"target": "storage", "poll_s": 0.1})
    outcome = runner.run(plan, confirm="staging", timeout=WAIT)
    assert outcome.ok, outcome.message
    assert "rolled out" in outcome.message

    ((path, body),) = _patches(kube)
    assert path.startswith("/apis/apps/v1/namespaces/ecoeco/statefulsets/worker-storage")
    assert RESTARTED_AT in body["spec"]["template"]["metadata"]["annotations"]
    # Progress went through "not yet" before "done": it waited for the controller, not just the patch.
    progress = recorder.of(Progress)
    assert progress[0].done == 0 and progress[-1].done == progress[-1].total == 1
    assert "rolled out" in progress[-1].label
    assert recorder.of(ItemStatus)[-1].state == "changed"
    assert [r["record"] for r in audit_records(state)] == ["start", "end"]


def test_deployment_restart_waits_for_the_old_pod_to_go(
    runner: OperationRunner, kube: KubeDouble, recorder: Recorder
) -> None:
    outcome = runner.run(runner.plan(RolloutRestart(), {"target": "auth", "poll_s": 0.1}), confirm="staging")
    assert outcome.ok, outcome.message
    ((path, _),) = _patches(kube)
    assert "/deployments/auth-api" in path
    labels = [p.label for p in recorder.of(Progress)]
    assert any("old pod(s) terminating" in label or "updated" in label for label in labels[:-1])


def test_the_restart_needs_the_environment_typed_and_read_only_refuses(
    make_runner: Callable[..., OperationRunner], runner: OperationRunner, kube: KubeDouble, state: Path
) -> None:
    plan = runner.plan(RolloutRestart(), {"target": "ai"})
    for typed in (None, "prod"):
        with pytest.raises(Refused):
            runner.start(plan, confirm=typed)
    ro = make_runner(
        cluster="kubernetes", kubeconfig=str(kube.kubeconfig), kube_context=kube.context, read_only=True
    )
    assert ro.unavailable(RolloutRestart())
    with pytest.raises(Refused):
        ro.plan(RolloutRestart(), {"target": "ai"})
    assert kube.writes == []
    assert [r["reason"] for r in audit_records(state)] == ["confirmation", "confirmation", "read-only"]


def test_a_refused_patch_fails_with_the_api_s_answer(runner: OperationRunner, kube: KubeDouble) -> None:
    plan = runner.plan(RolloutRestart(), {"target": "ai"})
    kube.accept_restarts = False  # RBAC without patch rights
    outcome = runner.run(plan, confirm="staging", timeout=WAIT)
    assert outcome.result == "failed" and "HTTP 403" in outcome.message


def test_an_unknown_target_is_refused_before_anything_is_read(
    runner: OperationRunner, kube: KubeDouble
) -> None:
    with pytest.raises(OperatorError, match="is not a worker or API"):
        runner.plan(RolloutRestart(), {"target": "postgresql"})
    assert kube.writes == []


# --- the CLI --------------------------------------------------------------------------------------------


def console(args: list[str], state: Path, kube: KubeDouble) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOECO_")}
    env |= {
        "ECOECO_CONSOLE_STATE_DIR": str(state),
        "ECOECO_CONSOLE_CONFIG": str(state / "absent.toml"),
        "ECOECO_CONSOLE_CLUSTER": "kubernetes",
        "ECOECO_CONSOLE_KUBECONFIG": str(kube.kubeconfig),
        "ECOECO_CONSOLE_KUBE_CONTEXT": kube.context,
    }
    return subprocess.run([str(CONSOLE), *args], env=env, capture_output=True, text=True, timeout=120)


def test_cli_read_only_confirmation_and_a_streamed_restart(tmp_path: Path, kube: KubeDouble) -> None:
    state = tmp_path / "cli-state"
    refused = console(["--read-only", "op", "restart", "-p", "target=storage"], state, kube)
    assert refused.returncode == 3 and "read-only" in refused.stderr
    unconfirmed = console(["op", "restart", "-p", "target=storage"], state, kube)
    assert unconfirmed.returncode == 3 and "--confirm sandbox" in unconfirmed.stderr
    assert kube.writes == []

    done = console(
        ["op", "restart", "-p", "target=storage", "-p", "poll_s=0.1", "--confirm", "sandbox", "--json"],
        state,
        kube,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0]["event"] == "plan"
    assert any(e["event"] == "progress" for e in lines)
    assert lines[-1]["event"] == "finished" and lines[-1]["result"] == "succeeded"
    assert len(kube.writes) == 1
    assert [r["record"] for r in audit_records(state)] == ["refused", "refused", "start", "end"]
