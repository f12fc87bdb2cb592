"""The health rules: what makes a pod, node, workload, queue, journal, service or metric ok, warn or
bad. One place, so a colour on any screen, a line of ``status`` and (later) a triage finding mean the
same thing. Pure functions over the snapshot; no formatting, no textual."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ecoeco.console.snapshot import (
    Condition,
    NodeInfo,
    PodInfo,
    QueueInfo,
    ServiceHealth,
    ServiceMetrics,
    Snapshot,
    WalInfo,
    WorkloadInfo,
)
from ecoeco.shared.topology import TopologyNode

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
# A pod still there this long after its grace period ended is stuck Terminating: its kubelet is not
# confirming the deletion (typically the node is lost), and a StatefulSet will not replace it.
TERMINATING_OVERDUE_S = 30.0
# Node conditions that are fine when False; True means the kubelet is under pressure and evicting.
PRESSURE_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure")
# Taints the node lifecycle controller and cloud provider manage themselves: state, not configuration.
SYSTEM_TAINT_PREFIXES = ("node.kubernetes.io/", "node.cloudprovider.kubernetes.io/")
# What the AWS cloud provider and the ALB controller need: aws:///<az>/<instance-id>.
PROVIDER_ID = re.compile(r"^aws:///[a-z]{2}(-[a-z]+)+-\d[a-z]/i-[0-9a-f]{8,17}$")


def worst(levels: Sequence[HealthLevel]) -> HealthLevel:
    return max(levels, key=lambda lv: HEALTH_RANK[lv], default="unknown")


def pod_overdue(pod: PodInfo, now: float | None) -> bool:
    """Terminating past its grace period (measured at ``now``, the snapshot's time)."""
    if pod.deletion_timestamp is None or now is None:
        return False
    return now - pod.deletion_timestamp > TERMINATING_OVERDUE_S


def pod_health(pod: PodInfo, now: float | None = None) -> HealthLevel:
    if pod.terminating:
        return "bad" if pod_overdue(pod, now) else "warn"
    if pod.phase == "Succeeded":  # finished work (a Job's pod), not "not ready"
        return "ok"
    if pod.phase == "Failed":
        # A Job's failed attempt or an evicted pod is history its controller has replaced; look at it,
        # but it is not what is failing now.
        return "warn" if pod.owner_kind == "Job" or pod.waiting_reason == "Evicted" else "bad"
    if pod.waiting_reason in BAD_WAITING:
        return "bad"
    if pod.phase != "Running" or not pod.ready or pod.waiting_reason:
        return "warn"
    return "warn" if pod.restarts >= RESTARTS_WARN else "ok"


def pod_state(pod: PodInfo) -> str:
    """The one word a pod row shows: Terminating, the waiting reason, Completed, or the phase."""
    if pod.terminating:
        return "Terminating"
    if pod.waiting_reason:
        return pod.waiting_reason
    if pod.phase == "Succeeded":
        return "Completed"
    if pod.phase == "Running" and not pod.ready:
        return "NotReady"
    return pod.phase


def pod_needs_attention(pod: PodInfo, now: float | None = None) -> bool:
    return pod_health(pod, now) != "ok"


def pods_ready(pods: Sequence[PodInfo]) -> tuple[int, int]:
    """(ready, expected to be ready): finished Job pods count in neither."""
    live = [p for p in pods if not p.finished]
    return sum(p.ready for p in live), len(live)


def node_condition_problems(node: NodeInfo) -> list[Condition]:
    """The conditions that are not as a healthy node has them (Ready True, the others False)."""
    if node_lost(node):
        # The node controller sets every kubelet condition Unknown at once: one finding, not four.
        return [c for c in node.conditions if c.type == "Ready"]
    out: list[Condition] = []
    for c in node.conditions:
        healthy = "True" if c.type == "Ready" else "False"
        if c.status != healthy:
            out.append(c)
    return out


def node_lost(node: NodeInfo) -> bool:
    """The kubelet stopped posting status (Ready Unknown): not the same as a kubelet saying NotReady."""
    ready = node.condition("Ready")
    return ready is not None and ready.status == "Unknown"


@dataclass(frozen=True)
class NodeFree:
    """What the scheduler still has to give on a node: allocatable minus the requests of the pods it
    holds (every pod not Succeeded/Failed, a Terminating one too: it keeps its share until it is gone).
    A figure is None when the node's allocatable or a pod's request is unknown."""

    cpu_m: int | None
    mem_bytes: int | None
    cpu_allocatable_m: int | None
    mem_allocatable_bytes: int | None


def node_free(node: NodeInfo) -> NodeFree:
    held = [p for p in node.pods if p.phase not in ("Succeeded", "Failed")]
    cpu_alloc = round(node.cpu_allocatable * 1000) if node.cpu_allocatable is not None else None
    mem_alloc = node.mem_allocatable_bytes
    cpu_reqs = [p.cpu_request_m for p in held]
    mem_reqs = [p.mem_request_bytes for p in held]
    cpu = None if cpu_alloc is None or None in cpu_reqs else cpu_alloc - sum(r or 0 for r in cpu_reqs)
    mem = None if mem_alloc is None or None in mem_reqs else mem_alloc - sum(r or 0 for r in mem_reqs)
    return NodeFree(cpu, mem, cpu_alloc, mem_alloc)


def node_health(node: NodeInfo, now: float | None = None) -> HealthLevel:
    if node.status in ("NotReady", "Missing") or node_lost(node):
        return "bad"
    if node.status == "Unknown":  # no Ready condition at all: nothing is known (the sandbox's master)
        return "unknown"
    levels: list[HealthLevel] = [pod_health(p, now) for p in node.pods]
    for c in node_condition_problems(node):
        # No pod network is an outage for the node's pods; pressure means the kubelet evicts soon.
        levels.append("bad" if c.type == "NetworkUnavailable" else "warn")
    if node.drift:
        levels.append("warn")
    usage = max(node.cpu_percent or 0.0, node.mem_percent or 0.0)
    levels.append("warn" if usage >= NODE_USAGE_WARN_PERCENT else "ok")
    return worst(levels)


def _taint_key(taint: str) -> str:
    return taint.rsplit(":", 1)[0].split("=", 1)[0]


def provider_id_problems(provider_id: str | None) -> list[str]:
    if not provider_id:
        return ["no providerID: the ALB cannot register the node"]
    if not PROVIDER_ID.match(provider_id):
        return [
            f"providerID {provider_id} is not aws:///<az>/<instance-id>: the ALB cannot register the node"
        ]
    return []


def node_drift(node: NodeInfo, tnode: TopologyNode) -> list[str]:
    """How a cluster node differs from what ``infra/topology.yaml`` declares for it.

    Only the topology's own labels are compared (the kubelet and cloud provider add many more); taints
    the node controller manages (``node.kubernetes.io/...``) are state, shown as conditions instead.
    """
    out: list[str] = []
    for key, want in sorted(tnode.labels.items()):
        have = node.labels.get(key)
        if have is None:
            out.append(f"label {key} missing (topology: {key}={want})")
        elif have != want:
            out.append(f"label {key}={have} (topology: {want})")
    want_taints = {f"{t.key}{'=' + t.value if t.value else ''}:{t.effect}" for t in tnode.taints}
    have_taints = {t for t in node.taints if not _taint_key(t).startswith(SYSTEM_TAINT_PREFIXES)}
    out += [f"taint {t} missing" for t in sorted(want_taints - have_taints)]
    out += [f"taint {t} not in the topology" for t in sorted(have_taints - want_taints)]
    return out + provider_id_problems(node.provider_id)


def workload_health(w: WorkloadInfo) -> HealthLevel:
    progressing = w.condition("Progressing")
    if progressing is not None and progressing.status == "False":
        return "bad"  # ProgressDeadlineExceeded: the rollout is stuck, whatever old pods still serve
    if w.desired > 0 and w.ready == 0:
        return "bad"
    rolling = w.updated is not None and w.updated < w.desired
    short = w.ready < w.desired or (w.unavailable or 0) > 0 or w.pending > 0
    if short or rolling or w.stale_generation or w.nodes_without_ready_pod:
        return "warn"
    return "ok"


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
    if sync_failing(w) or oldest > interval:
        return "warn"
    return "ok"


def sync_failing(w: WalInfo) -> bool:
    """The last sync attempt we know of failed: a failure newer than the last success. (The error
    counter only grows, so "any errors ever" would warn forever after one bad minute.)"""
    if w.last_sync_failure_ts is None:
        return False
    return w.last_sync_success_ts is None or w.last_sync_failure_ts > w.last_sync_success_ts


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


def source_failing(snapshot: Snapshot, source: str) -> bool:
    """The source's last poll failed, or it has never answered: its part of the snapshot is not news."""
    status = snapshot.sources.get(source)
    return status is not None and not status.ok


def vouched(level: HealthLevel, snapshot: Snapshot, source: str) -> HealthLevel:
    """``level`` as far as ``source`` can vouch for it now: never green on data it cannot confirm.
    While the source fails, ok becomes unknown; a warning or failure it last saw stays."""
    return "unknown" if level == "ok" and source_failing(snapshot, source) else level


def source_known(snapshot: Snapshot, source: str) -> bool:
    """The source has answered at least once (its part holds data, possibly old)."""
    status = snapshot.sources.get(source)
    return status is not None and status.updated_at is not None


# --- what needs attention -----------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing that needs a look: how bad, since when, about what, in words."""

    level: HealthLevel
    subject: str  # e.g. "Node/k8s-worker-ai", "Pod/ecoeco/worker-ai-0", "source/metrics"
    text: str
    since: float | None = None  # epoch s; the ranking's "how recent"
    node: str | None = None  # where to drill down, when a node is concerned


def _pod_since(pod: PodInfo) -> float | None:
    if pod.terminating_since is not None:
        return pod.terminating_since
    finished = (c.last_terminated.finished_at for c in pod.containers if c.last_terminated is not None)
    ended = [t for t in finished if t is not None]
    return max(ended) if ended else pod.start_time or pod.created_at


def _pod_text(pod: PodInfo, now: float | None) -> str:
    state = pod_state(pod)
    if pod.terminating:
        state = "Terminating, past its grace period" if pod_overdue(pod, now) else "Terminating"
    where = f" on {pod.node}" if pod.node else ""
    return f"{state}{where}" + (f": {pod.message}" if pod.message else "")


def ranked(findings: Sequence[Finding]) -> list[Finding]:
    """Worst first; within a level, the most recent first (undated last)."""
    return sorted(
        findings,
        key=lambda f: (-HEALTH_RANK[f.level], f.since is None, -(f.since or 0.0), f.subject),
    )


def attention(snapshot: Snapshot) -> list[Finding]:
    """Everything that needs a look, ranked by how bad and how recent (the "Needs attention" list)."""
    now = snapshot.taken_at
    out: list[Finding] = []
    for name, status in sorted(snapshot.sources.items()):
        if not status.ok:
            out.append(Finding("warn", f"source/{name}", f"unreachable: {status.error or 'no answer'}",
                               status.last_attempt_at))  # fmt: skip
    for a in snapshot.alerts:
        if a.state == "firing":
            level: HealthLevel = "bad" if a.severity == "critical" else "warn"
            out.append(Finding(level, f"Alert/{a.name}", a.summary or a.severity, a.active_since))
    cluster = snapshot.cluster
    for n in cluster.nodes:
        subject = f"Node/{n.name}"
        if n.status == "Missing":
            out.append(Finding("bad", subject, "in the topology, not in the cluster", node=n.name))
        elif n.status == "NotReady" and n.condition("Ready") is None:
            # A NotReady with no condition behind it (the sandbox's view of a node): still worth a line.
            out.append(Finding("bad", subject, "NotReady", node=n.name))
        for c in node_condition_problems(n):
            level = "bad" if c.type in ("Ready", "NetworkUnavailable") else "warn"
            words = f"{c.type}={c.status}" + (f" {c.reason}" if c.reason else "")
            words += f": {c.message}" if c.message else ""
            out.append(Finding(level, subject, words, c.since, node=n.name))
        for d in n.drift:
            out.append(Finding("warn", subject, d, node=n.name))
        for p in n.pods:
            level = pod_health(p, now)
            if level != "ok":
                out.append(
                    Finding(level, f"Pod/{p.namespace}/{p.name}", _pod_text(p, now), _pod_since(p), n.name)
                )
    for p in cluster.unscheduled:
        out.append(Finding("warn", f"Pod/{p.namespace}/{p.name}", f"Pending, no node: {p.message or ''}".rstrip(": "),
                           p.created_at))  # fmt: skip
    for w in cluster.workloads:
        level = workload_health(w)
        if level != "ok" and w.kind != "Process":
            prog = w.condition("Progressing")
            since = prog.since if prog is not None else None
            out.append(Finding(level, f"{w.kind}/{w.namespace}/{w.name}", workload_summary(w), since))
    for e in cluster.events:
        kind, _, name = e.involved_object.partition("/")
        subject = f"{kind}/{e.namespace}/{name}" if e.namespace and kind != "Node" else e.involved_object
        out.append(Finding("warn", subject, f"{e.reason} ×{e.count}: {e.message}", e.last_seen))
    return ranked(out)


def workload_summary(w: WorkloadInfo) -> str:
    """``2/2 ready · ProgressDeadlineExceeded · 1/2 updated · 1 unavailable``: every figure that matters."""
    parts = [f"{w.ready}/{w.desired} ready"]
    # The rollout's verdict first: it is what a cut-off column must still show.
    prog = w.condition("Progressing")
    if prog is not None and prog.status == "False":
        parts.append(prog.reason or "not progressing")
    if w.updated is not None and w.updated < w.desired:
        parts.append(f"{w.updated}/{w.desired} updated")
    if w.unavailable:
        parts.append(f"{w.unavailable} unavailable")
    if w.pending:
        parts.append(f"{w.pending} pending")
    if w.nodes_without_ready_pod:
        parts.append("not ready on " + ", ".join(w.nodes_without_ready_pod))
    if w.stale_generation:
        parts.append("spec change not yet observed")
    return " · ".join(parts)
