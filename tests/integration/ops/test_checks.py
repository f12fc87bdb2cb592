"""The ``checks`` operation (the seed's check-* scripts) with the real kubernetes client against the
loopback Kubernetes double, which serves ArgoCD's ``argoproj.io/v1alpha1`` Applications too: read-only
(runs in read-only mode, writes nothing), one item per check, a failing check named with its facts."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.integration.ops.conftest import Recorder
from tests.k8s_double.server import DATA, KubeDouble

from ecoeco.console.ops import ItemStatus, OperationRunner
from ecoeco.console.ops.checks import Checks


@pytest.fixture
def double(tmp_path: Path) -> Iterator[KubeDouble]:
    """The recorded scenarios plus "broken": healthy with drift, a bad providerID, an app out of sync,
    and "no-argocd": healthy without the Applications CRD."""
    data = tmp_path / "scenarios"
    for name in ("healthy", "incident"):
        shutil.copytree(DATA / name, data / name)
    shutil.copytree(DATA / "healthy", data / "broken")
    nodes = json.loads((data / "broken" / "nodes.json").read_text())
    by_name = {n["metadata"]["name"]: n for n in nodes["items"]}
    by_name["k8s-api-auth"]["metadata"]["labels"]["workload"] = "worker"
    by_name["k8s-redis"]["spec"].pop("taints", None)
    by_name["k8s-api-waste"]["spec"]["providerID"] = "aws:///ap-northeast-2a/"
    (data / "broken" / "nodes.json").write_text(json.dumps(nodes))
    apps = json.loads((data / "broken" / "applications.json").read_text())
    apps["items"][1]["status"] = {"sync": {"status": "OutOfSync"}, "health": {"status": "Progressing"}}
    (data / "broken" / "applications.json").write_text(json.dumps(apps))
    shutil.copytree(DATA / "healthy", data / "no-argocd")
    (data / "no-argocd" / "applications.json").unlink()
    with KubeDouble("healthy", data=data) as kube:
        yield kube


@pytest.fixture
def runner(double: KubeDouble, make_runner: Callable[..., OperationRunner]) -> OperationRunner:
    return make_runner(
        cluster="kubernetes", kubeconfig=str(double.kubeconfig), kube_context=double.context, read_only=True
    )


def items(recorder: Recorder) -> dict[str, tuple[str, str]]:
    return {e.item: (e.state, e.detail) for e in recorder.of(ItemStatus)}


def test_a_healthy_cluster_passes_every_check_in_read_only_mode(
    runner: OperationRunner, recorder: Recorder, double: KubeDouble
) -> None:
    plan = runner.plan(Checks(), {})
    assert not plan.changes and "changes nothing" in plan.summary[0]
    outcome = runner.run(plan)
    assert outcome.result == "succeeded", outcome.message
    assert outcome.message == "4 check(s) passed"
    got = items(recorder)
    assert got["cluster"] == ("ok", "API server v1.31.4")
    assert got["nodes"] == ("ok", "13 nodes as the topology says")
    assert got["provider-id"][0] == "ok"
    assert got["argocd"] == ("ok", "12 Applications Synced and Healthy")
    assert double.writes == []
    assert any("/apis/argoproj.io/v1alpha1/namespaces/argocd/applications" in r for r in double.requests)


def test_drift_provider_id_and_an_unsynced_app_fail_with_their_facts(
    runner: OperationRunner, recorder: Recorder, double: KubeDouble
) -> None:
    double.scenario = "broken"
    outcome = runner.run(runner.plan(Checks(), {}))
    assert outcome.result == "failed" and outcome.exit_code == 1
    assert outcome.message == "3 of 4 check(s) failed: nodes, provider-id, argocd"
    problems = outcome.data["checks"]
    assert problems["nodes"]["problems"] == [
        "k8s-api-auth: label workload=worker (topology: api)",
        "k8s-redis: taint node-role.kubernetes.io/infrastructure=true:NoSchedule missing",
    ]
    assert problems["provider-id"]["problems"] == [
        "k8s-api-waste: providerID aws:///ap-northeast-2a/ is not aws:///<az>/<instance-id>: "
        "the ALB cannot register the node"
    ]
    assert problems["argocd"]["problems"] == ["ecoeco-apis: OutOfSync/Progressing"]


def test_the_incident_names_the_degraded_apps(runner: OperationRunner, double: KubeDouble) -> None:
    double.scenario = "incident"
    outcome = runner.run(runner.plan(Checks(), {"only": ["argocd"]}))
    assert outcome.result == "failed"
    assert outcome.data["checks"]["argocd"]["problems"] == [
        "recycle-info-api: OutOfSync/Degraded (Deployment recycle-info-api: ImagePullBackOff (rollout stuck))",
        "chat-llm-api: Synced/Degraded (Deployment chat-llm-api: 0/1 ready (CrashLoopBackOff))",
    ]


def test_no_argocd_and_an_unreachable_cluster(
    runner: OperationRunner,
    recorder: Recorder,
    double: KubeDouble,
    make_runner: Callable[..., OperationRunner],
) -> None:
    double.scenario = "no-argocd"
    outcome = runner.run(runner.plan(Checks(), {"only": ["argocd"]}))
    assert outcome.data["checks"]["argocd"]["problems"] == [
        "no argoproj.io/v1alpha1 Applications: ArgoCD is not installed (stage argocd)"
    ]
    kubeconfig = Path(str(double.kubeconfig)).read_text().replace(double.url, "http://127.0.0.1:9")
    dead = double.kubeconfig.parent / "dead"  # type: ignore[union-attr]
    dead.write_text(kubeconfig)
    gone = make_runner(cluster="kubernetes", kubeconfig=str(dead), kube_context=double.context)
    outcome = gone.run(gone.plan(Checks(), {}))
    assert outcome.result == "failed"
    assert outcome.message.startswith("4 of 4 check(s) failed")
    assert outcome.data["checks"]["cluster"]["problems"][0].startswith("not reachable: ")
    assert outcome.data["checks"]["nodes"]["problems"] == ["cluster not reachable"]


def test_the_sandbox_skips_the_checks_and_says_why(make_runner: Callable[..., OperationRunner]) -> None:
    runner = make_runner(cluster="local")
    outcome = runner.run(runner.plan(Checks(), {}))
    assert outcome.result == "succeeded"
    assert outcome.message == "4 check(s) skipped: the sandbox is a local cluster (simulated)"
