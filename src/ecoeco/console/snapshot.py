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


class Condition(BaseModel):
    """One status condition as the API reports it (node, pod or workload)."""

    type: str
    status: str = "Unknown"  # "True" | "False" | "Unknown"
    reason: str | None = None
    message: str | None = None
    since: float | None = Field(None, description="epoch s of lastTransitionTime")
    heartbeat: float | None = Field(None, description="epoch s of lastHeartbeatTime (nodes)")


class ContainerTermination(BaseModel):
    exit_code: int | None = None
    reason: str | None = None  # Error, OOMKilled, Completed, ...
    message: str | None = None
    started_at: float | None = None
    finished_at: float | None = None


class ContainerInfo(BaseModel):
    name: str
    image: str = ""
    init: bool = False
    ready: bool = False
    restarts: int = 0
    state: Literal["running", "waiting", "terminated", "unknown"] = "unknown"
    reason: str | None = None  # of the current state (waiting/terminated)
    message: str | None = None
    started_at: float | None = None  # running since
    terminated: ContainerTermination | None = Field(None, description="current state, when terminated")
    last_terminated: ContainerTermination | None = Field(
        None, description="lastState.terminated: how the previous run ended"
    )


class PodInfo(BaseModel):
    name: str
    namespace: str
    node: str | None = None
    phase: str = "Unknown"  # Pending | Running | Succeeded | Failed | Unknown
    ready: bool = False  # the pod's own Ready condition when it has one, else all containers ready
    ready_reason: str | None = None  # the Ready condition's reason, e.g. ContainersNotReady
    restarts: int = 0
    waiting_reason: str | None = None  # CrashLoopBackOff, ImagePullBackOff, ...
    message: str | None = None  # the waiting message, else the scheduler's (PodScheduled=False)
    owner: str | None = None  # deployment/statefulset/daemonset/job name when known
    owner_kind: str | None = None  # Deployment | StatefulSet | DaemonSet | Job | Node | ...
    kind: str = "Pod"  # "Process" for a sandbox process shown as a pod
    cpu_percent: float | None = None  # of one core, when known (sandbox processes)
    mem_bytes: int | None = None  # resident memory, when known
    created_at: float | None = None
    start_time: float | None = Field(None, description="status.startTime (epoch s)")
    deletion_timestamp: float | None = Field(
        None,
        description="metadata.deletionTimestamp: set when deletion was asked for, to the end of the grace "
        "period; the pod is Terminating",
    )
    grace_period_s: int | None = Field(None, description="metadata.deletionGracePeriodSeconds")
    nominated_node: str | None = Field(None, description="status.nominatedNodeName (preemption)")
    containers: list[ContainerInfo] = Field(default_factory=list)
    image_pull_secrets: list[str] = Field(
        default_factory=list, description="spec.imagePullSecrets names (what an image pull failure used)"
    )
    cpu_request_m: int | None = Field(
        None,
        description="what the scheduler reserves for the pod: its containers' cpu requests summed (an init "
        "container's when larger), plus spec.overhead, in millicores; None when unknown",
    )
    mem_request_bytes: int | None = Field(
        None, description="the same for memory, in bytes; None when unknown"
    )
    node_selector: dict[str, str] = Field(
        default_factory=dict, description="spec.nodeSelector (which nodes could take the pod)"
    )

    @property
    def terminating(self) -> bool:
        return self.deletion_timestamp is not None

    @property
    def terminating_since(self) -> float | None:
        """When deletion was asked for (the timestamp is the end of the grace period)."""
        if self.deletion_timestamp is None:
            return None
        return self.deletion_timestamp - (self.grace_period_s or 0)

    @property
    def finished(self) -> bool:
        """A run that is over (a Job's pod, succeeded or a failed attempt): never expected to be ready."""
        return self.phase == "Succeeded" or (self.phase == "Failed" and self.owner_kind == "Job")


class NodeInfo(BaseModel):
    name: str
    role: Literal["master", "api", "worker", "infra"]
    domain: str
    instance_type: str
    status: Literal["Ready", "NotReady", "Unknown", "Missing"] = Field(
        "Unknown",
        description="Ready condition True / False / Unknown (kubelet stopped posting, or no data); "
        "Missing = in the topology, not in the cluster",
    )
    conditions: list[Condition] = Field(
        default_factory=list,
        description="Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable, ...",
    )
    labels: dict[str, str] = Field(default_factory=dict)
    taints: list[str] = Field(default_factory=list, description="key[=value]:effect")
    provider_id: str | None = None
    drift: list[str] = Field(
        default_factory=list,
        description="how the node differs from the topology (labels, taints) or has a bad providerID",
    )
    cpu_capacity: float | None = None  # cores
    cpu_allocatable: float | None = None
    mem_capacity_bytes: int | None = None
    mem_allocatable_bytes: int | None = None
    cpu_percent: float | None = None
    mem_percent: float | None = None
    cpu_history: list[float] = Field(default_factory=list)
    mem_history: list[float] = Field(default_factory=list)
    pods: list[PodInfo] = Field(default_factory=list)

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)


class WorkloadInfo(BaseModel):
    kind: Literal["Deployment", "StatefulSet", "DaemonSet", "Process"]
    namespace: str
    name: str
    desired: int = 0  # replicas; a DaemonSet's desiredNumberScheduled
    ready: int = 0
    updated: int | None = None  # pods of the current template (updatedReplicas / updatedNumberScheduled)
    available: int | None = None
    unavailable: int | None = None
    stale_generation: bool = Field(
        False, description="status.observedGeneration < metadata.generation: the controller has not caught up"
    )
    conditions: list[Condition] = Field(default_factory=list, description="Progressing, Available, ...")
    pending: int = Field(0, description="pods of this workload in phase Pending (not placed, or not started)")
    nodes_without_ready_pod: list[str] = Field(
        default_factory=list, description="DaemonSet: nodes whose pod is missing or not ready"
    )

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)


class EventInfo(BaseModel):
    namespace: str
    involved_object: str  # kind/name
    type: str = "Warning"
    reason: str
    message: str
    count: int = Field(1, description="occurrences: series.count (events.k8s.io) or count (core/v1), summed")
    first_seen: float | None = None
    last_seen: float | None = Field(
        None, description="latest of lastTimestamp, series.lastObservedTime, eventTime"
    )
    source: str | None = None  # reporting component: kubelet, default-scheduler, ...


class ClusterState(BaseModel):
    kind: Literal["kubernetes", "local"] = "local"
    context: str | None = None
    nodes: list[NodeInfo] = Field(default_factory=list)
    workloads: list[WorkloadInfo] = Field(default_factory=list)
    events: list[EventInfo] = Field(
        default_factory=list,
        description="Warning events, one per object and reason (the latest), newest first",
    )
    unscheduled: list[PodInfo] = Field(
        default_factory=list, description="pods no node has accepted (Pending without a node)"
    )

    def all_pods(self) -> list[PodInfo]:
        """Every pod: those on nodes, then those waiting for one."""
        return [p for n in self.nodes for p in n.pods] + list(self.unscheduled)


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
    last_sync_failure_ts: float | None = Field(
        None,
        description="when a sync last failed: the worker's own time, else when the console saw "
        "sync_errors_total grow; a failure older than last_sync_success_ts is over",
    )
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


class ScrapeTarget(BaseModel):
    """One active target of Prometheus (``/api/v1/targets``): is it being scraped?"""

    job: str
    instance: str = ""
    health: Literal["up", "down", "unknown"] = "unknown"
    last_error: str | None = None
    last_scrape: float | None = Field(None, description="epoch s of the last scrape")
    labels: dict[str, str] = Field(
        default_factory=dict, description="the target's labels (service, node, ...)"
    )


class MetricsState(BaseModel):
    window_s: int = 900
    step_s: int = 15
    services: list[ServiceMetrics] = Field(default_factory=list)
    node_exporter: bool = False
    targets: list[ScrapeTarget] | None = Field(
        None, description="Prometheus' active scrape targets; None when they could not be read"
    )
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


# --- infrastructure facts (quota, inventory) -----------------------------------------------------


class QuotaRequestInfo(BaseModel):
    id: str
    desired: float
    status: str  # PENDING | CASE_OPENED (the open ones only)
    created: str = ""


class InfraState(BaseModel):
    """What a rebuild depends on: the EC2 vCPU quota against the topology, and whether the inventory
    Ansible last used is still what Terraform says. ``None``/empty when unknown; ``*_error`` says why."""

    vcpu_quota: float | None = Field(None, description="EC2 quota L-1216C47A (on-demand standard vCPUs)")
    vcpu_quota_applied: bool = Field(True, description="False: only AWS's default is known")
    vcpus_needed: int | None = Field(None, description="what the topology's instance types add up to")
    quota_requests: list[QuotaRequestInfo] = Field(default_factory=list, description="open increase requests")
    quota_error: str | None = None
    quota_simulated: bool = Field(False, description="read from a local AWS endpoint (the sandbox)")
    inventory_hosts: int | None = Field(None, description="hosts in the inventory terraform output renders")
    inventory_compared: bool = Field(
        False, description="True when there is an inventory Ansible last used to compare with"
    )
    inventory_drift: list[str] = Field(
        default_factory=list, description="+ host (new), - host (gone), ~ host old-ip -> new-ip"
    )
    inventory_last_used_at: float | None = Field(
        None, description="epoch s of the last Ansible run's inventory"
    )
    inventory_error: str | None = None


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
    infra: InfraState = Field(default_factory=InfraState)

    def unreachable_sources(self) -> list[str]:
        return sorted(name for name, s in self.sources.items() if not s.ok)

    def join_node_usage(self) -> None:
        """Fill each node's CPU/memory from node-exporter where it reports the node.

        The one place the two sources meet: the cluster source owns ``cluster.nodes``, the metrics
        source owns ``metrics.node_usage``; neither writes the other's part, so the result does not
        depend on which polled last. node-exporter wins where both know a node (the cluster's own
        figures are the sandbox's per-process sums).

        Copy on write: the parts may be shared with the collector's own snapshot (``Collector.snapshot``
        copies only the top level), so the joined nodes and the cluster holding them are new objects.
        """
        usage_of = self.metrics.node_usage
        if not usage_of or not any(n.name in usage_of for n in self.cluster.nodes):
            return
        nodes = []
        for node in self.cluster.nodes:
            usage = usage_of.get(node.name)
            if usage is not None:
                node = node.model_copy(
                    update={
                        "cpu_percent": usage.cpu_percent,
                        "mem_percent": usage.mem_percent,
                        "cpu_history": list(usage.cpu_history),
                        "mem_history": list(usage.mem_history),
                    }
                )
            nodes.append(node)
        self.cluster = self.cluster.model_copy(update={"nodes": nodes})
