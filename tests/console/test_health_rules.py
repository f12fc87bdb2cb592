"""The health rules behind every colour on screen (one place, so every area agrees)."""

from __future__ import annotations

import pytest

from ecoeco.console import health
from ecoeco.console.snapshot import (
    Condition,
    NodeInfo,
    PodInfo,
    QueueInfo,
    ServiceMetrics,
    Snapshot,
    SourceStatus,
    WalInfo,
    WorkloadInfo,
)
from ecoeco.console.widgets import fmt


def node(status: str = "Ready", **pod: object) -> NodeInfo:
    pods = [PodInfo(name="p", namespace="n", phase="Running", ready=True, **pod)]  # type: ignore[arg-type]
    return NodeInfo(
        name="k8s-x", role="api", domain="x", instance_type="t3a.medium", status=status, pods=pods
    )


def test_node_health() -> None:
    assert health.node_health(node()) == "ok"
    assert health.node_health(node("NotReady")) == "bad"
    assert health.node_health(node(waiting_reason="CrashLoopBackOff")) == "bad"
    assert health.node_health(node(restarts=7)) == "warn"


@pytest.mark.parametrize(
    ("queue", "level"),
    [
        (QueueInfo(name="q.ai", ready=1160, consumers=0), "bad"),  # work piles up, nobody takes it
        (QueueInfo(name="q.ai", ready=0, consumers=0), "ok"),
        (QueueInfo(name="q.ai", ready=5, consumers=1, depth_history=[1, 3, 5]), "warn"),  # growing
        (QueueInfo(name="q.dlq", ready=3, consumers=0), "warn"),
        (QueueInfo(name="q.storage", exists=False), "bad"),
        (QueueInfo(name="q.storage"), "unknown"),
    ],
)
def test_queue_health(queue: QueueInfo, level: str) -> None:
    assert health.queue_health(queue) == level


def test_wal_backlog_older_than_two_sync_intervals_is_bad() -> None:
    base = {"worker": "ai", "unsynced_rows": 10, "sync_interval_s": 300.0, "sync_errors_total": 0}
    assert health.wal_health(WalInfo(**base, oldest_unsynced_age_s=200.0)) == "ok"
    assert health.wal_health(WalInfo(**base, oldest_unsynced_age_s=400.0)) == "warn"
    assert health.wal_health(WalInfo(**base, oldest_unsynced_age_s=601.0)) == "bad"
    assert health.wal_health(WalInfo(worker="ai")) == "unknown"


def test_error_ratio_thresholds() -> None:
    assert health.metric_health(ServiceMetrics(service="waste", request_rate=5, error_ratio=0.001)) == "ok"
    assert health.metric_health(ServiceMetrics(service="waste", request_rate=5, error_ratio=0.02)) == "warn"
    assert health.metric_health(ServiceMetrics(service="waste", request_rate=5, error_ratio=0.083)) == "bad"


def test_wal_warns_only_while_the_last_sync_attempt_failed() -> None:
    base = {"worker": "ai", "unsynced_rows": 0, "sync_interval_s": 30.0, "sync_errors_total": 1}
    # error then success: over (the counter still says 1, and always will)
    assert health.wal_health(WalInfo(**base, last_sync_failure_ts=100.0, last_sync_success_ts=130.0)) == "ok"
    # success then error: failing now
    assert (
        health.wal_health(WalInfo(**base, last_sync_success_ts=100.0, last_sync_failure_ts=130.0)) == "warn"
    )
    # errors and never a success
    assert health.wal_health(WalInfo(**base, last_sync_failure_ts=130.0)) == "warn"


def test_ages_are_relative_to_the_snapshot_not_the_clock() -> None:
    snap = Snapshot.model_validate(
        {"taken_at": 1000.0, "sources": {"queues": {"name": "queues", "updated_at": 925.0}}}
    )
    assert health.source_age(snap, "queues") == 75.0
    assert fmt.age(75.0) == "1m15s"
    assert fmt.span(900) == "15m" and fmt.span(90) == "1m30s"


def test_text_sparkline() -> None:
    assert fmt.spark([0, 7], width=2) == "▁█"
    assert fmt.spark([], width=5) == "···"
    assert len(fmt.spark(list(range(100)), width=10)) == 10
    # Percentages on a fixed 0..100 scale: an idle node's 0.0-0.2 % is a flat low line, not full bars.
    assert fmt.spark([0.0, 0.2, 0.0, 0.1], width=4, full=100.0) == "▁▁▁▁"
    assert fmt.spark([0.0, 0.2], width=2) == "▁█"  # its own range: the same wiggle drawn as a jump
    assert fmt.spark([50.0, 100.0, 120.0], width=3, full=100.0) == "▄██"


# --- cluster truth (issue 8) ----------------------------------------------------------------------


def cond(type_: str, status: str, since: float | None = None, reason: str | None = None) -> Condition:
    return Condition(type=type_, status=status, since=since, reason=reason)


HEALTHY_CONDITIONS = [
    cond("NetworkUnavailable", "False"),
    cond("MemoryPressure", "False"),
    cond("DiskPressure", "False"),
    cond("PIDPressure", "False"),
    cond("Ready", "True"),
]


def kube_node(**changes: object) -> NodeInfo:
    n = node()
    n.conditions = [c.model_copy() for c in HEALTHY_CONDITIONS]
    for type_, status in changes.items():
        n.condition(type_).status = status  # type: ignore[union-attr]
    n.status = {"True": "Ready", "False": "NotReady"}.get(n.condition("Ready").status, "Unknown")  # type: ignore[union-attr,assignment]
    return n


def test_a_lost_node_is_bad_but_a_node_nobody_reports_on_is_unknown() -> None:
    lost = kube_node(Ready="Unknown", MemoryPressure="Unknown", DiskPressure="Unknown")
    assert lost.status == "Unknown" and health.node_lost(lost) and health.node_health(lost) == "bad"
    assert [c.type for c in health.node_condition_problems(lost)] == ["Ready"]  # one finding, not three
    sandbox_master = node("Unknown")  # no conditions at all: nothing is known
    assert not health.node_lost(sandbox_master) and health.node_health(sandbox_master) == "unknown"


@pytest.mark.parametrize(
    ("changes", "level"),
    [
        ({}, "ok"),
        ({"MemoryPressure": "True"}, "warn"),
        ({"DiskPressure": "True"}, "warn"),
        ({"PIDPressure": "True"}, "warn"),
        ({"NetworkUnavailable": "True"}, "bad"),
        ({"Ready": "False"}, "bad"),
    ],
)
def test_node_conditions_decide_the_colour(changes: dict[str, str], level: str) -> None:
    assert health.node_health(kube_node(**changes)) == level


def test_drift_and_provider_id() -> None:
    from ecoeco.shared.topology import load_topology

    tnode = load_topology().node("k8s-rabbitmq")
    n = NodeInfo(name=tnode.name, role="infra", domain="rabbitmq", instance_type="t3a.medium", status="Ready")
    n.labels = {k: v for k, v in tnode.labels.items() if k != "domain"} | {"extra": "ok"}
    n.taints = ["node.kubernetes.io/disk-pressure:NoSchedule"]  # the kubelet's, not drift
    n.provider_id = "aws:///ap-northeast-2c/i-0123456789abcdef0"
    assert health.node_drift(n, tnode) == [
        "label domain missing (topology: domain=rabbitmq)",
        "taint node-role.kubernetes.io/infrastructure=true:NoSchedule missing",
    ]
    assert health.provider_id_problems("aws:///ap-northeast-2c/i-0123456789abcdef0") == []
    assert health.provider_id_problems("aws:///ap-northeast-2c/")  # incident 4: no instance id
    assert health.provider_id_problems(None)
    n.drift = ["label domain missing (topology: domain=rabbitmq)"]
    assert health.node_health(n) == "warn"


def test_terminating_pods_turn_bad_past_their_grace_period() -> None:
    p = PodInfo(
        name="w-0", namespace="n", phase="Running", ready=True, deletion_timestamp=1030.0, grace_period_s=30
    )
    assert p.terminating_since == 1000.0 and health.pod_state(p) == "Terminating"
    assert health.pod_health(p, now=1010.0) == "warn"
    assert health.pod_health(p, now=1030.0 + health.TERMINATING_OVERDUE_S + 1) == "bad"
    assert health.pod_health(p) == "warn"  # no time given: no claim that it is overdue


def test_finished_job_pods_are_neither_ready_nor_failing() -> None:
    done = PodInfo(name="j", namespace="n", phase="Succeeded", owner_kind="Job")
    failed_try = PodInfo(name="j2", namespace="n", phase="Failed", owner_kind="Job")
    crashed = PodInfo(name="p", namespace="n", phase="Failed", owner_kind="Deployment")
    live = PodInfo(name="a", namespace="n", phase="Running", ready=True)
    assert health.pod_health(done) == "ok" and health.pod_state(done) == "Completed"
    assert health.pod_health(failed_try) == "warn" and health.pod_health(crashed) == "bad"
    assert health.pods_ready([done, failed_try, crashed, live]) == (1, 2)


def test_a_stuck_rollout_is_bad_even_when_old_pods_serve() -> None:
    stuck = WorkloadInfo(kind="Deployment", namespace="e", name="waste-api", desired=2, ready=2, updated=1,
                         available=2, unavailable=1,
                         conditions=[cond("Progressing", "False", reason="ProgressDeadlineExceeded")])  # fmt: skip
    rolling = stuck.model_copy(
        update={"conditions": [cond("Progressing", "True", reason="ReplicaSetUpdated")]}
    )
    done = WorkloadInfo(
        kind="Deployment", namespace="e", name="x", desired=2, ready=2, updated=2, available=2
    )
    ds_gap = WorkloadInfo(kind="DaemonSet", namespace="k", name="calico-node", desired=13, ready=12,
                          nodes_without_ready_pod=["k8s-api-auth"])  # fmt: skip
    assert health.workload_health(stuck) == "bad" and health.workload_health(rolling) == "warn"
    assert health.workload_health(done) == "ok" and health.workload_health(ds_gap) == "warn"
    assert (
        health.workload_summary(stuck) == "2/2 ready · ProgressDeadlineExceeded · 1/2 updated · 1 unavailable"
    )


def test_attention_is_ranked_by_severity_then_recency() -> None:
    snap = Snapshot(taken_at=2000.0)
    n = kube_node(MemoryPressure="True")
    n.condition("MemoryPressure").since = 1900.0  # type: ignore[union-attr]
    n.pods = [
        PodInfo(name="old-crash", namespace="e", node="k8s-x", phase="Running", waiting_reason="CrashLoopBackOff",
                start_time=1000.0),
        PodInfo(name="new-crash", namespace="e", node="k8s-x", phase="Running", waiting_reason="CrashLoopBackOff",
                start_time=1500.0),
    ]  # fmt: skip
    snap.cluster.nodes = [n]
    snap.sources = {"alerts": SourceStatus(name="alerts", ok=False, error="refused", last_attempt_at=1990.0)}
    findings = health.attention(snap)
    assert [f.subject for f in findings] == [
        "Pod/e/new-crash",  # bad, recent
        "Pod/e/old-crash",  # bad, older
        "source/alerts",  # warn, 10 s ago
        "Node/k8s-x",  # warn, 100 s ago
    ]
    assert findings[0].node == "k8s-x" and findings[-1].text.startswith("MemoryPressure=True")
    assert not health.attention(Snapshot())  # nothing known, nothing claimed
