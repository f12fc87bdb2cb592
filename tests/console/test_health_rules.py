"""The health rules behind every colour on screen (one place, so every area agrees)."""

from __future__ import annotations

import pytest

from ecoeco.console import health
from ecoeco.console.snapshot import NodeInfo, PodInfo, QueueInfo, ServiceMetrics, Snapshot, WalInfo
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
