"""The one data model every screen, ``status --json`` and triage read.

Each source fills its own part; ``sources`` says, per source, whether the data is fresh and what
the last error was, so a screen can show the error and the data's age where the data is.
The JSON schema is ``Snapshot.model_json_schema()`` and is documented in ``docs/snapshot.md``.
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, Field

SCHEMA_VERSION = 1

Environment = Literal["prod", "staging", "sandbox"]
Health = Literal["ok", "warn", "bad", "unknown"]


class SourceStatus(BaseModel):
    """Freshness of one source's part of the snapshot."""

    name: str
    ok: bool = False
    error: str | None = None
    updated_at: float | None = Field(None, description="epoch s of the last successful poll")
    last_attempt_at: float | None = Field(None, description="epoch s of the last poll, good or bad")
    interval_s: float = 2.0
    paused: bool = False

    def age_s(self, now: float | None = None) -> float | None:
        if self.updated_at is None:
            return None
        return max(0.0, (now or time.time()) - self.updated_at)


# --- cluster -------------------------------------------------------------------------------------


class PodInfo(BaseModel):
    name: str
    namespace: str
    node: str | None = None
    phase: str = "Unknown"  # Pending | Running | Succeeded | Failed | Unknown
    ready: bool = False
    restarts: int = 0
    waiting_reason: str | None = None  # CrashLoopBackOff, ImagePullBackOff, ...
    message: str | None = None
    owner: str | None = None  # deployment/statefulset name when known
    kind: str = "Pod"  # "Process" for a sandbox process shown as a pod
    cpu_percent: float | None = None  # of one core, when known (sandbox processes)
    mem_bytes: int | None = None  # resident memory, when known


class NodeInfo(BaseModel):
    name: str
    role: Literal["master", "api", "worker", "infra"]
    domain: str
    instance_type: str
    status: Literal["Ready", "NotReady", "Unknown", "Missing"] = "Unknown"
    labels: dict[str, str] = Field(default_factory=dict)
    taints: list[str] = Field(default_factory=list, description="key[=value]:effect")
    provider_id: str | None = None
    cpu_capacity: float | None = None  # cores
    cpu_allocatable: float | None = None
    mem_capacity_bytes: int | None = None
    mem_allocatable_bytes: int | None = None
    cpu_percent: float | None = None
    mem_percent: float | None = None
    cpu_history: list[float] = Field(default_factory=list)
    mem_history: list[float] = Field(default_factory=list)
    pods: list[PodInfo] = Field(default_factory=list)


class WorkloadInfo(BaseModel):
    kind: Literal["Deployment", "StatefulSet", "DaemonSet", "Process"]
    namespace: str
    name: str
    desired: int = 0
    ready: int = 0


class EventInfo(BaseModel):
    namespace: str
    involved_object: str  # kind/name
    type: str = "Warning"
    reason: str
    message: str
    count: int = 1
    last_seen: float | None = None


class ClusterState(BaseModel):
    kind: Literal["kubernetes", "local"] = "local"
    context: str | None = None
    nodes: list[NodeInfo] = Field(default_factory=list)
    workloads: list[WorkloadInfo] = Field(default_factory=list)
    events: list[EventInfo] = Field(default_factory=list)
    unscheduled: list[PodInfo] = Field(
        default_factory=list, description="pods no node has accepted (Pending without a node)"
    )


# --- queues --------------------------------------------------------------------------------------


class QueueInfo(BaseModel):
    name: str
    vhost: str = "/"
    exists: bool = True
    ready: int | None = None
    unacked: int | None = None
    consumers: int | None = None
    publish_rate: float | None = None  # msg/s
    deliver_rate: float | None = None
    ack_rate: float | None = None
    depth_history: list[float] = Field(default_factory=list)
    via: Literal["management", "amqp"] = "management"


# --- worker journals ------------------------------------------------------------------------------


class WalInfo(BaseModel):
    worker: str  # storage | ai
    unsynced_rows: int | None = None
    oldest_unsynced_age_s: float | None = None
    last_sync_success_ts: float | None = None
    sync_errors_total: float | None = None
    file_bytes: int | None = None
    rows_by_state: dict[str, int] = Field(default_factory=dict)
    unsynced_history: list[float] = Field(default_factory=list)
    sync_interval_s: float | None = None
    via: list[Literal["prometheus", "control"]] = Field(default_factory=list)


# --- metrics -------------------------------------------------------------------------------------


class ServiceMetrics(BaseModel):
    service: str
    request_rate: float | None = None  # req/s
    error_ratio: float | None = None  # 5xx / all, 0..1
    p95_latency_s: float | None = None
    rate_history: list[float] = Field(default_factory=list)
    p95_history: list[float] = Field(default_factory=list)
    error_history: list[float] = Field(default_factory=list)


class NodeUsage(BaseModel):
    """A node's CPU/memory use as node-exporter reports it (percent of the node)."""

    cpu_percent: float | None = None
    mem_percent: float | None = None
    cpu_history: list[float] = Field(default_factory=list)
    mem_history: list[float] = Field(default_factory=list)


class MetricsState(BaseModel):
    window_s: int = 900
    step_s: int = 15
    services: list[ServiceMetrics] = Field(default_factory=list)
    node_exporter: bool = False
    node_usage: dict[str, NodeUsage] = Field(
        default_factory=dict, description="by node name; joined into cluster.nodes by join_node_usage()"
    )


# --- services ------------------------------------------------------------------------------------


class DependencyStatus(BaseModel):
    ok: bool
    detail: str | None = None


class ServiceHealth(BaseModel):
    name: str
    url: str
    live: bool | None = None  # /health
    ready: bool | None = None  # /ready
    status_code: int | None = None  # of /ready
    latency_ms: float | None = None
    dependencies: dict[str, DependencyStatus] = Field(default_factory=dict)
    error: str | None = None


# --- alerts --------------------------------------------------------------------------------------


class AlertInfo(BaseModel):
    name: str
    severity: str = "warning"
    state: str = "firing"
    summary: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    active_since: float | None = None


# --- the whole -----------------------------------------------------------------------------------


class Snapshot(BaseModel):
    schema_version: int = SCHEMA_VERSION
    taken_at: float = Field(default_factory=time.time)
    profile: str = "sandbox"
    environment: Environment = "sandbox"
    read_only: bool = False
    sources: dict[str, SourceStatus] = Field(default_factory=dict)
    cluster: ClusterState = Field(default_factory=ClusterState)
    queues: list[QueueInfo] = Field(default_factory=list)
    wal: list[WalInfo] = Field(default_factory=list)
    metrics: MetricsState = Field(default_factory=MetricsState)
    services: list[ServiceHealth] = Field(default_factory=list)
    alerts: list[AlertInfo] = Field(default_factory=list)

    def unreachable_sources(self) -> list[str]:
        return sorted(name for name, s in self.sources.items() if not s.ok)

    def join_node_usage(self) -> None:
        """Fill each node's CPU/memory from node-exporter where it reports the node.

        The one place the two sources meet: the cluster source owns ``cluster.nodes``, the metrics
        source owns ``metrics.node_usage``; neither writes the other's part, so the result does not
        depend on which polled last. node-exporter wins where both know a node (the cluster's own
        figures are the sandbox's per-process sums).
        """
        for node in self.cluster.nodes:
            usage = self.metrics.node_usage.get(node.name)
            if usage is None:
                continue
            node.cpu_percent, node.mem_percent = usage.cpu_percent, usage.mem_percent
            node.cpu_history, node.mem_history = list(usage.cpu_history), list(usage.mem_history)
