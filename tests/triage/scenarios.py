"""The triage scenario library: cluster and platform states, each with the findings it must produce.

Each scenario starts from the healthy fixture (13 nodes, the real topology) and changes only what its
fault changes, so a finding that is not expected is a false positive of a rule, not of the setup.
``expected`` is the set of (rule, severity) of the grouped findings; a scenario with ``exact`` False
only requires these to be present (the recorded fixtures carry more than one fault).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ecoeco.console.snapshot import (
    Condition,
    ContainerInfo,
    ContainerTermination,
    DependencyStatus,
    EventInfo,
    NodeInfo,
    PodInfo,
    ScrapeTarget,
    ServiceMetrics,
    Snapshot,
    SourceStatus,
    WorkloadInfo,
)

FIXTURES = Path(__file__).parents[1] / "console" / "fixtures"
DAY = 86400.0


def fixture(name: str) -> Snapshot:
    return Snapshot.model_validate_json((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def healthy() -> Snapshot:
    snap = fixture("healthy")
    # The kubelet's own conditions, as a real healthy node has them (the fixture predates them).
    for n in snap.cluster.nodes:
        n.conditions = [Condition(type="Ready", status="True", since=snap.taken_at - 10 * DAY)] + [
            Condition(type=t, status="False") for t in ("MemoryPressure", "DiskPressure", "PIDPressure")
        ]
    return snap


def node(snap: Snapshot, name: str) -> NodeInfo:
    return next(n for n in snap.cluster.nodes if n.name == name)


def workload(snap: Snapshot, name: str) -> WorkloadInfo:
    return next(w for w in snap.cluster.workloads if w.name == name)


def set_ready(n: NodeInfo, status: str, reason: str, since: float) -> None:
    n.status = "Unknown" if status == "Unknown" else "NotReady"
    n.conditions = [c for c in n.conditions if c.type != "Ready"]
    n.conditions.append(Condition(type="Ready", status=status, reason=reason, since=since, heartbeat=since))


def api_pod(name: str, node_name: str, **kw: object) -> PodInfo:
    base: dict[str, object] = dict(name=name, namespace="api", node=node_name, phase="Running", ready=True,
                                   owner="waste-api", owner_kind="Deployment")  # fmt: skip
    base.update(kw)
    return PodInfo.model_validate(base)


# --- the scenarios --------------------------------------------------------------------------------


def s_healthy() -> Snapshot:
    return healthy()


def s_benign() -> Snapshot:
    """Everything that looks alarming in raw data and must not be a warning."""
    snap = healthy()
    now = snap.taken_at
    auth = node(snap, "k8s-api-auth")
    # Old restarts of a pod Ready for days.
    p = auth.pods[0]
    p.restarts = 12
    p.containers = [ContainerInfo(name="auth", ready=True, restarts=12, state="running", started_at=now - 4 * DAY,
                                  last_terminated=ContainerTermination(exit_code=1, reason="Error",
                                                                       finished_at=now - 4 * DAY))]  # fmt: skip
    # A completed Job pod, and a failed attempt of a Job that has since succeeded.
    auth.pods.append(PodInfo(name="points-rollup-1-abc", namespace="ecoeco", node=auth.name, phase="Succeeded",
                             owner="points-rollup-1", owner_kind="Job"))  # fmt: skip
    auth.pods.append(PodInfo(name="points-rollup-1-xyz", namespace="ecoeco", node=auth.name, phase="Failed",
                             owner="points-rollup-1", owner_kind="Job"))  # fmt: skip
    # A readiness probe that failed once and recovered; a start-up warning that cleared.
    snap.cluster.events = [
        EventInfo(namespace="api", involved_object=f"Pod/{auth.pods[1].name}", reason="Unhealthy",
                  message="Readiness probe failed: connection refused", count=1, last_seen=now - 3600),
        EventInfo(namespace="workers", involved_object="Pod/ai-worker-0", reason="FailedScheduling",
                  message="0/13 nodes are available: 1 Insufficient memory", last_seen=now - 2 * DAY),
    ]  # fmt: skip
    # The old pods of a rollout that still serve, the rollout progressing.
    w = workload(snap, "waste-api")
    w.updated, w.conditions = 1, [Condition(type="Progressing", status="True", reason="ReplicaSetUpdated")]
    return snap


def s_cni_outage() -> Snapshot:
    """Calico down everywhere (Typha port closed): every node NotReady, calico-node crash-looping."""
    snap = healthy()
    since = snap.taken_at - 600
    for i, n in enumerate(snap.cluster.nodes):
        set_ready(n, "False", "KubeletNotReady", since)
        n.conditions.append(
            Condition(type="NetworkUnavailable", status="True", reason="CalicoIsDown", since=since)
        )
        n.pods.append(PodInfo(name=f"calico-node-{i}", namespace="kube-system", node=n.name, phase="Running",
                              waiting_reason="CrashLoopBackOff", owner="calico-node", owner_kind="DaemonSet",
                              containers=[ContainerInfo(name="calico-node", state="waiting", reason="CrashLoopBackOff",
                                                        restarts=9, last_terminated=ContainerTermination(
                                                            exit_code=1, reason="Error"))]))  # fmt: skip
    snap.cluster.workloads.append(WorkloadInfo(kind="DaemonSet", namespace="kube-system", name="calico-node",
                                               desired=13, ready=0, updated=13,
                                               nodes_without_ready_pod=[n.name for n in snap.cluster.nodes]))  # fmt: skip
    return snap


def s_node_lost() -> Snapshot:
    snap = healthy()
    set_ready(node(snap, "k8s-worker-ai"), "Unknown", "NodeStatusUnknown", snap.taken_at - 300)
    return snap


def s_stuck_terminating() -> Snapshot:
    """A pod Terminating well past its grace period on a node that still says Ready."""
    snap = healthy()
    pod = node(snap, "k8s-worker-storage").pods[0]
    pod.deletion_timestamp, pod.grace_period_s = snap.taken_at - 600, 30
    return snap


def s_lost_node_stuck_pod() -> Snapshot:
    """The same stuck pod on a node that stopped reporting: one node finding, the pod in it."""
    snap = s_stuck_terminating()
    set_ready(node(snap, "k8s-worker-storage"), "Unknown", "NodeStatusUnknown", snap.taken_at - 900)
    return snap


def s_node_not_ready() -> Snapshot:
    snap = healthy()
    set_ready(node(snap, "k8s-api-chat-llm"), "False", "KubeletNotReady", snap.taken_at - 300)
    return snap


def _pending(
    snap: Snapshot, message: str, owner: str = "location-api", ready: int = 1, **kw: object
) -> Snapshot:
    snap.cluster.unscheduled.append(PodInfo.model_validate(dict(name=f"{owner}-new-1", namespace="api", phase="Pending",
                                                                owner=owner, owner_kind="Deployment", message=message,
                                                                **kw)))  # fmt: skip
    w = workload(snap, owner)
    w.ready, w.pending = ready, 1
    return snap


def s_unschedulable_selector() -> Snapshot:
    snap = healthy()
    node(snap, "k8s-api-location").drift = ["label domain missing (topology: domain=location)"]
    return _pending(snap, "0/13 nodes are available: 13 node(s) didn't match Pod's node affinity/selector.")


def s_unschedulable_taint() -> Snapshot:
    return _pending(healthy(), "0/13 nodes are available: 4 node(s) had untolerated taint "
                    "{node-role.kubernetes.io/infrastructure: true}, 9 node(s) didn't match Pod's node affinity/selector.")  # fmt: skip


def s_unschedulable_resources() -> Snapshot:
    """The location node is full of what its pods reserve: 0.5 CPU / 0.6 GiB of 1.9 / 3.6 left, and the new
    replica asks 1 CPU / 1 GiB (it would fit an empty node)."""
    snap = healthy()
    for p in node(snap, "k8s-api-location").pods:
        p.cpu_request_m, p.mem_request_bytes = 700, 1536 * 2**20
    return _pending(snap, "0/13 nodes are available: 1 Insufficient memory, 1 Insufficient cpu, "
                    "12 node(s) didn't match Pod's node affinity/selector.", ready=0,
                    cpu_request_m=1000, mem_request_bytes=2**30, node_selector={"domain": "location"})  # fmt: skip


def s_provider_id() -> Snapshot:
    snap = healthy()
    n = node(snap, "k8s-api-userinfo")
    n.provider_id = "aws:///ap-northeast-2b/"
    n.drift = [
        "providerID aws:///ap-northeast-2b/ is not aws:///<az>/<instance-id>: the ALB cannot register the node"
    ]
    return snap


def s_rollout_image_pull() -> Snapshot:
    """A rollout whose new pods cannot pull; the two old pods still serve: one finding, degraded."""
    snap = healthy()
    now = snap.taken_at
    waste = node(snap, "k8s-api-waste")
    for p in waste.pods:
        p.owner_kind = "Deployment"
    for i in range(3):
        waste.pods.append(api_pod(f"waste-api-new-{i}", waste.name, phase="Pending", ready=False,
                                  waiting_reason="ImagePullBackOff",
                                  containers=[ContainerInfo(name="waste", image="ghcr.io/eco2/waste-api:v9",
                                                            state="waiting", reason="ImagePullBackOff")]))  # fmt: skip
        snap.cluster.events.append(EventInfo(namespace="api", involved_object=f"Pod/waste-api-new-{i}", reason="Failed",
                                             message='failed to pull "ghcr.io/eco2/waste-api:v9": not found',
                                             last_seen=now - 60))  # fmt: skip
    w = workload(snap, "waste-api")
    w.updated, w.unavailable = 0, 0
    w.conditions = [
        Condition(type="Progressing", status="False", reason="ProgressDeadlineExceeded", since=now - 120)
    ]
    return snap


def s_image_pull_every_api() -> Snapshot:
    """A private registry without a pull secret: every API pod fails, nothing serves."""
    snap = healthy()
    for n in snap.cluster.nodes:
        if n.role != "api":
            continue
        for p in n.pods:
            p.ready, p.phase, p.waiting_reason, p.owner_kind = False, "Pending", "ErrImagePull", "Deployment"
            p.message = (
                "pull access denied, repository does not exist or may require authorization: unauthorized"
            )
            p.containers = [ContainerInfo(name="app", image=f"registry.eco2/{p.owner}:1", state="waiting",
                                          reason="ErrImagePull")]  # fmt: skip
    for w in snap.cluster.workloads:
        if w.namespace == "api":
            w.ready = 0
    return snap


def s_image_pull_wrong_secret() -> Snapshot:
    """The pods name a pull secret, and the registry still answers 401: the secret is wrong or expired."""
    snap = s_image_pull_every_api()
    for p in snap.cluster.all_pods():
        if p.waiting_reason == "ErrImagePull":
            p.image_pull_secrets = ["regcred-eco2"]
    return snap


def _targets(snap: Snapshot, down: dict[str, str]) -> Snapshot:
    """Prometheus' targets: a node-exporter per node and one per API, ``down`` by instance -> error."""
    targets = [ScrapeTarget(job="node-exporter", instance=f"{n.name}:9100", labels={"node": n.name},
                            health="down" if f"{n.name}:9100" in down else "up",
                            last_error=down.get(f"{n.name}:9100"), last_scrape=snap.taken_at - 7)
               for n in snap.cluster.nodes]  # fmt: skip
    targets += [ScrapeTarget(job="ecoeco-api", instance=f"{m.service}-api:8000", labels={"service": m.service},
                             health="down" if f"{m.service}-api:8000" in down else "up",
                             last_error=down.get(f"{m.service}-api:8000"), last_scrape=snap.taken_at - 3)
                for m in snap.metrics.services]  # fmt: skip
    snap.metrics.targets = targets
    return snap


def s_targets_up() -> Snapshot:
    return _targets(healthy(), {})


def s_targets_down() -> Snapshot:
    """node-exporter unreachable on two nodes (security group or the DaemonSet gone there)."""
    snap = healthy()
    down = {f"{n}:9100": f'Get "http://{n}:9100/metrics": context deadline exceeded'
            for n in ("k8s-worker-ai", "k8s-worker-storage")}  # fmt: skip
    return _targets(snap, down)


def s_sandbox_worker_down(reason: str = "ProcessExited") -> Snapshot:
    """The sandbox (cluster kind local): the ai worker process exited, its queue fills with no consumer."""
    snap = healthy()
    snap.cluster.kind = "local"
    n = node(snap, "k8s-worker-ai")
    n.status = "NotReady"
    n.pods = [PodInfo(name="ai", namespace="sandbox", node=n.name, kind="Process", phase="Failed", ready=False,
                      waiting_reason=reason, message="process not running or its port is closed", owner="ai")]  # fmt: skip
    q = next(q for q in snap.queues if q.name == "q.ai")
    q.ready, q.consumers = 12, 0
    return snap


def s_sandbox_worker_stopped() -> Snapshot:
    """SIGSTOP: the worker keeps its connection (RabbitMQ still counts a consumer) but runs nothing, and
    Prometheus cannot scrape it: one finding, the process."""
    snap = s_sandbox_worker_down("ProcessStopped")
    next(q for q in snap.queues if q.name == "q.ai").consumers = 1
    snap.metrics.targets = [
        ScrapeTarget(job="ecoeco-worker", instance="127.0.0.1:37759", health="down", labels={"worker": "ai"},
                     last_error="context deadline exceeded"),
        ScrapeTarget(job="ecoeco-worker", instance="127.0.0.1:37758", health="up", labels={"worker": "storage"}),
    ]  # fmt: skip
    return snap


def s_crash_loop() -> Snapshot:
    snap = healthy()
    n = node(snap, "k8s-api-location")
    for p in n.pods:
        p.owner_kind = "Deployment"
    p = n.pods[0]
    p.ready, p.waiting_reason, p.restarts = False, "CrashLoopBackOff", 14
    p.containers = [ContainerInfo(name="location", state="waiting", reason="CrashLoopBackOff", restarts=14,
                                  last_terminated=ContainerTermination(exit_code=3, reason="Error",
                                                                       message="DATABASE_URL not set"))]  # fmt: skip
    workload(snap, "location-api").ready = 1
    return snap


def s_readiness_failing() -> Snapshot:
    """One replica running for an hour, its readiness probe failing now; the other serves."""
    snap = healthy()
    n = node(snap, "k8s-api-userinfo")
    for p in n.pods:
        p.owner_kind, p.start_time = "Deployment", snap.taken_at - 3600
    n.pods[0].ready = False
    snap.cluster.events.append(EventInfo(namespace="api", involved_object=f"Pod/{n.pods[0].name}", reason="Unhealthy",
                                         message="Readiness probe failed: HTTP 503", count=40,
                                         last_seen=snap.taken_at - 5))  # fmt: skip
    workload(snap, "userinfo-api").ready = 1
    return snap


def s_starting_up() -> Snapshot:
    """A pod started a minute ago, not ready yet: start-up, not a finding."""
    snap = healthy()
    p = node(snap, "k8s-api-userinfo").pods[0]
    p.ready, p.start_time = False, snap.taken_at - 60
    return snap


def s_pressure() -> Snapshot:
    snap = healthy()
    for c in node(snap, "k8s-monitoring").conditions:
        if c.type == "DiskPressure":
            c.status, c.reason = "True", "KubeletHasDiskPressure"
    return snap


def s_daemonset() -> Snapshot:
    snap = healthy()
    snap.cluster.workloads.append(WorkloadInfo(kind="DaemonSet", namespace="monitoring", name="node-exporter",
                                               desired=13, ready=11, updated=13,
                                               nodes_without_ready_pod=["k8s-redis", "k8s-postgresql"]))  # fmt: skip
    return snap


def s_queue_no_consumers() -> Snapshot:
    snap = healthy()
    q = next(q for q in snap.queues if q.name == "q.ai")
    q.ready, q.consumers, q.depth_history = 1160, 0, [1080.0, 1120.0, 1160.0]
    return snap


def s_dead_letters() -> Snapshot:
    snap = healthy()
    q = next(q for q in snap.queues if q.name == "q.dlq")
    q.ready, q.depth_history = 3, [0.0, 1.0, 3.0]
    return snap


def s_postgres_down() -> Snapshot:
    """PostgreSQL cut off: the services say so, the journal backs up past two sync intervals."""
    snap = healthy()
    for s in snap.services:
        if "postgresql" in s.dependencies:
            s.dependencies["postgresql"] = DependencyStatus(ok=False, detail="connection refused")
            s.ready = False
    w = next(w for w in snap.wal if w.worker == "storage")
    w.unsynced_rows, w.oldest_unsynced_age_s, w.sync_interval_s, w.sync_errors_total = 900, 1900.0, 300.0, 7.0
    w.last_sync_failure_ts = snap.taken_at - 20
    return snap


def s_error_rate() -> Snapshot:
    snap = healthy()
    m = next(m for m in snap.metrics.services if m.service == "waste")
    m.error_ratio = 0.083
    snap.metrics.services.append(ServiceMetrics(service="chat-llm-slow", request_rate=2.0, error_ratio=0.0,
                                                p95_latency_s=2.4))  # fmt: skip
    return snap


def s_prometheus_down() -> Snapshot:
    snap = healthy()
    for name in ("metrics", "alerts", "wal"):
        st = snap.sources[name]
        st.ok, st.error = False, "Prometheus http://10.0.3.12:9090: connection refused"
    return snap


def s_cluster_unreadable() -> Snapshot:
    snap = healthy()
    snap.cluster.nodes, snap.cluster.workloads = [], []
    snap.sources["cluster"] = SourceStatus(
        name="cluster", ok=False, error="https://api:6443: connection refused"
    )
    return snap


def s_mixture() -> Snapshot:
    """Three independent faults at once: each found, none hiding another."""
    snap = s_crash_loop()
    snap.queues = s_dead_letters().queues
    snap.metrics = s_error_rate().metrics
    for c in node(snap, "k8s-worker-storage").conditions:
        if c.type == "MemoryPressure":
            c.status = "True"
    return snap


@dataclass(frozen=True)
class Scenario:
    name: str
    build: Callable[[], Snapshot]
    expected: frozenset[tuple[str, str]]
    exact: bool = True


def _e(*pairs: tuple[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset(pairs)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("healthy", s_healthy, _e()),
    Scenario("healthy-fixture", lambda: fixture("healthy"), _e()),
    Scenario("benign", s_benign, _e()),
    Scenario("cni-outage", s_cni_outage, _e(("nodes_cluster_wide", "critical"))),
    Scenario("node-lost", s_node_lost, _e(("node_not_ready", "critical"))),
    Scenario("node-not-ready", s_node_not_ready, _e(("node_not_ready", "critical"))),
    Scenario("stuck-terminating", s_stuck_terminating, _e(("pods_stuck_terminating", "warning"))),
    Scenario("lost-node-stuck-pod", s_lost_node_stuck_pod, _e(("node_not_ready", "critical"))),
    Scenario(
        "unschedulable-selector",
        s_unschedulable_selector,
        _e(("pods_unschedulable", "warning"), ("node_drift", "warning")),
    ),  # fmt: skip
    Scenario("unschedulable-taint", s_unschedulable_taint, _e(("pods_unschedulable", "warning"))),
    Scenario("unschedulable-resources", s_unschedulable_resources, _e(("pods_unschedulable", "critical"))),
    Scenario("provider-id", s_provider_id, _e(("node_provider_id", "warning"))),
    Scenario("rollout-image-pull", s_rollout_image_pull, _e(("image_pull", "warning"))),
    Scenario("image-pull-every-api", s_image_pull_every_api, _e(("image_pull", "critical"))),
    Scenario("image-pull-wrong-secret", s_image_pull_wrong_secret, _e(("image_pull", "critical"))),
    Scenario("crash-loop", s_crash_loop, _e(("crash_loop", "warning"))),
    Scenario("readiness-failing", s_readiness_failing, _e(("pods_not_ready", "warning"))),
    Scenario("starting-up", s_starting_up, _e()),
    Scenario("pressure", s_pressure, _e(("node_pressure", "warning"))),
    Scenario("daemonset", s_daemonset, _e(("daemonset_not_ready", "warning"))),
    Scenario("queue-no-consumers", s_queue_no_consumers, _e(("queue_no_consumers", "critical"))),
    Scenario("sandbox-worker-down", s_sandbox_worker_down, _e(("process_down", "critical"))),
    Scenario("sandbox-worker-stopped", s_sandbox_worker_stopped, _e(("process_down", "critical"))),
    Scenario("dead-letters", s_dead_letters, _e(("dead_letters", "warning"))),
    Scenario(
        "postgres-down",
        s_postgres_down,
        _e(("dependency_unreachable", "critical"), ("wal_backlog", "critical")),
    ),
    Scenario("error-rate", s_error_rate, _e(("service_slo", "critical"), ("service_slo", "warning"))),
    Scenario("prometheus-down", s_prometheus_down, _e(("prometheus_unreachable", "warning"))),
    Scenario("targets-up", s_targets_up, _e()),
    Scenario("targets-down", s_targets_down, _e(("prometheus_targets_down", "warning"))),
    Scenario("cluster-unreadable", s_cluster_unreadable, _e(("cluster_unreadable", "critical"))),
    Scenario(
        "mixture",
        s_mixture,
        _e(
            ("crash_loop", "warning"),
            ("dead_letters", "warning"),
            ("service_slo", "critical"),
            ("service_slo", "warning"),
            ("node_pressure", "warning"),
        ),
    ),  # fmt: skip
    Scenario(
        "incident-fixture",
        lambda: fixture("incident"),
        _e(
            ("node_not_ready", "critical"),
            ("queue_no_consumers", "critical"),
            ("wal_backlog", "critical"),
            ("dependency_unreachable", "critical"),
            ("dead_letters", "warning"),
            ("prometheus_unreachable", "warning"),
            ("crash_loop", "critical"),
        ),
        exact=False,
    ),  # fmt: skip
    Scenario(
        "degraded-fixture",
        lambda: fixture("degraded"),
        _e(
            ("node_not_ready", "critical"),
            ("pods_unschedulable", "critical"),
            ("node_pressure", "warning"),
            ("node_provider_id", "warning"),
            ("node_drift", "warning"),
            ("image_pull", "warning"),
            ("prometheus_unreachable", "warning"),
        ),
        exact=False,
    ),  # fmt: skip
)
