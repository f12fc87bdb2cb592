"""The health rules: what makes a pod, node, workload, queue, journal, service or metric ok, warn or
bad. One place, so a colour on any screen, a line of ``status`` and (later) a triage finding mean the
same thing. Pure functions over the snapshot; no formatting, no textual."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ecoeco.console.snapshot import (
    NodeInfo,
    PodInfo,
    QueueInfo,
    ServiceHealth,
    ServiceMetrics,
    Snapshot,
    WalInfo,
    WorkloadInfo,
)

HealthLevel = Literal["ok", "warn", "bad", "unknown"]

HEALTH_RANK: dict[str, int] = {"unknown": 0, "ok": 1, "warn": 2, "bad": 3}
BAD_WAITING = {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError"}
# Beyond these, a node's CPU or memory use is worth a look.
NODE_USAGE_WARN_PERCENT = 90.0
RESTARTS_WARN = 5
QUEUE_DEPTH_WARN = 1000
ERROR_RATIO_BAD = 0.05
ERROR_RATIO_WARN = 0.01
P95_WARN_S = 1.0
DEFAULT_SYNC_INTERVAL_S = 300.0


def worst(levels: Sequence[HealthLevel]) -> HealthLevel:
    return max(levels, key=lambda lv: HEALTH_RANK[lv], default="unknown")


def pod_health(pod: PodInfo) -> HealthLevel:
    if pod.waiting_reason in BAD_WAITING or pod.phase == "Failed":
        return "bad"
    if pod.phase == "Succeeded":
        return "ok"
    if pod.phase != "Running" or not pod.ready or pod.waiting_reason:
        return "warn"
    return "warn" if pod.restarts >= RESTARTS_WARN else "ok"


def pod_needs_attention(pod: PodInfo) -> bool:
    return pod_health(pod) != "ok"


def node_health(node: NodeInfo) -> HealthLevel:
    if node.status in ("NotReady", "Missing"):
        return "bad"
    if node.status == "Unknown":
        return "unknown"
    levels = [pod_health(p) for p in node.pods]
    usage = max(node.cpu_percent or 0.0, node.mem_percent or 0.0)
    levels.append("warn" if usage >= NODE_USAGE_WARN_PERCENT else "ok")
    return worst(levels)


def workload_health(w: WorkloadInfo) -> HealthLevel:
    if w.ready >= w.desired:
        return "ok"
    return "bad" if w.ready == 0 else "warn"


def queue_health(q: QueueInfo) -> HealthLevel:
    if not q.exists:
        return "bad"
    if q.ready is None:
        return "unknown"
    if q.name.endswith("dlq"):
        return "warn" if q.ready > 0 else "ok"
    if queue_has_no_consumers(q):
        return "bad"
    growing = len(q.depth_history) >= 3 and q.depth_history[-1] > q.depth_history[-3] > 0
    return "warn" if growing or q.ready >= QUEUE_DEPTH_WARN else "ok"


def queue_has_no_consumers(q: QueueInfo) -> bool:
    """Work waiting that nobody takes (a dead-letter queue is meant to have no consumer)."""
    return not q.name.endswith("dlq") and (q.ready or 0) > 0 and (q.consumers or 0) == 0


def wal_health(w: WalInfo) -> HealthLevel:
    if w.unsynced_rows is None and w.oldest_unsynced_age_s is None:
        return "unknown"
    interval = w.sync_interval_s or DEFAULT_SYNC_INTERVAL_S
    oldest = w.oldest_unsynced_age_s or 0.0
    # A backlog older than two sync intervals means at least one sync did not happen.
    if oldest > 2 * interval:
        return "bad"
    if (w.sync_errors_total or 0) > 0 or oldest > interval:
        return "warn"
    return "ok"


def metric_health(m: ServiceMetrics) -> HealthLevel:
    if m.request_rate is None and m.error_ratio is None:
        return "unknown"
    err = m.error_ratio or 0.0
    if err >= ERROR_RATIO_BAD:
        return "bad"
    if err >= ERROR_RATIO_WARN or (m.p95_latency_s or 0.0) >= P95_WARN_S:
        return "warn"
    return "ok"


def service_health(s: ServiceHealth) -> HealthLevel:
    if s.live is None and s.ready is None:
        return "unknown" if not s.error else "bad"
    if s.live is False:
        return "bad"
    if s.ready is False:
        return "warn"
    return "ok"


def source_age(snapshot: Snapshot, source: str) -> float | None:
    """Seconds since ``source`` last polled well, measured at ``snapshot.taken_at`` (not the clock)."""
    status = snapshot.sources.get(source)
    if status is None or status.updated_at is None:
        return None
    return max(0.0, snapshot.taken_at - status.updated_at)
