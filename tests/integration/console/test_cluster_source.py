"""cluster source (kubernetes variant) with the real ``kubernetes`` client against the loopback double."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.k8s_double.server import KubeDouble

from ecoeco.console.snapshot import Snapshot
from ecoeco.console.sources.base import SourceError
from ecoeco.console.sources.cluster_kube import KubeClusterSource
from ecoeco.shared.topology import DEFAULT_TOPOLOGY

pytestmark = pytest.mark.integration


def _poll(kube: KubeDouble) -> Snapshot:
    source = KubeClusterSource(str(kube.kubeconfig), kube.context)
    snap = Snapshot()
    source.apply(snap, source.poll())
    return snap


def test_healthy_cluster_maps_onto_the_13_topology_nodes(kube: KubeDouble) -> None:
    kube.scenario = "healthy"
    cluster = _poll(kube).cluster
    assert cluster.kind == "kubernetes" and cluster.context == "ecoeco-double"
    assert len(cluster.nodes) == 13 and {n.status for n in cluster.nodes} == {"Ready"}
    auth = next(n for n in cluster.nodes if n.name == "k8s-api-auth")
    assert auth.role == "api" and auth.labels["domain"] == "auth"
    assert auth.provider_id and auth.provider_id.startswith("aws:///ap-northeast-2")
    assert auth.cpu_capacity == 2.0 and auth.mem_capacity_bytes == 3969480 * 1024
    assert auth.mem_allocatable_bytes < auth.mem_capacity_bytes
    assert any(p.owner == "auth-api" and p.ready and p.phase == "Running" for p in auth.pods)
    rabbit = next(n for n in cluster.nodes if n.name == "k8s-rabbitmq")
    assert "node-role.kubernetes.io/infrastructure=true:NoSchedule" in rabbit.taints
    assert not cluster.events and not cluster.unscheduled
    assert {(w.kind, w.name) for w in cluster.workloads} >= {
        ("Deployment", "waste-api"),
        ("StatefulSet", "worker-ai"),
    }
    assert any(r.startswith("/api/v1/events?fieldSelector=type%3DWarning") for r in kube.requests)


def test_incident_shows_notready_node_bad_pods_and_failed_scheduling(kube: KubeDouble) -> None:
    kube.scenario = "incident"
    try:
        cluster = _poll(kube).cluster
    finally:
        kube.scenario = "healthy"
    nodes = {n.name: n for n in cluster.nodes}
    assert nodes["k8s-worker-ai"].status == "Unknown"  # the kubelet stopped posting: not NotReady
    assert "node.kubernetes.io/unreachable:NoExecute" in nodes["k8s-worker-ai"].taints
    chat = next(p for p in nodes["k8s-api-chat-llm"].pods if p.owner == "chat-llm-api")
    assert chat.waiting_reason == "CrashLoopBackOff" and chat.restarts == 17 and not chat.ready
    pulls = [p for p in nodes["k8s-api-recycle-info"].pods if p.waiting_reason == "ImagePullBackOff"]
    assert len(pulls) == 1 and pulls[0].phase == "Pending" and "v1.4.3" in pulls[0].message
    assert [p.name for p in cluster.unscheduled] == ["worker-ai-1"]
    failed = [e for e in cluster.events if e.reason == "FailedScheduling"]
    assert failed and "didn't match Pod's node selector" in failed[0].message
    assert failed[0].involved_object == "Pod/worker-ai-1" and failed[0].count == 14
    assert all(e.type == "Warning" for e in cluster.events)  # the Normal NodeNotReady event is filtered
    worker_ai = next(w for w in cluster.workloads if w.name == "worker-ai")
    assert (worker_ai.desired, worker_ai.ready) == (2, 0)


def test_a_topology_node_the_cluster_lacks_is_missing(
    kube: KubeDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    topo = yaml.safe_load(DEFAULT_TOPOLOGY.read_text())
    extra = dict(topo["nodes"][7], name="k8s-worker-batch", domain="batch")
    extra["labels"] = {**extra["labels"], "domain": "batch"}
    topo["nodes"].append(extra)
    path = tmp_path / "topology.yaml"
    path.write_text(yaml.safe_dump(topo))
    monkeypatch.setenv("ECOECO_TOPOLOGY", str(path))
    nodes = {n.name: n for n in _poll(kube).cluster.nodes}
    assert nodes["k8s-worker-batch"].status == "Missing" and not nodes["k8s-worker-batch"].pods
    assert nodes["k8s-worker-storage"].status == "Ready"


def test_unreachable_api_and_bad_kubeconfig_are_source_errors(tmp_path: Path) -> None:
    with KubeDouble() as gone:
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(yaml.safe_dump(gone.kubeconfig_dict()))
    with pytest.raises(Exception, match="(?i)connection refused|max retries"):
        KubeClusterSource(str(kubeconfig), "ecoeco-double", request_timeout_s=2).poll()
    with pytest.raises(SourceError, match="kubeconfig"):
        KubeClusterSource(str(tmp_path / "absent"), None).poll()
    with pytest.raises(SourceError, match="kubeconfig"):
        KubeClusterSource(str(kubeconfig), "no-such-context").poll()


def test_wrong_token_is_reported_with_the_status(kube: KubeDouble, tmp_path: Path) -> None:
    config = kube.kubeconfig_dict()
    config["users"][0]["user"]["token"] = "wrong"
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(SourceError, match="kubernetes API: 401"):
        KubeClusterSource(str(path), kube.context).poll()
