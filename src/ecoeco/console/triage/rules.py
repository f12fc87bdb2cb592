"""The triage rules: small independent functions ``Snapshot -> list[Finding]``, then one grouping pass
that folds symptoms into their root cause. Pure: no I/O, no clock (``snapshot.taken_at`` is "now").

Each rule leans on ``ecoeco.console.health`` for what is ok/warn/bad, so a colour on a screen and a
finding never disagree; the rules add the grouping, the evidence, the cause and the action.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from ecoeco.console import health
from ecoeco.console.snapshot import NodeInfo, PodInfo, ScrapeTarget, Snapshot, WorkloadInfo
from ecoeco.console.triage.infra_rules import INFRA_RULES
from ecoeco.console.triage.model import SEVERITY_RANK, Action, Finding, Refs, Severity
from ecoeco.shared.names import API_SERVICES, WORKERS
from ecoeco.shared.topology import load_topology

Rule = Callable[[Snapshot], list[Finding]]

# "All or nearly all" nodes down at once is one cause (the network plugin, the control plane), not N.
CLUSTER_WIDE_FRACTION = 0.8
CLUSTER_WIDE_MIN_NODES = 3
IMAGE_PULL_REASONS = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
PULL_AUTH_WORDS = ("unauthorized", "denied", "authentication required", "403", "401", "no basic auth")
# Sources that Prometheus answers for: when it is down they all are, and it is one finding.
PROMETHEUS_SOURCES = ("metrics", "alerts", "wal")
DEPENDENCY_TITLES = {"postgresql": "PostgreSQL", "rabbitmq": "RabbitMQ", "redis": "Redis", "s3": "S3"}
MAX_EVIDENCE_PODS = 8
# Nodes shown for an unschedulable pod's request (what each has free).
MAX_CANDIDATE_NODES = 3
# A pod not ready this long after it started is failing readiness, not starting up.
NOT_READY_GRACE_S = 300.0


# --- helpers -------------------------------------------------------------------------------------


def _pod_ref(p: PodInfo) -> str:
    return f"{p.namespace}/{p.name}"


def _workload_ref(p: PodInfo) -> str | None:
    if p.owner and p.owner_kind in ("Deployment", "StatefulSet", "DaemonSet"):
        return f"{p.namespace}/{p.owner_kind}/{p.owner}"
    return None


def _wl_ref(w: WorkloadInfo) -> str:
    return f"{w.namespace}/{w.kind}/{w.name}"


def _workloads(snap: Snapshot) -> dict[str, WorkloadInfo]:
    return {_wl_ref(w): w for w in snap.cluster.workloads}


def _network_down(n: NodeInfo) -> bool:
    net = n.condition("NetworkUnavailable")
    return net is not None and net.status == "True"


def _node_down(n: NodeInfo) -> bool:
    return n.status == "NotReady" or health.node_lost(n) or _network_down(n)


def _live_pods(snap: Snapshot) -> list[PodInfo]:
    """Pods that are expected to run: finished Job pods are history, never a finding."""
    return [p for p in snap.cluster.all_pods() if not p.finished]


def _age(snap: Snapshot, ts: float | None) -> str:
    if ts is None:
        return ""
    s = max(0.0, snap.taken_at - ts)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f" for {s / size:.0f}{unit}"
    return f" for {s:.0f}s"


def _pods_line(pods: list[PodInfo]) -> str:
    names = [_pod_ref(p) for p in pods[:MAX_EVIDENCE_PODS]]
    more = f" (+{len(pods) - MAX_EVIDENCE_PODS} more)" if len(pods) > MAX_EVIDENCE_PODS else ""
    return ", ".join(names) + more


def _group_by_owner(pods: Iterable[PodInfo]) -> dict[str, list[PodInfo]]:
    """One group per workload; a pod without a known workload is its own group."""
    groups: dict[str, list[PodInfo]] = defaultdict(list)
    for p in pods:
        groups[_workload_ref(p) or f"pod:{_pod_ref(p)}"].append(p)
    return groups


def _restart(target: str) -> Action:
    """The console's rolling restart (operation ``restart``) of a worker or API, pre-filled."""
    return Action(operation="restart", params={"target": target})


def _restart_workload(w: WorkloadInfo) -> Action:
    """``restart`` when the workload is a worker's or an API's (the topology says which node runs it);
    any other workload is named for the operator (the console has no generic restart)."""
    if w.kind in ("Deployment", "StatefulSet"):
        for node in load_topology().nodes:
            if w.name in node.runs and node.domain in (*WORKERS, *API_SERVICES):
                return _restart(node.domain)
    return Action(operation="restart-workload", params={"workload": _wl_ref(w)})


def _serving_severity(snap: Snapshot, key: str) -> tuple[Severity, str]:
    """Critical when nothing of the workload serves; a warning when old or other pods still do."""
    w = _workloads(snap).get(key)
    if w is None or w.desired == 0 or w.ready == 0:
        return "critical", ""
    return "warning", f"{w.ready}/{w.desired} ready pods still serve (degraded, not down)"


# --- Kubernetes: nodes ---------------------------------------------------------------------------


def cluster_unreadable(snap: Snapshot) -> list[Finding]:
    st = snap.sources.get("cluster")
    if st is None or st.ok:
        return []
    if not snap.cluster.nodes:
        return [Finding(rule="cluster_unreadable", severity="critical", title="The cluster could not be read",
                        subject="source/cluster", evidence=[f"error: {st.error or 'no answer'}"],
                        cause="the API server is unreachable, or the credentials/context are wrong")]  # fmt: skip
    return [Finding(rule="cluster_stale", severity="warning", title="Cluster data is stale",
                    subject="source/cluster", evidence=[f"error: {st.error or 'no answer'}",
                                                        f"last good poll{_age(snap, st.updated_at)} ago"],
                    cause="the API server stopped answering; what is shown is the last known state")]  # fmt: skip


def nodes_cluster_wide(snap: Snapshot) -> list[Finding]:
    if snap.cluster.kind == "local":  # the sandbox's "nodes" are its processes: process_down judges them
        return []
    nodes = [n for n in snap.cluster.nodes if n.status != "Missing"]
    down = [n for n in nodes if _node_down(n)]
    if len(down) < CLUSTER_WIDE_MIN_NODES or len(down) < CLUSTER_WIDE_FRACTION * len(nodes):
        return []
    reasons: dict[str, int] = defaultdict(int)
    for n in down:
        for c in health.node_condition_problems(n):
            reasons[f"{c.type}={c.status} {c.reason or ''}".strip()] += 1
    net = any(_network_down(n) for n in down)
    evidence = [f"{len(down)}/{len(nodes)} nodes not Ready"]
    evidence += [f"{k} on {v} node(s)" for k, v in sorted(reasons.items(), key=lambda kv: -kv[1])]
    cause = (
        "the network plugin is down on every node (e.g. Calico Typha port 5473 closed in the security "
        "groups): one cause, not a node problem each"
        if net or any("calico" in p.name for n in down for p in n.pods)
        else "a cluster-wide cause (network plugin, control plane or security groups), not each node"
    )
    return [Finding(rule="nodes_cluster_wide", severity="critical", title="All or nearly all nodes NotReady",
                    subject="cluster", evidence=evidence, cause=cause,
                    action=Action(operation="check-cluster", params={}),
                    refs=Refs(nodes=[n.name for n in down]))]  # fmt: skip


def node_not_ready(snap: Snapshot) -> list[Finding]:
    """One finding per down node, its stranded pods with it; NotReady (kubelet says so) vs Unknown
    (kubelet silent) have different causes. Nothing when the whole cluster is down (that is one)."""
    if snap.cluster.kind == "local" or nodes_cluster_wide(snap):
        return []
    out: list[Finding] = []
    for n in snap.cluster.nodes:
        if n.status == "Missing":
            out.append(Finding(rule="node_missing", severity="critical", title=f"Node {n.name} is missing",
                               subject=f"Node/{n.name}", evidence=["in infra/topology.yaml, not in the cluster"],
                               cause="the instance is gone or never joined (stale inventory after a rebuild?)",
                               refs=Refs(nodes=[n.name])))  # fmt: skip
            continue
        if not _node_down(n):
            continue
        ready = n.condition("Ready")
        stranded = [p for p in n.pods if not p.finished]
        evidence = []
        for c in health.node_condition_problems(n):
            evidence.append(f"{c.type}={c.status} {c.reason or ''}{_age(snap, c.since)}".strip()
                            + (f": {c.message}" if c.message else ""))  # fmt: skip
        if health.node_lost(n):
            title, cause = (
                f"Node {n.name} stopped reporting",
                "the kubelet stopped posting status: the instance is down, stopped or cut off",
            )
            if ready is not None and ready.heartbeat is not None:
                evidence.append(f"last heartbeat{_age(snap, ready.heartbeat)} ago")
        else:
            title, cause = (
                f"Node {n.name} NotReady",
                "the kubelet reports itself not ready (see the condition)",
            )
            if _network_down(n):
                cause = "no pod network on this node: the network plugin (calico-node) is not running there"
        if stranded:
            evidence.append(f"{len(stranded)} pod(s) stranded on it: {_pods_line(stranded)}")
        out.append(Finding(rule="node_not_ready", severity="critical", title=title, subject=f"Node/{n.name}",
                           evidence=evidence, cause=cause,
                           action=Action(operation="drain-node", params={"node": n.name}),
                           refs=Refs(nodes=[n.name], pods=[_pod_ref(p) for p in stranded]),
                           since=ready.since if ready else None))  # fmt: skip
    return out


def node_pressure(snap: Snapshot) -> list[Finding]:
    out: list[Finding] = []
    for n in snap.cluster.nodes:
        pressed = [c for c in n.conditions if c.type in health.PRESSURE_CONDITIONS and c.status == "True"]
        if not pressed:
            continue
        kinds = ", ".join(c.type for c in pressed)
        evidence = [f"{c.type} {c.reason or ''}{_age(snap, c.since)}".strip() for c in pressed]
        if n.mem_percent is not None:
            evidence.append(f"memory {n.mem_percent:.0f}% used")
        out.append(Finding(rule="node_pressure", severity="warning", title=f"Node {n.name}: {kinds}",
                           subject=f"Node/{n.name}", evidence=evidence,
                           cause="the kubelet is short of a resource and will evict pods",
                           action=Action(operation="cordon-node", params={"node": n.name}),
                           refs=Refs(nodes=[n.name])))  # fmt: skip
    return out


def node_provider_id(snap: Snapshot) -> list[Finding]:
    bad = [(n, d) for n in snap.cluster.nodes for d in n.drift if "providerID" in d]
    if not bad:
        return []
    return [Finding(rule="node_provider_id", severity="warning",
                    title=f"{len(bad)} node(s) without an instance id in providerID",
                    subject="Nodes/providerID", evidence=[f"{n.name}: {d}" for n, d in bad],
                    cause="providerID aws:///<az>/ lacks the instance id: the ALB target group stays empty (503)",
                    action=Action(operation="fix-provider-id", params={"nodes": [n.name for n, _ in bad]}),
                    refs=Refs(nodes=[n.name for n, _ in bad]))]  # fmt: skip


def node_drift(snap: Snapshot) -> list[Finding]:
    bad = [(n, d) for n in snap.cluster.nodes for d in n.drift if "providerID" not in d]
    if not bad:
        return []
    nodes = sorted({n.name for n, _ in bad})
    return [Finding(rule="node_drift", severity="warning", title=f"{len(nodes)} node(s) drifted from the topology",
                    subject="Nodes/topology", evidence=[f"{n.name}: {d}" for n, d in bad],
                    cause="labels/taints not applied or changed by hand: pods selecting them will not schedule",
                    action=Action(operation="apply-node-labels", params={"nodes": nodes}),
                    refs=Refs(nodes=nodes))]  # fmt: skip


# --- Kubernetes: pods and workloads --------------------------------------------------------------

_TAINT = re.compile(r"untolerated taint \{([^:}]+):")


def _unschedulable_reasons(message: str) -> list[str]:
    reasons = []
    if "Insufficient cpu" in message:
        reasons.append("insufficient cpu")
    if "Insufficient memory" in message:
        reasons.append("insufficient memory")
    if "untolerated taint" in message:
        reasons.append("untolerated taint")
    if "node selector" in message or "node affinity" in message:
        reasons.append("no node matches the selector/affinity")
    return reasons or ["unschedulable"]


def _cores(millicores: int | None) -> str:
    return "?" if millicores is None else f"{max(millicores, 0) / 1000:.3g}"


def _gib(n_bytes: int | None) -> str:
    return "?" if n_bytes is None else f"{max(n_bytes, 0) / 2**30:.1f}"


def _request_text(p: PodInfo) -> str:
    return f"{_cores(p.cpu_request_m)} CPU / {_gib(p.mem_request_bytes)} GiB"


def _free_text(n: NodeInfo) -> str:
    f = health.node_free(n)
    return (f"{n.name} has {_cores(f.cpu_m)} CPU / {_gib(f.mem_bytes)} GiB free "
            f"of {_cores(f.cpu_allocatable_m)} / {_gib(f.mem_allocatable_bytes)}")  # fmt: skip


def _candidate_nodes(snap: Snapshot, p: PodInfo, short: tuple[str, ...]) -> list[NodeInfo]:
    """The nodes the pod could go to but for room (its nodeSelector matches): the nominated one first, then
    the most free of what is short."""
    nodes = [n for n in snap.cluster.nodes if n.status != "Missing"
             and all(n.labels.get(k) == v for k, v in p.node_selector.items())]  # fmt: skip

    def room(n: NodeInfo) -> tuple[bool, bool, int, int]:
        f = health.node_free(n)
        mem = f.mem_bytes if "insufficient memory" in short else 0
        cpu = f.cpu_m if "insufficient cpu" in short else 0
        return n.name != p.nominated_node, mem is None or cpu is None, -(mem or 0), -(cpu or 0)

    return sorted(nodes, key=room)[:MAX_CANDIDATE_NODES]


def _never_fits(p: PodInfo, nodes: list[NodeInfo], short: tuple[str, ...]) -> bool:
    """The request is more than the whole allocatable of every candidate node (evicting would not help)."""

    def over(n: NodeInfo) -> bool:
        f = health.node_free(n)
        cpu = ("insufficient cpu" in short and p.cpu_request_m is not None and f.cpu_allocatable_m is not None
               and p.cpu_request_m > f.cpu_allocatable_m)  # fmt: skip
        mem = ("insufficient memory" in short and p.mem_request_bytes is not None
               and f.mem_allocatable_bytes is not None and p.mem_request_bytes > f.mem_allocatable_bytes)  # fmt: skip
        return cpu or mem

    return bool(nodes) and all(over(n) for n in nodes)


def _insufficient(snap: Snapshot, pods: list[PodInfo], reasons: tuple[str, ...]) -> tuple[list[str], str]:
    """Evidence (each distinct request against what its candidate nodes have free) and the cause."""
    lines: list[str] = []
    seen: set[tuple[object, ...]] = set()
    never = known = False
    for p in pods:
        key = (p.cpu_request_m, p.mem_request_bytes, tuple(sorted(p.node_selector.items())), p.nominated_node)
        if key in seen or len(lines) >= MAX_EVIDENCE_PODS:
            continue
        seen.add(key)
        nodes = _candidate_nodes(snap, p, reasons)
        known = known or p.cpu_request_m is not None or p.mem_request_bytes is not None
        never = never or _never_fits(p, nodes, reasons)
        lines.append("; ".join([f"{_pod_ref(p)} requests {_request_text(p)}", *map(_free_text, nodes)]))
    if never:
        cause = ("the request is more than a fitting node's whole allocatable: it never fits there (lower the "
                 "request or use a larger instance type)")  # fmt: skip
    elif known:
        cause = ("the pods already on the fitting nodes reserve the room the request needs (lower the request, "
                 "move or scale down what runs there, or add a node)")  # fmt: skip
    else:
        cause = "the request is more than any fitting node has free (small nodes)"
    return lines, cause


def pods_unschedulable(snap: Snapshot) -> list[Finding]:
    """Grouped by the scheduler's reasons, so ten replicas stuck for the same reason are one finding."""
    groups: dict[tuple[str, ...], list[PodInfo]] = defaultdict(list)
    for p in snap.cluster.unscheduled:
        if p.finished or p.terminating:
            continue
        groups[tuple(_unschedulable_reasons(p.message or ""))].append(p)
    out: list[Finding] = []
    for reasons, pods in groups.items():
        evidence = [f"{_pod_ref(p)}: {p.message}" for p in pods[:MAX_EVIDENCE_PODS] if p.message]
        causes = []
        if "untolerated taint" in reasons:
            taints = sorted({m for p in pods for m in _TAINT.findall(p.message or "")})
            tainted = [n.name for n in snap.cluster.nodes if any(t.split("=")[0].split(":")[0] in taints
                                                                 for t in n.taints)]  # fmt: skip
            causes.append(f"nodes tainted {', '.join(taints)} ({', '.join(tainted) or 'no node listed'}) and the pods "
                          "do not tolerate it")  # fmt: skip
        if any(r.startswith("insufficient") for r in reasons):
            lines, cause = _insufficient(snap, pods, reasons)
            evidence += lines
            causes.append(cause)
        if "no node matches the selector/affinity" in reasons:
            drifted = [n.name for n in snap.cluster.nodes if any(d.startswith("label") for d in n.drift)]
            causes.append("node labels not applied or drifted from what the charts select"
                          + (f" (drift on {', '.join(drifted)})" if drifted else ""))  # fmt: skip
        keys = sorted({k for p in pods if (k := _workload_ref(p))})
        sev: Severity = "warning"
        if any(_serving_severity(snap, k)[0] == "critical" for k in keys):
            sev = "critical"
        out.append(Finding(rule="pods_unschedulable", severity=sev,
                           title=f"{len(pods)} pod(s) unschedulable: {'; '.join(reasons)}",
                           subject=f"Pods/Pending ({'; '.join(reasons)})", evidence=evidence, cause="; ".join(causes) or "see the scheduler",
                           refs=Refs(pods=[_pod_ref(p) for p in pods], workloads=keys),
                           since=min((p.created_at for p in pods if p.created_at), default=None)))  # fmt: skip
    return out


def _waiting(p: PodInfo, reasons: set[str]) -> bool:
    return p.waiting_reason in reasons or any(
        c.reason in reasons for c in p.containers if c.state == "waiting"
    )


def image_pull_failures(snap: Snapshot) -> list[Finding]:
    """One finding per workload (a rollout's new pods fail alike), with the registry's answer."""
    failing = [p for p in _live_pods(snap) if _waiting(p, IMAGE_PULL_REASONS)]
    answers: dict[str, str] = {}
    for e in snap.cluster.events:  # newest first: the first answer per pod is the latest
        if e.reason in ("Failed", "ErrImagePull") and e.involved_object.startswith("Pod/"):
            answers.setdefault(f"{e.namespace}/{e.involved_object[4:]}", e.message)
    out: list[Finding] = []
    for key, pods in _group_by_owner(failing).items():
        images = sorted(
            {c.image for p in pods for c in p.containers if c.reason in IMAGE_PULL_REASONS and c.image}
        )
        said = [answers.get(_pod_ref(p)) or p.message or "" for p in pods]
        evidence = [f"image {i}" for i in images] + [
            f"registry: {s}" for s in dict.fromkeys(s for s in said if s)
        ]
        evidence.append(f"pods: {_pods_line(pods)}")
        secrets = sorted({s for p in pods for s in p.image_pull_secrets})
        evidence.append(
            f"{SECRETS_LINE}{', '.join(secrets)}" if secrets
            else "no imagePullSecrets in the pod spec"
        )  # fmt: skip
        sev, serving = _serving_severity(snap, key)
        if serving:
            evidence.append(serving)
        auth = any(w in s.lower() for s in said for w in PULL_AUTH_WORDS)
        if auth and secrets:
            cause = f"the registry refused the credentials of {', '.join(secrets)}: wrong, expired or another registry's"
        elif auth:
            cause = "the registry refused the credentials: a private registry without a pull secret"
        else:
            cause = "the image or tag does not exist, or the registry is unreachable/refuses without a pull secret"
        wl = key if not key.startswith("pod:") else None
        name = wl or _pod_ref(pods[0])
        out.append(Finding(rule="image_pull", severity=sev, title=f"Image pull failing: {name}", subject=name,
                           evidence=evidence, cause=cause,
                           action=Action(operation="rollback-workload", params={"workload": wl}) if wl else None,
                           refs=Refs(pods=[_pod_ref(p) for p in pods], workloads=[wl] if wl else [],
                                     nodes=sorted({p.node for p in pods if p.node}))))  # fmt: skip
    return _by_registry(out)


def _registry(image: str) -> str:
    first = image.removeprefix("image ").split("/", 1)[0]
    return first if "/" in image and ("." in first or ":" in first) else "docker.io"


SECRETS_LINE = "pull secret(s) in the pod spec: "


def _registry_cause(registry: str, group: list[Finding]) -> str:
    named = sorted({n for f in group for e in f.evidence if e.startswith(SECRETS_LINE)
                    for n in e.removeprefix(SECRETS_LINE).split(", ")})  # fmt: skip
    if named:
        return f"{registry} refuses the pull secret(s) {', '.join(named)}: wrong, expired or for another registry"
    return f"{registry} is private and the pods name no imagePullSecret"


def _by_registry(findings: list[Finding]) -> list[Finding]:
    """Several workloads refused by the same registry's credentials are one cause (no pull secret)."""
    refused: dict[str, list[Finding]] = defaultdict(list)
    rest: list[Finding] = []
    for f in findings:
        image = next((e for e in f.evidence if e.startswith("image ")), None)
        if image is not None and f.cause.startswith("the registry refused"):
            refused[_registry(image)].append(f)
        else:
            rest.append(f)
    for registry, group in refused.items():
        if len(group) < 2:
            rest += group
            continue
        refs = Refs(pods=[p for f in group for p in f.refs.pods], workloads=[w for f in group for w in f.refs.workloads],
                    nodes=sorted({n for f in group for n in f.refs.nodes}))  # fmt: skip
        worst = max((f.severity for f in group), key=lambda s: SEVERITY_RANK[s])
        rest.append(Finding(rule="image_pull", severity=worst,
                            title=f"Registry {registry} refuses pulls for {len(group)} workloads",
                            subject=f"Registry/{registry}",
                            evidence=[f"{f.subject}: " + "; ".join(f.evidence[:2]) for f in group]
                            + sorted({e for f in group for e in f.evidence
                                      if e.startswith(("pull secret", "no imagePullSecrets"))}),
                            cause=_registry_cause(registry, group),
                            action=Action(operation="create-pull-secret", params={"registry": registry}),
                            refs=refs))  # fmt: skip
    return rest


def crash_loops(snap: Snapshot) -> list[Finding]:
    """Pods in CrashLoopBackOff now, grouped per workload, with how the last run ended. Old restarts of
    a pod that has been Ready since are not a finding (it recovered)."""
    failing = [p for p in _live_pods(snap) if _waiting(p, {"CrashLoopBackOff"})]
    out: list[Finding] = []
    for key, pods in _group_by_owner(failing).items():
        evidence = []
        oom = False
        for p in pods[:MAX_EVIDENCE_PODS]:
            for c in p.containers:
                last = c.last_terminated
                if c.reason == "CrashLoopBackOff" and last is not None:
                    oom = oom or last.reason == "OOMKilled"
                    evidence.append(f"{_pod_ref(p)} container {c.name}: exit code {last.exit_code} "
                                    f"({last.reason or '?'}), {c.restarts} restarts"
                                    + (f": {last.message}" if last.message else ""))  # fmt: skip
            if not any(c.last_terminated for c in p.containers):
                evidence.append(
                    f"{_pod_ref(p)}: {p.restarts} restarts" + (f", {p.message}" if p.message else "")
                )
        # Logs are read on demand, never polled: say where the last lines are.
        evidence.append("last log lines: on demand (its pod screen, p) or in `triage --bundle DIR`")
        sev, serving = _serving_severity(snap, key)
        if serving:
            evidence.append(serving)
        wl = key if not key.startswith("pod:") else None
        name = wl or _pod_ref(pods[0])
        cause = ("the container exceeds its memory limit (OOMKilled)" if oom
                 else "the process exits at start: configuration, a dependency it cannot reach, or a bug "
                 "(read its last log lines)")  # fmt: skip
        out.append(Finding(rule="crash_loop", severity=sev, title=f"Crash loop: {name}", subject=name,
                           evidence=evidence, cause=cause,
                           action=Action(operation="pod-logs", params={"pod": _pod_ref(pods[0]), "previous": True}),
                           refs=Refs(pods=[_pod_ref(p) for p in pods], workloads=[wl] if wl else [],
                                     nodes=sorted({p.node for p in pods if p.node}))))  # fmt: skip
    return out


def pods_not_ready(snap: Snapshot) -> list[Finding]:
    """Running pods that stay not ready past start-up (readiness failing now), grouped per workload.
    A probe that failed once and recovered leaves the pod ready: no finding."""
    probe: dict[str, str] = {}
    for e in snap.cluster.events:  # newest first: the latest probe answer per pod
        if e.reason == "Unhealthy" and e.involved_object.startswith("Pod/"):
            probe.setdefault(f"{e.namespace}/{e.involved_object[4:]}", f"{e.message} ×{e.count}")
    failing = [
        p for p in _live_pods(snap)
        if p.phase == "Running" and not p.ready and not p.terminating and not p.waiting_reason
        and not any(c.state == "waiting" for c in p.containers)
        and p.start_time is not None and snap.taken_at - p.start_time > NOT_READY_GRACE_S
    ]  # fmt: skip
    out: list[Finding] = []
    for key, pods in _group_by_owner(failing).items():
        evidence = [f"{_pod_ref(p)} not ready, running{_age(snap, p.start_time)}"
                    + (f"; probe: {probe[_pod_ref(p)]}" if _pod_ref(p) in probe else "")
                    for p in pods[:MAX_EVIDENCE_PODS]]  # fmt: skip
        sev, serving = _serving_severity(snap, key)
        if serving:
            evidence.append(serving)
        wl = key if not key.startswith("pod:") else None
        name = wl or _pod_ref(pods[0])
        out.append(Finding(rule="pods_not_ready", severity=sev, title=f"Not ready: {name}", subject=name,
                           evidence=evidence, cause="its readiness probe keeps failing (a dependency or the app itself)",
                           action=Action(operation="pod-logs", params={"pod": _pod_ref(pods[0]), "previous": False}),
                           refs=Refs(pods=[_pod_ref(p) for p in pods], workloads=[wl] if wl else [],
                                     nodes=sorted({p.node for p in pods if p.node}))))  # fmt: skip
    return out


def pods_stuck_terminating(snap: Snapshot) -> list[Finding]:
    """Pods past their grace period: their kubelet does not confirm the deletion, and a StatefulSet
    will not start the replacement. Grouped per node (the usual cause is the node)."""
    by_node: dict[str, list[PodInfo]] = defaultdict(list)
    for p in snap.cluster.all_pods():
        if health.pod_overdue(p, snap.taken_at):
            by_node[p.node or "?"].append(p)
    out: list[Finding] = []
    for node_name, pods in sorted(by_node.items()):
        evidence = [
            f"{_pod_ref(p)} Terminating{_age(snap, p.terminating_since)}" for p in pods[:MAX_EVIDENCE_PODS]
        ]
        out.append(Finding(rule="pods_stuck_terminating", severity="warning",
                           title=f"{len(pods)} pod(s) stuck Terminating on {node_name}", subject=f"Node/{node_name}",
                           evidence=evidence,
                           cause="the kubelet on the node does not confirm the deletion (node lost or kubelet hung)",
                           action=Action(operation="force-delete-pods", params={"pods": [_pod_ref(p) for p in pods]}),
                           refs=Refs(nodes=[node_name] if node_name != "?" else [], pods=[_pod_ref(p) for p in pods]),
                           since=min((t for p in pods if (t := p.terminating_since) is not None), default=None)))  # fmt: skip
    return out


def rollout_stuck(snap: Snapshot) -> list[Finding]:
    """Progressing=False: the rollout gave up. While old pods still serve it is degraded, not down."""
    out: list[Finding] = []
    for w in snap.cluster.workloads:
        prog = w.condition("Progressing")
        if prog is None or prog.status != "False":
            continue
        ref = _wl_ref(w)
        sev, serving = _serving_severity(snap, ref)
        evidence = [
            health.workload_summary(w),
            f"Progressing=False {prog.reason or ''}{_age(snap, prog.since)}",
        ]
        if serving:
            evidence.append(serving)
        out.append(Finding(rule="rollout_stuck", severity=sev, title=f"Rollout not progressing: {ref}", subject=ref,
                           evidence=evidence, cause=prog.message or "the new pods never became ready",
                           action=Action(operation="rollback-workload", params={"workload": ref}),
                           refs=Refs(workloads=[ref]), since=prog.since))  # fmt: skip
    return out


def workload_down(snap: Snapshot) -> list[Finding]:
    """A Deployment/StatefulSet with no ready pod at all. (Short of replicas while some serve is the
    rollout's or the pods' finding, not this one.)"""
    out: list[Finding] = []
    for w in snap.cluster.workloads:
        if w.kind in ("Process", "DaemonSet") or w.desired == 0 or w.ready > 0:
            continue
        ref = _wl_ref(w)
        out.append(Finding(rule="workload_down", severity="critical", title=f"{ref}: no ready pod", subject=ref,
                           evidence=[health.workload_summary(w)], cause="every pod is failing or not placed",
                           action=_restart_workload(w),
                           refs=Refs(workloads=[ref])))  # fmt: skip
    return out


def daemonset_not_ready(snap: Snapshot) -> list[Finding]:
    out: list[Finding] = []
    for w in snap.cluster.workloads:
        if w.kind != "DaemonSet" or not w.nodes_without_ready_pod:
            continue
        ref = _wl_ref(w)
        out.append(Finding(rule="daemonset_not_ready", severity="warning",
                           title=f"DaemonSet {w.name} not ready on {len(w.nodes_without_ready_pod)} node(s)",
                           subject=ref, evidence=[health.workload_summary(w)],
                           cause="its pod is missing, failing or not tolerated on those nodes",
                           refs=Refs(workloads=[ref], nodes=list(w.nodes_without_ready_pod))))  # fmt: skip
    return out


def process_down(snap: Snapshot) -> list[Finding]:
    """The sandbox (cluster kind ``local``): an API, worker or Prometheus process that exited or is
    stopped. Its node is only where it would run in the real cluster, so this, not the node, is the root."""
    if snap.cluster.kind != "local":
        return []
    out: list[Finding] = []
    for n in snap.cluster.nodes:
        for p in n.pods:
            if p.kind != "Process" or p.ready:
                continue
            stopped = p.waiting_reason == "ProcessStopped"
            worker = p.name if p.name in WORKERS else None
            evidence = [p.message or "not running", f"runs on {n.name} in the real cluster"]
            if worker:
                evidence.append(f"queue q.{worker} has no working consumer; its journal does not sync")
            cause = (
                "someone or something stopped it (SIGSTOP, a debugger): it keeps its connections but does no work"
                if stopped
                else "it exited or was killed (its log says why: `triage --bundle DIR` keeps it)"
            )
            op = _restart(p.name) if p.name in (*WORKERS, *API_SERVICES) else None
            out.append(Finding(rule="process_down", severity="critical",
                               title=f"Process {p.name} is {'stopped' if stopped else 'not running'}",
                               subject=f"Process/{p.name}", evidence=evidence, cause=cause, action=op,
                               refs=Refs(pods=[_pod_ref(p)], workers=[worker] if worker else [], nodes=[n.name])))  # fmt: skip
    return out


# --- platform ------------------------------------------------------------------------------------


def _worker_of(queue: str) -> str | None:
    name = queue.removeprefix("q.")
    return None if name.endswith("dlq") else name


def _source_ok(snap: Snapshot, name: str) -> bool:
    return not health.source_failing(snap, name)


def queue_no_consumers(snap: Snapshot) -> list[Finding]:
    if not _source_ok(snap, "queues"):
        return []
    out: list[Finding] = []
    for q in snap.queues:
        if not health.queue_has_no_consumers(q):
            continue
        worker = _worker_of(q.name)
        evidence = [f"{q.ready} ready, {q.consumers or 0} consumers"]
        if len(q.depth_history) >= 2:
            evidence.append(f"depth {q.depth_history[0]:g} → {q.depth_history[-1]:g}")
        cause = "no worker consumes it"
        stranded = [p for n in snap.cluster.nodes if _node_down(n) for p in n.pods
                    if worker and worker in p.name]  # fmt: skip
        if stranded:
            cause += f": its worker pod(s) {_pods_line(stranded)} are on a node that is down"
        out.append(Finding(rule="queue_no_consumers", severity="critical", title=f"Queue {q.name}: work, no consumer",
                           subject=f"Queue/{q.name}", evidence=evidence, cause=cause,
                           action=_restart(worker) if worker else None,
                           refs=Refs(queues=[q.name], workers=[worker] if worker else [],
                                     pods=[_pod_ref(p) for p in stranded])))  # fmt: skip
    return out


def queue_backlog(snap: Snapshot) -> list[Finding]:
    if not _source_ok(snap, "queues"):
        return []
    out: list[Finding] = []
    for q in snap.queues:
        if (
            q.name.endswith("dlq")
            or health.queue_has_no_consumers(q)
            or (q.ready or 0) < health.QUEUE_DEPTH_WARN
        ):
            continue
        worker = _worker_of(q.name)
        out.append(Finding(rule="queue_backlog", severity="warning", title=f"Queue {q.name} above {health.QUEUE_DEPTH_WARN}",
                           subject=f"Queue/{q.name}", evidence=[f"{q.ready} ready, {q.consumers} consumers"],
                           cause="consumers slower than publishers",
                           action=Action(operation="scale-worker", params={"worker": worker}) if worker else None,
                           refs=Refs(queues=[q.name], workers=[worker] if worker else [])))  # fmt: skip
    return out


def dead_letters(snap: Snapshot) -> list[Finding]:
    if not _source_ok(snap, "queues"):
        return []
    out: list[Finding] = []
    for q in snap.queues:
        if not q.name.endswith("dlq") or not q.ready:
            continue
        evidence = [f"{q.ready} dead-lettered message(s)"]
        if len(q.depth_history) >= 2 and q.depth_history[-1] > q.depth_history[0]:
            evidence.append(f"growing: {q.depth_history[0]:g} → {q.depth_history[-1]:g}")
        out.append(Finding(rule="dead_letters", severity="warning", title=f"Dead letters in {q.name}",
                           subject=f"Queue/{q.name}", evidence=evidence,
                           cause="messages a worker rejected (poison messages or repeated task failures)",
                           action=Action(operation="inspect-dlq", params={"queue": q.name}),
                           refs=Refs(queues=[q.name])))  # fmt: skip
    return out


# The platform's /ready says "postgres"; other services say "postgresql" or "pg": one dependency.
DEPENDENCY_ALIASES = {"postgres": "postgresql", "pg": "postgresql", "amqp": "rabbitmq"}


def _dep(name: str) -> str:
    return DEPENDENCY_ALIASES.get(name.lower(), name.lower())


def _unreachable_deps(snap: Snapshot) -> dict[str, list[str]]:
    deps: dict[str, list[str]] = defaultdict(list)
    for s in snap.services:
        for dep, st in s.dependencies.items():
            if not st.ok and s.name not in deps[_dep(dep)]:
                deps[_dep(dep)].append(s.name)
    return deps


def wal_backlog(snap: Snapshot) -> list[Finding]:
    if not _source_ok(snap, "wal"):
        return []
    pg_down = "postgresql" in _unreachable_deps(snap)
    out: list[Finding] = []
    for w in snap.wal:
        level = health.wal_health(w)
        if level not in ("warn", "bad"):
            continue
        interval = w.sync_interval_s or health.DEFAULT_SYNC_INTERVAL_S
        evidence = [
            f"{w.unsynced_rows} unsynced rows, oldest {w.oldest_unsynced_age_s or 0:.0f}s (sync every {interval:g}s)"
        ]
        if health.sync_failing(w):
            evidence.append(f"the last sync failed ({w.sync_errors_total or 0:g} sync errors in all)")
        cause = ("PostgreSQL is unreachable: the journal cannot sync" if pg_down
                 else "the sync is failing or not running (PostgreSQL unreachable from the worker?)")  # fmt: skip
        out.append(Finding(rule="wal_backlog", severity="critical" if level == "bad" else "warning",
                           title=f"Worker {w.worker}: journal not syncing", subject=f"WAL/{w.worker}",
                           evidence=evidence, cause=cause,
                           action=Action(operation="wal-sync-now", params={"worker": w.worker}),
                           refs=Refs(workers=[w.worker])))  # fmt: skip
    return out


def dependency_unreachable(snap: Snapshot) -> list[Finding]:
    """One finding per dependency (PostgreSQL down is one finding however many services report it)."""
    if not _source_ok(snap, "services"):
        return []
    out: list[Finding] = []
    for dep, services in sorted(_unreachable_deps(snap).items()):
        details = [f"{s.name}: {st.detail.strip().splitlines()[0][:200]}" for s in snap.services
                   for k, st in s.dependencies.items() if _dep(k) == dep and not st.ok and st.detail]  # fmt: skip
        name = DEPENDENCY_TITLES.get(dep, dep)
        # A refused login is not an outage: the fix is the credentials, not the network.
        auth = any("authentication" in d or "password" in d for d in details)
        cause = (
            f"{name} answers but refuses the services' credentials (secret rotated or wrong)"
            if auth
            else f"{name} is down or cut off from the services (network policy, security group)"
        )
        out.append(Finding(rule="dependency_unreachable", severity="critical", title=f"{name} unreachable",
                           subject=f"Dependency/{dep}", evidence=[f"reported by {', '.join(services)}", *details],
                           cause=cause,
                           action=Action(operation="check-dependency", params={"dependency": dep})))  # fmt: skip
    return out


def service_down(snap: Snapshot) -> list[Finding]:
    if not _source_ok(snap, "services"):
        return []
    out: list[Finding] = []
    for s in snap.services:
        if health.service_health(s) != "bad":
            continue
        out.append(Finding(rule="service_down", severity="critical", title=f"Service {s.name} not answering",
                           subject=f"Service/{s.name}", evidence=[s.error or f"/health live={s.live}"],
                           cause="the process is down or unreachable",
                           action=_restart(s.name) if s.name in API_SERVICES else None))  # fmt: skip
    return out


def service_slo(snap: Snapshot) -> list[Finding]:
    """Error-rate and latency breaches (the alert thresholds of domain §3)."""
    if not _source_ok(snap, "metrics"):
        return []
    out: list[Finding] = []
    for m in snap.metrics.services:
        err, p95 = m.error_ratio or 0.0, m.p95_latency_s or 0.0
        evidence: list[str] = []
        sev: Severity | None = None
        if err >= health.ERROR_RATIO_WARN:
            evidence.append(f"5xx {err:.1%} (alert at {health.ERROR_RATIO_BAD:.0%})")
            sev = "critical" if err >= health.ERROR_RATIO_BAD else "warning"
        if p95 >= health.P95_WARN_S:
            evidence.append(f"p95 {p95:.2f}s (alert at {health.P95_WARN_S:g}s)")
            sev = sev or "warning"
        if sev is None:
            continue
        out.append(Finding(rule="service_slo", severity=sev, title=f"Service {m.service}: SLO breach",
                           subject=f"Service/{m.service}", evidence=evidence,
                           cause="see its dependencies and pods", refs=Refs()))  # fmt: skip
    return out


def prometheus_unreachable(snap: Snapshot) -> list[Finding]:
    failing = [s for s in PROMETHEUS_SOURCES if health.source_failing(snap, s)]
    if not failing:
        return []
    errors = sorted({snap.sources[s].error or "no answer" for s in failing})
    return [Finding(rule="prometheus_unreachable", severity="warning", title="Prometheus unreachable",
                    subject="source/prometheus",
                    evidence=[f"blind: {', '.join(failing)}", *errors],
                    cause="Prometheus is down or unreachable: metrics, alerts and journal figures are not current",
                    action=Action(operation="check-monitoring", params={}))]  # fmt: skip


def prometheus_targets_down(snap: Snapshot) -> list[Finding]:
    """Scrape targets Prometheus reports down, one finding per job (13 node-exporters down together are
    one cause). Silent when the metrics source fails (``prometheus_unreachable`` says so) or the targets
    were not read."""
    if not _source_ok(snap, "metrics") or not snap.metrics.targets:
        return []
    jobs: dict[str, list[ScrapeTarget]] = defaultdict(list)
    for t in snap.metrics.targets:
        if t.health == "down":
            jobs[t.job].append(t)
    out: list[Finding] = []
    for job, down in sorted(jobs.items()):
        total = sum(1 for t in snap.metrics.targets if t.job == job)
        evidence = [f"{len(down)}/{total} target(s) of job {job} down"]
        evidence += [f"{t.instance}: {t.last_error or 'no error given'}"
                     + (f" (last scrape{_age(snap, t.last_scrape)} ago)" if t.last_scrape else "")
                     for t in down[:MAX_EVIDENCE_PODS]]  # fmt: skip
        nodes = sorted({n for t in down if (n := t.labels.get("node"))})
        workers = sorted({w for t in down if (w := t.labels.get("worker"))})
        refused = any("refused" in (t.last_error or "") for t in down)
        cause = (
            "the exporter/service is not listening (process down or wrong port)"
            if refused
            else "the target does not answer Prometheus in time, or the network between them is cut"
        )
        out.append(Finding(rule="prometheus_targets_down", severity="warning",
                           title=f"Prometheus cannot scrape {job} ({len(down)}/{total} down)",
                           subject=f"Targets/{job}", evidence=evidence, cause=cause + "; its metrics and alerts are blind",
                           action=Action(operation="check-monitoring", params={"job": job}),
                           refs=Refs(nodes=nodes, workers=workers)))  # fmt: skip
    return out


# Alerts of charts/ecoeco-monitoring's rules and the rules whose finding already explains them: such an
# alert becomes a line of evidence there; any other firing alert is a finding of its own.
ALERT_COVERED_BY: dict[str, set[str]] = {
    "EcoecoApiLatencyP95High": {"service_slo"},
    "EcoecoApiErrorRateHigh": {"service_slo", "dependency_unreachable"},
    "EcoecoApiPodDown": {"crash_loop", "image_pull", "pods_not_ready", "workload_down", "pods_unschedulable",
                         "node_not_ready", "nodes_cluster_wide", "process_down"},
    "EcoecoWorkerPodDown": {"crash_loop", "image_pull", "pods_not_ready", "workload_down", "pods_unschedulable",
                            "node_not_ready", "nodes_cluster_wide", "queue_no_consumers", "process_down"},
    "EcoecoWalSyncBacklog": {"wal_backlog"},
    "EcoecoWalBacklogStale": {"wal_backlog"},
    "EcoecoWalSyncErrors": {"wal_backlog"},
    "EcoecoQueueReadyHigh": {"queue_backlog", "queue_no_consumers"},
    "EcoecoQueueNoConsumers": {"queue_no_consumers"},
    "EcoecoDeadLetterQueueGrowing": {"dead_letters"},
    "EcoecoRabbitMQDown": {"dependency_unreachable"},
    "EcoecoPostgreSQLDown": {"dependency_unreachable"},
    "EcoecoRedisDown": {"dependency_unreachable"},
    "EcoecoNodeDown": {"node_not_ready", "nodes_cluster_wide"},
}  # fmt: skip


def alerts_firing(snap: Snapshot) -> list[Finding]:
    """Firing alerts, one finding each; ``group`` folds those another finding explains into it."""
    if not _source_ok(snap, "alerts"):
        return []
    out: list[Finding] = []
    for a in snap.alerts:
        if a.state != "firing":
            continue
        labels = ", ".join(
            f"{k}={v}" for k, v in sorted(a.labels.items()) if k not in ("alertname", "severity")
        )
        out.append(Finding(rule="alert_firing", severity="critical" if a.severity == "critical" else "warning",
                           title=f"Alert {a.name} firing", subject=f"Alert/{a.name}",
                           evidence=[e for e in (a.summary, labels, _age(snap, a.active_since).strip()) if e],
                           cause="Prometheus rule; no other finding explains it", since=a.active_since))  # fmt: skip
    return out


def source_unreachable(snap: Snapshot) -> list[Finding]:
    out: list[Finding] = []
    for name in ("queues", "services"):
        st = snap.sources.get(name)
        if st is not None and not st.ok:
            out.append(Finding(rule="source_unreachable", severity="warning", title=f"Source {name} unreachable",
                               subject=f"source/{name}", evidence=[st.error or "no answer"],
                               cause="its part of the snapshot is not current"))  # fmt: skip
    return out


RULES: tuple[Rule, ...] = (
    cluster_unreadable,
    nodes_cluster_wide,
    node_not_ready,
    node_pressure,
    node_provider_id,
    node_drift,
    pods_unschedulable,
    image_pull_failures,
    crash_loops,
    pods_not_ready,
    pods_stuck_terminating,
    rollout_stuck,
    workload_down,
    daemonset_not_ready,
    process_down,
    queue_no_consumers,
    queue_backlog,
    dead_letters,
    wal_backlog,
    dependency_unreachable,
    service_down,
    service_slo,
    prometheus_unreachable,
    prometheus_targets_down,
    source_unreachable,
    alerts_firing,
    *INFRA_RULES,  # triage/infra_rules.py: the vCPU quota, the inventory drift
)

# --- grouping ------------------------------------------------------------------------------------

# Symptoms folded into a root finding: (child rules, root rules, how they are related).
NODE_ROOTS = {"nodes_cluster_wide", "node_not_ready"}
POD_ROOTS = {"image_pull", "crash_loop", "pods_unschedulable", "pods_not_ready"}
FOLDS: tuple[tuple[set[str], set[str], str], ...] = (
    ({"rollout_stuck", "workload_down"}, POD_ROOTS, "workloads"),
    ({"queue_no_consumers", "service_down", "prometheus_targets_down"}, {"process_down"}, "process"),
    (
        {
            "image_pull",
            "crash_loop",
            "pods_not_ready",
            "daemonset_not_ready",
            "node_pressure",
            "pods_stuck_terminating",
        },
        NODE_ROOTS,
        "nodes",
    ),
)


def _related(child: Finding, root: Finding, key: str) -> bool:
    if key == "process":  # the worker's queue or scrape target, or the API's own /health, in the sandbox
        name = root.subject.removeprefix("Process/")
        workers = set(child.refs.workers)
        return (bool(workers) and workers <= set(root.refs.workers)) or child.subject == f"Service/{name}"
    if key == "workloads":
        return bool(set(child.refs.workloads) & set(root.refs.workloads))
    nodes = set(child.refs.nodes)
    return bool(nodes) and nodes <= set(root.refs.nodes)


def _absorb(root: Finding, child: Finding, *, raise_severity: bool = True) -> None:
    root.evidence.append(f"{child.title}: " + "; ".join(child.evidence))
    for field in ("nodes", "pods", "workloads", "queues", "workers"):
        have: list[str] = getattr(root.refs, field)
        have += [x for x in getattr(child.refs, field) if x not in have]
    if raise_severity and SEVERITY_RANK[child.severity] > SEVERITY_RANK[root.severity]:
        root.severity = child.severity


def group(findings: list[Finding]) -> list[Finding]:
    """Fold symptoms into their root finding (a rollout into its pods' image-pull failure, a down node's
    crash-looping pods and missing DaemonSet pod into the node)."""
    out: list[Finding] = []
    for f in findings:
        # An alert another finding explains is evidence there; the finding keeps its own severity
        # (the rule judged the cause; the alert's threshold only saw the symptom).
        cover = (
            ALERT_COVERED_BY.get(f.subject.removeprefix("Alert/"), set())
            if f.rule == "alert_firing"
            else set()
        )
        candidates = [r for r in findings if r.rule in cover]
        # Prefer the finding about the alert's own queue/worker/node (its labels are in the evidence).
        text = " ".join(f.evidence)
        candidates.sort(
            key=lambda r: not any(f"={x}" in text for x in (*r.refs.queues, *r.refs.workers, *r.refs.nodes))
        )
        root = candidates[0] if candidates else None
        if root is None:
            out.append(f)
        else:
            _absorb(root, f, raise_severity=False)
    for children, roots, key in FOLDS:
        root_list = [f for f in out if f.rule in roots]
        kept: list[Finding] = []
        for f in out:
            root = next(
                (r for r in root_list if f.rule in children and r is not f and _related(f, r, key)), None
            )
            if root is None:
                kept.append(f)
            else:
                _absorb(root, f)
        out = kept
    return out


def evaluate(snap: Snapshot, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Every rule, grouped, worst first (ties keep the rules' order: cluster before platform)."""
    findings = [f for rule in rules for f in rule(snap)]
    return sorted(group(findings), key=lambda f: -SEVERITY_RANK[f.severity])
