"""Issue 8, "cluster truth": what the cluster says, read by the real ``kubernetes`` client from the
loopback double's recorded v1.31 JSON (``tests/k8s_double/record.py``), one test per fault.

Scenarios: ``healthy``; ``incident`` (k8s-worker-ai lost, its pods Terminating, a crash loop, an image
pull failure, a Pending StatefulSet pod); ``degraded`` (looks fine at a glance: a CNI-less node, pressure,
a stuck rollout whose old pods serve, label/taint/providerID drift, Job pods, 66 events).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from tests.k8s_double.server import TOKEN, KubeDouble

from ecoeco.console import health
from ecoeco.console.snapshot import ClusterState, NodeInfo, PodInfo, Snapshot, WorkloadInfo
from ecoeco.console.sources.cluster_kube import KubeClusterSource

pytestmark = pytest.mark.integration


def ts(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


RECORDED = ts("2026-11-20T09:12:44Z")  # when the double's cluster was "recorded"


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[dict[str, ClusterState], KubeDouble]]:
    """Each scenario polled once through one double; the double is kept to inspect what it was sent."""
    out: dict[str, ClusterState] = {}
    with KubeDouble() as kube:
        source = KubeClusterSource(str(kube.kubeconfig), kube.context)
        for scenario in ("healthy", "incident", "degraded"):
            kube.scenario = scenario
            snap = Snapshot()
            source.apply(snap, source.poll())
            out[scenario] = snap.cluster
        yield out, kube


@pytest.fixture(scope="module")
def healthy(clusters: tuple[dict[str, ClusterState], KubeDouble]) -> ClusterState:
    return clusters[0]["healthy"]


@pytest.fixture(scope="module")
def incident(clusters: tuple[dict[str, ClusterState], KubeDouble]) -> ClusterState:
    return clusters[0]["incident"]


@pytest.fixture(scope="module")
def degraded(clusters: tuple[dict[str, ClusterState], KubeDouble]) -> ClusterState:
    return clusters[0]["degraded"]


def node(cluster: ClusterState, name: str) -> NodeInfo:
    return next(n for n in cluster.nodes if n.name == name)


def pod(cluster: ClusterState, prefix: str) -> PodInfo:
    return next(p for p in cluster.all_pods() if p.name.startswith(prefix))


def workload(cluster: ClusterState, name: str) -> WorkloadInfo:
    return next(w for w in cluster.workloads if w.name == name)


# --- node conditions --------------------------------------------------------------------------------


def test_healthy_nodes_have_every_condition_and_no_problem(healthy: ClusterState) -> None:
    for n in healthy.nodes:
        assert {c.type for c in n.conditions} == {
            "Ready", "MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"
        }  # fmt: skip
        assert n.status == "Ready" and not health.node_condition_problems(n) and not n.drift
        assert health.node_health(n, RECORDED) == "ok", n.name


def test_a_lost_node_is_unknown_with_the_controllers_words_not_notready(incident: ClusterState) -> None:
    lost = node(incident, "k8s-worker-ai")
    ready = lost.condition("Ready")
    assert lost.status == "Unknown" and health.node_lost(lost)
    assert ready is not None and ready.reason == "NodeStatusUnknown"
    assert ready.message == "Kubelet stopped posting node status."
    assert ready.since == ts("2026-11-20T09:04:41Z") and ready.heartbeat == ts("2026-11-20T09:03:58Z")
    # one finding (Ready Unknown), not four: the controller set every kubelet condition Unknown at once
    assert [c.type for c in health.node_condition_problems(lost)] == ["Ready"]
    assert health.node_health(lost) == "bad"


def test_a_notready_node_carries_the_kubelets_reason_and_network_unavailable(degraded: ClusterState) -> None:
    auth = node(degraded, "k8s-api-auth")
    ready, network = auth.condition("Ready"), auth.condition("NetworkUnavailable")
    assert auth.status == "NotReady" and not health.node_lost(auth)
    assert ready is not None and ready.reason == "KubeletNotReady"
    assert ready.message is not None and "cni plugin not initialized" in ready.message
    assert ready.since == ts("2026-11-20T08:58:03Z")
    assert network is not None and network.status == "True" and network.reason == "CalicoIsDown"
    assert health.node_health(auth) == "bad"


@pytest.mark.parametrize(("name", "condition"), [("k8s-worker-storage", "MemoryPressure"), ("k8s-monitoring", "DiskPressure")])  # fmt: skip
def test_a_node_under_pressure_is_not_green(degraded: ClusterState, name: str, condition: str) -> None:
    n = node(degraded, name)
    cond = n.condition(condition)
    assert n.status == "Ready"  # Ready, and yet...
    assert cond is not None and cond.status == "True" and cond.since == ts("2026-11-20T09:02:10Z")
    assert [c.type for c in health.node_condition_problems(n)] == [condition]
    assert health.node_health(n, RECORDED) == "warn"
    assert not n.drift  # the kubelet's pressure taint is state, not drift from the topology


# --- pods -------------------------------------------------------------------------------------------


def test_the_pods_own_ready_condition_wins_over_stale_container_flags(incident: ClusterState) -> None:
    calico = next(p for p in node(incident, "k8s-worker-ai").pods if p.owner == "calico-node")
    assert calico.containers[0].ready  # what the lost kubelet last wrote
    assert not calico.ready  # what the node controller says, and what Services route by
    assert calico.owner_kind == "DaemonSet"


def test_a_pod_terminating_on_a_lost_node_says_since_when_and_turns_bad(incident: ClusterState) -> None:
    p = pod(incident, "worker-ai-0")
    assert p.terminating and p.grace_period_s == 30
    assert p.deletion_timestamp == ts("2026-11-20T09:10:16Z")
    assert p.terminating_since == ts("2026-11-20T09:09:46Z")
    assert health.pod_state(p) == "Terminating"
    assert health.pod_health(p, now=ts("2026-11-20T09:10:00Z")) == "warn"  # within its grace period
    assert health.pod_health(p, now=RECORDED) == "bad"  # 148 s past it: the kubelet is not confirming


def test_pods_carry_start_time_containers_last_state_and_images(incident: ClusterState) -> None:
    chat = pod(incident, "chat-llm-api-")
    assert chat.start_time == ts("2026-10-02T03:41:17Z") and chat.created_at == chat.start_time
    (c,) = chat.containers
    assert c.name == "chat-llm-api" and c.image == "ghcr.io/eco2-team/chat-llm-api:v1.4.2"
    assert c.state == "waiting" and c.reason == "CrashLoopBackOff" and c.restarts == 17
    last = c.last_terminated
    assert last is not None and (last.exit_code, last.reason) == (1, "Error")
    assert last.finished_at == ts("2026-11-20T09:07:33Z")
    running = pod(incident, "auth-api-").containers[0]
    assert running.state == "running" and running.started_at == ts("2026-10-02T03:41:17Z")


def test_a_pending_pod_shows_the_scheduler_message_and_nominated_node(degraded: ClusterState) -> None:
    am = pod(degraded, "alertmanager-0")
    assert am in degraded.unscheduled and am.phase == "Pending" and am.node is None
    assert am.nominated_node == "k8s-monitoring"
    assert am.message is not None and am.message.startswith("0/13 nodes are available: 1 Insufficient memory")
    assert am.created_at == ts("2026-11-20T09:03:30Z")


def test_pod_requests_and_what_the_node_has_free(degraded: ClusterState) -> None:
    """Requests are read from the pod spec (Kubernetes quantities) and a node's free room is its
    allocatable minus what the pods on it request: the Pending Alertmanager asks more than that."""
    am = pod(degraded, "alertmanager-0")
    assert (am.cpu_request_m, am.mem_request_bytes) == (500, 2 * 2**30)
    assert am.node_selector == {"domain": "monitoring"}
    mon = node(degraded, "k8s-monitoring")
    assert (pod(degraded, "prometheus-0").cpu_request_m, pod(degraded, "prometheus-0").mem_request_bytes) == (
        500,
        2 * 2**30,
    )
    assert {
        (p.cpu_request_m, p.mem_request_bytes) for p in mon.pods if not p.name.startswith("prometheus")
    } == {(100, 128 * 2**20)}
    free = health.node_free(mon)
    assert free.mem_allocatable_bytes == 3867080 * 1024 and free.cpu_allocatable_m == 2000
    held = [p for p in mon.pods if p.phase not in ("Succeeded", "Failed")]
    assert free.mem_bytes == free.mem_allocatable_bytes - sum(p.mem_request_bytes or 0 for p in held)
    assert free.cpu_m == 2000 - sum(p.cpu_request_m or 0 for p in held)
    assert free.mem_bytes is not None and 0 < free.mem_bytes < am.mem_request_bytes


def test_completed_job_pods_are_finished_work_not_unready(
    healthy: ClusterState, degraded: ClusterState
) -> None:
    job = pod(healthy, "db-migrate-v1-4-2-")
    assert job.phase == "Succeeded" and job.finished and not job.ready and job.owner_kind == "Job"
    assert job.containers[0].terminated is not None and job.containers[0].terminated.exit_code == 0
    assert health.pod_health(job) == "ok" and health.pod_state(job) == "Completed"
    auth = node(healthy, "k8s-api-auth")
    assert health.pods_ready(auth.pods) == (len(auth.pods) - 1, len(auth.pods) - 1)
    assert health.node_health(auth) == "ok"
    attempts = [p for p in degraded.all_pods() if p.owner == "points-rollup-29400480"]
    assert sorted(p.phase for p in attempts) == ["Failed", "Succeeded"]
    failed = next(p for p in attempts if p.phase == "Failed")
    assert health.pod_health(failed) == "warn"  # a retried attempt: history, not an outage


def test_pending_pods_count_on_the_all_nodes_row_and_their_workload(incident: ClusterState) -> None:
    assert [p.name for p in incident.unscheduled] == ["worker-ai-1"]
    assert len(incident.all_pods()) == sum(len(n.pods) for n in incident.nodes) + 1
    assert workload(incident, "worker-ai").pending == 1
    ready, expected = health.pods_ready(incident.all_pods())
    assert ready < expected


# --- workloads --------------------------------------------------------------------------------------


def test_a_stuck_rollout_whose_old_pods_serve_is_not_a_healthy_2_of_2(degraded: ClusterState) -> None:
    waste = workload(degraded, "waste-api")
    assert (waste.desired, waste.ready, waste.updated, waste.available, waste.unavailable) == (2, 2, 1, 2, 1)
    progressing = waste.condition("Progressing")
    assert progressing is not None and progressing.status == "False"
    assert progressing.reason == "ProgressDeadlineExceeded"
    assert health.workload_health(waste) == "bad"
    assert "ProgressDeadlineExceeded" in health.workload_summary(waste)
    assert "1/2 updated" in health.workload_summary(waste)


def test_a_rollout_in_progress_is_a_warning(incident: ClusterState) -> None:
    recycle = workload(incident, "recycle-info-api")
    assert recycle.unavailable == 1 and recycle.pending == 1
    assert health.workload_health(recycle) == "warn"


def test_statefulsets_and_daemonsets(
    healthy: ClusterState, incident: ClusterState, degraded: ClusterState
) -> None:
    kinds = {(w.kind, w.name) for w in healthy.workloads}
    assert {("DaemonSet", "calico-node"), ("DaemonSet", "kube-proxy")} <= kinds
    assert all(health.workload_health(w) == "ok" for w in healthy.workloads)
    calico = workload(degraded, "calico-node")
    assert (calico.desired, calico.ready, calico.available, calico.unavailable) == (13, 12, 12, 1)
    assert calico.nodes_without_ready_pod == ["k8s-api-auth"]
    assert health.workload_health(calico) == "warn"
    assert workload(incident, "kube-proxy").nodes_without_ready_pod == ["k8s-worker-ai"]
    worker_ai = workload(incident, "worker-ai")
    assert worker_ai.kind == "StatefulSet" and (worker_ai.desired, worker_ai.ready) == (2, 0)
    assert health.workload_health(worker_ai) == "bad"


# --- events -----------------------------------------------------------------------------------------


def test_events_k8s_io_shape_gives_the_series_count_and_latest_time(incident: ClusterState) -> None:
    (failed,) = [e for e in incident.events if e.reason == "FailedScheduling"]
    # read through core/v1, count and lastTimestamp are null: the truth is in eventTime and series
    assert failed.count == 14 and failed.source == "default-scheduler"
    assert failed.first_seen == ts("2026-11-20T09:05:02.451320Z")
    assert failed.last_seen == ts("2026-11-20T09:12:40.118034Z")


def test_events_are_one_per_object_and_reason_with_the_counts_summed(incident: ClusterState) -> None:
    keys = [(e.namespace, e.involved_object, e.reason) for e in incident.events]
    assert len(keys) == len(set(keys))
    (backoff,) = [e for e in incident.events if e.reason == "BackOff" and "chat-llm" in e.involved_object]
    assert backoff.count == 23 + 48 and backoff.last_seen == RECORDED
    assert backoff.first_seen == ts("2026-11-20T08:12:40Z")
    # older than an hour before the newest event: the API's TTL would have dropped it
    assert not [e for e in incident.events if e.reason == "Unhealthy"]
    assert [e.last_seen for e in incident.events] == sorted((e.last_seen for e in incident.events), reverse=True)  # fmt: skip


def test_no_fixed_cap_hides_the_newest_event(degraded: ClusterState) -> None:
    assert len(degraded.events) > 50  # 60 routine probe warnings and the news
    newest_scheduling = next(e for e in degraded.events if e.reason == "FailedScheduling")
    # its eventTime is 08:47 (the first occurrence); its latest is 09:12:31
    assert newest_scheduling.last_seen == ts("2026-11-20T09:12:31.904117Z")
    assert degraded.events.index(newest_scheduling) < 3


# --- labels and identity ----------------------------------------------------------------------------


def test_node_labels_are_read(healthy: ClusterState) -> None:
    auth = node(healthy, "k8s-api-auth")
    assert auth.labels["domain"] == "auth" and auth.labels["topology.kubernetes.io/zone"] == "ap-northeast-2a"


def test_drift_from_the_topology_and_a_bad_provider_id_are_flagged(degraded: ClusterState) -> None:
    assert node(degraded, "k8s-api-location").drift == ["label domain missing (topology: domain=location)"]
    assert node(degraded, "k8s-redis").drift == ["taint dedicated=redis:NoSchedule not in the topology"]
    (pid,) = node(degraded, "k8s-api-userinfo").drift
    assert pid.startswith("providerID aws:///ap-northeast-2b/ is not aws:///<az>/<instance-id>")
    assert health.node_health(node(degraded, "k8s-api-location"), RECORDED) == "warn"
    # what the missing label does: the location API's new pod cannot be placed
    location = pod(degraded, "location-api-")
    assert location in degraded.unscheduled and "didn't match Pod's node selector" in (location.message or "")


# --- the console only reads -------------------------------------------------------------------------


def test_observing_never_writes_to_the_cluster(clusters: tuple[dict[str, ClusterState], KubeDouble]) -> None:
    _, kube = clusters
    assert kube.requests and kube.writes == []


def test_the_double_records_writes() -> None:
    with KubeDouble() as kube:
        r = httpx.delete(
            f"{kube.url}/api/v1/namespaces/ecoeco/pods/x", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert r.status_code == 403 and kube.writes == ["DELETE /api/v1/namespaces/ecoeco/pods/x"]


# --- logs on demand ---------------------------------------------------------------------------------


def test_logs_current_and_previous_run_last_n_lines() -> None:
    from ecoeco.console.sources.base import SourceError
    from ecoeco.console.sources.cluster_kube import KubeLogReader

    with KubeDouble("incident") as kube:
        source = KubeClusterSource(str(kube.kubeconfig), kube.context)
        snap = Snapshot()
        source.apply(snap, source.poll())
        chat = pod(snap.cluster, "chat-llm-api-")
        auth = pod(snap.cluster, "auth-api-")
        before = len(kube.requests)
        reader = KubeLogReader(source)
        previous = reader.read(chat.namespace, chat.name, "chat-llm-api", previous=True, tail_lines=2)
        assert previous.splitlines() == [
            "redis.exceptions.AuthenticationError: invalid username-password pair or user is disabled.",
            "2026-11-20T09:07:31.999020Z ERROR chat-llm-api: exiting with status 1",
        ]
        assert len(reader.read(auth.namespace, auth.name, None, tail_lines=5).splitlines()) == 5
        with pytest.raises(SourceError, match='400 previous terminated container "auth-api" .* not found'):
            reader.read(auth.namespace, auth.name, "auth-api", previous=True)
        asked = kube.requests[before:]
        assert len(asked) == 3 and all("/log?" in r for r in asked)
        assert "previous=true" in asked[0] and "tailLines=2" in asked[0]
        assert kube.writes == []
