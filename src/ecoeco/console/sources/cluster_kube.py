"""The ``kubernetes`` cluster variant: nodes, pods, workloads and Warning events via the official client (reads only),
mapped onto the 13 topology nodes (a topology node the cluster does not have is "Missing")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ecoeco.console import health
from ecoeco.console.snapshot import (
    ClusterState,
    Condition,
    ContainerInfo,
    ContainerTermination,
    EventInfo,
    NodeInfo,
    PodInfo,
    Snapshot,
    WorkloadInfo,
)
from ecoeco.console.sources.base import DEFAULT_TIMEOUT_S, LOG_TAIL_LINES, SourceError
from ecoeco.console.sources.cluster_common import node_from_topology
from ecoeco.shared.topology import load_topology

# The API server keeps events for one hour (kube-apiserver --event-ttl): older ones are not news.
EVENT_TTL_S = 3600.0
# The first poll imports the client's ~700 model modules (seconds on a busy 2-core host), so the
# whole-poll budget is larger than any single request's timeout.
COLD_START_TIMEOUT_S = 15.0


@dataclass
class KubeData:
    context: str | None
    nodes: list[Any]
    pods: list[Any]
    deployments: list[Any]
    statefulsets: list[Any]
    events: list[Any]
    daemonsets: list[Any] = field(default_factory=list)


def _epoch(value: dt.datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _quantity(value: str | None) -> float | None:
    if value is None:
        return None
    from kubernetes.utils import parse_quantity

    return float(parse_quantity(value))


def _requests(resources: Any) -> tuple[float, float]:
    """A container's (cpu cores, memory bytes) requests; 0 for one not requested."""
    req = (getattr(resources, "requests", None) if resources is not None else None) or {}
    return _quantity(req.get("cpu")) or 0.0, _quantity(req.get("memory")) or 0.0


def pod_requests(spec: Any) -> tuple[int, int]:
    """(millicores, bytes) the scheduler reserves for a pod: the app containers and sidecars (init
    containers with restartPolicy Always) summed, or the largest plain init container if more, plus the
    RuntimeClass overhead."""
    cpu = mem = 0.0
    init_cpu = init_mem = 0.0
    for c in spec.containers or []:
        c_cpu, c_mem = _requests(c.resources)
        cpu, mem = cpu + c_cpu, mem + c_mem
    for c in spec.init_containers or []:
        c_cpu, c_mem = _requests(c.resources)
        if getattr(c, "restart_policy", None) == "Always":
            cpu, mem = cpu + c_cpu, mem + c_mem
        else:
            init_cpu, init_mem = max(init_cpu, c_cpu), max(init_mem, c_mem)
    overhead = getattr(spec, "overhead", None) or {}
    cpu = max(cpu, init_cpu) + (_quantity(overhead.get("cpu")) or 0.0)
    mem = max(mem, init_mem) + (_quantity(overhead.get("memory")) or 0.0)
    return round(cpu * 1000), round(mem)


def _conditions(raw: list[Any] | None) -> list[Condition]:
    return [
        Condition(
            type=c.type,
            status=c.status or "Unknown",
            reason=c.reason or None,
            message=(c.message or "").strip() or None,
            since=_epoch(getattr(c, "last_transition_time", None)),
            heartbeat=_epoch(getattr(c, "last_heartbeat_time", None)),
        )
        for c in raw or []
    ]


def _node_status(conditions: list[Condition]) -> str:
    ready = next((c for c in conditions if c.type == "Ready"), None)
    if ready is None:
        return "Unknown"
    # "Unknown" is the node controller's word for "the kubelet stopped posting status": the node may
    # be running fine behind a broken network, or gone; either way it is not the kubelet's NotReady.
    return {"True": "Ready", "False": "NotReady"}.get(ready.status, "Unknown")


def _owner(pod: Any) -> tuple[str | None, str | None]:
    refs = pod.metadata.owner_references or []
    if not refs:
        return None, None
    ref = next((r for r in refs if r.controller), refs[0])
    if ref.kind == "ReplicaSet" and "-" in ref.name:
        # ReplicaSet name = deployment name + pod-template-hash
        return ref.name.rsplit("-", 1)[0], "Deployment"
    return ref.name, ref.kind


def _termination(t: Any) -> ContainerTermination | None:
    if t is None:
        return None
    return ContainerTermination(
        exit_code=t.exit_code,
        reason=t.reason,
        message=(t.message or "").strip() or None,
        started_at=_epoch(t.started_at),
        finished_at=_epoch(t.finished_at),
    )


def _container(cs: Any, *, init: bool) -> ContainerInfo:
    info = ContainerInfo(
        name=cs.name, image=cs.image or "", init=init, ready=bool(cs.ready), restarts=cs.restart_count or 0
    )
    state = cs.state
    if state is not None and state.running is not None:
        info.state, info.started_at = "running", _epoch(state.running.started_at)
    elif state is not None and state.waiting is not None:
        info.state, info.reason = "waiting", state.waiting.reason
        info.message = (state.waiting.message or "").strip() or None
    elif state is not None and state.terminated is not None:
        info.state, info.terminated = "terminated", _termination(state.terminated)
        info.reason = state.terminated.reason
    if cs.last_state is not None:
        info.last_terminated = _termination(cs.last_state.terminated)
    return info


def pod_info(pod: Any) -> PodInfo:
    status = pod.status
    init = [_container(cs, init=True) for cs in status.init_container_statuses or []]
    main = [_container(cs, init=False) for cs in status.container_statuses or []]
    waiting = next((c for c in [*init, *main] if c.state == "waiting" and c.reason), None)
    conditions = {c.type: c for c in status.conditions or []}
    ready_cond = conditions.get("Ready")
    # The pod's own Ready condition is what Services route by (it includes readiness gates); the
    # container flags are only the fallback for a pod that has no conditions yet.
    ready = (
        ready_cond.status == "True" if ready_cond is not None else bool(main) and all(c.ready for c in main)
    )
    message = waiting.message if waiting else None
    scheduled = conditions.get("PodScheduled")
    if message is None and scheduled is not None and scheduled.status != "True":
        message = (scheduled.message or "").strip() or None
    if message is None and status.message:  # e.g. "The node was low on resource: memory." (Evicted)
        message = status.message.strip()
    owner, owner_kind = _owner(pod)
    meta = pod.metadata
    cpu_m, mem_b = pod_requests(pod.spec)
    return PodInfo(
        name=meta.name,
        namespace=meta.namespace,
        node=pod.spec.node_name,
        phase=status.phase or "Unknown",
        ready=ready,
        ready_reason=ready_cond.reason if ready_cond is not None and ready_cond.status != "True" else None,
        restarts=sum(c.restarts for c in [*init, *main]),
        waiting_reason=waiting.reason if waiting else (status.reason if status.reason else None),
        message=message,
        owner=owner,
        owner_kind=owner_kind,
        created_at=_epoch(meta.creation_timestamp),
        start_time=_epoch(status.start_time),
        deletion_timestamp=_epoch(meta.deletion_timestamp),
        grace_period_s=meta.deletion_grace_period_seconds,
        nominated_node=status.nominated_node_name,
        containers=[*init, *main],
        image_pull_secrets=[r.name for r in pod.spec.image_pull_secrets or [] if getattr(r, "name", None)],
        cpu_request_m=cpu_m,
        mem_request_bytes=mem_b,
        node_selector=dict(pod.spec.node_selector or {}),
    )


def _match_topology(k8s_nodes: list[Any]) -> tuple[dict[str, Any], list[Any]]:
    """Topology node name -> cluster node (by name, else by the ``domain`` label); and the extras."""
    topo = load_topology()
    by_name = {n.metadata.name: n for n in k8s_nodes}
    by_domain = {(n.metadata.labels or {}).get("domain"): n for n in k8s_nodes}
    matched: dict[str, Any] = {}
    for tnode in topo.nodes:
        found = by_name.get(tnode.name) or by_domain.get(tnode.domain)
        if found is not None:
            matched[tnode.name] = found
    used = {id(n) for n in matched.values()}
    return matched, [n for n in k8s_nodes if id(n) not in used]


def _fill_node(node: NodeInfo, k8s_node: Any) -> None:
    node.conditions = _conditions(k8s_node.status.conditions)
    node.status = _node_status(node.conditions)  # type: ignore[assignment]
    node.labels = dict(k8s_node.metadata.labels or {})
    node.taints = [
        f"{t.key}{'=' + t.value if t.value else ''}:{t.effect}" for t in (k8s_node.spec.taints or [])
    ]
    node.provider_id = k8s_node.spec.provider_id
    cap, alloc = k8s_node.status.capacity or {}, k8s_node.status.allocatable or {}
    node.cpu_capacity = _quantity(cap.get("cpu"))
    node.cpu_allocatable = _quantity(alloc.get("cpu"))
    mem_cap, mem_alloc = _quantity(cap.get("memory")), _quantity(alloc.get("memory"))
    node.mem_capacity_bytes = int(mem_cap) if mem_cap is not None else None
    node.mem_allocatable_bytes = int(mem_alloc) if mem_alloc is not None else None


def _extra_node(k8s_node: Any) -> NodeInfo:
    labels = k8s_node.metadata.labels or {}
    role = "infra"
    if "node-role.kubernetes.io/control-plane" in labels:
        role = "master"
    elif labels.get("workload") in ("api", "worker"):
        role = labels["workload"]
    node = NodeInfo(
        name=k8s_node.metadata.name,
        role=role,  # type: ignore[arg-type]
        domain=labels.get("domain", "unknown"),
        instance_type=labels.get("node.kubernetes.io/instance-type", labels.get("instance-type", "?")),
    )
    _fill_node(node, k8s_node)
    node.drift = ["not in the topology"] + health.provider_id_problems(node.provider_id)
    return node


def _workload(kind: str, obj: Any, desired: int, ready: int, **fields: Any) -> WorkloadInfo:
    status = obj.status
    observed = getattr(status, "observed_generation", None) if status else None
    generation = obj.metadata.generation
    return WorkloadInfo(
        kind=kind,  # type: ignore[arg-type]
        namespace=obj.metadata.namespace,
        name=obj.metadata.name,
        desired=desired,
        ready=ready,
        stale_generation=observed is not None and generation is not None and observed < generation,
        conditions=_conditions(getattr(status, "conditions", None) if status else None),
        **fields,
    )


def _runs_everywhere(ds: Any) -> bool:
    """A DaemonSet with no nodeSelector/affinity that tolerates every taint belongs on every node (so a
    node without its pod is a gap, not a choice)."""
    spec = ds.spec.template.spec
    tolerates_all = any(t.operator == "Exists" and not t.key for t in spec.tolerations or [])
    return tolerates_all and not spec.node_selector and spec.affinity is None


def _workloads(data: KubeData, pods: list[PodInfo], node_names: list[str]) -> list[WorkloadInfo]:
    workloads: list[WorkloadInfo] = []
    for d in data.deployments:
        st = d.status
        desired = d.spec.replicas if d.spec.replicas is not None else 1
        workloads.append(
            _workload("Deployment", d, desired, (st.ready_replicas or 0) if st else 0,
                      updated=(st.updated_replicas or 0) if st else 0,
                      available=(st.available_replicas or 0) if st else 0,
                      unavailable=(st.unavailable_replicas or 0) if st else 0)
        )  # fmt: skip
    for s in data.statefulsets:
        st = s.status
        desired = s.spec.replicas if s.spec.replicas is not None else 1
        ready = (st.ready_replicas or 0) if st else 0
        workloads.append(
            _workload("StatefulSet", s, desired, ready,
                      updated=(st.updated_replicas or 0) if st else 0,
                      available=(st.available_replicas or 0) if st else 0,
                      unavailable=max(0, desired - ((st.available_replicas or 0) if st else 0)))
        )  # fmt: skip
    ds_nodes: dict[tuple[str, str], dict[str, bool]] = {}  # (ns, name) -> node -> a ready pod there
    for p in pods:
        if p.owner_kind == "DaemonSet" and p.node:
            seen = ds_nodes.setdefault((p.namespace, p.owner or ""), {})
            seen[p.node] = seen.get(p.node, False) or p.ready
    for ds in data.daemonsets:
        st = ds.status
        on = ds_nodes.get((ds.metadata.namespace, ds.metadata.name), {})
        missing = {n for n, ready in on.items() if not ready}
        if _runs_everywhere(ds):
            missing |= {n for n in node_names if n not in on}
        workloads.append(
            _workload("DaemonSet", ds, (st.desired_number_scheduled or 0) if st else 0,
                      (st.number_ready or 0) if st else 0,
                      updated=(st.updated_number_scheduled or 0) if st else 0,
                      available=(st.number_available or 0) if st else 0,
                      unavailable=(st.number_unavailable or 0) if st else 0,
                      nodes_without_ready_pod=sorted(missing))
        )  # fmt: skip
    pending: dict[tuple[str, str], int] = {}
    for p in pods:
        if p.phase == "Pending" and p.owner:
            key = (p.namespace, p.owner)
            pending[key] = pending.get(key, 0) + 1
    for w in workloads:
        w.pending = pending.get((w.namespace, w.name), 0)
    return workloads


def _event_info(ev: Any) -> EventInfo:
    obj = ev.involved_object
    series = ev.series
    # core/v1 events carry count/firstTimestamp/lastTimestamp; events written through events.k8s.io/v1
    # (kube-scheduler, newer controllers) leave those null and carry eventTime and series instead.
    count = (series.count if series is not None and series.count else None) or ev.count or 1
    times = [
        _epoch(t)
        for t in (
            ev.last_timestamp,
            series.last_observed_time if series is not None else None,
            ev.event_time,
            ev.first_timestamp,
            ev.metadata.creation_timestamp,
        )
        if t is not None
    ]
    return EventInfo(
        namespace=ev.metadata.namespace or obj.namespace or "",
        involved_object=f"{obj.kind}/{obj.name}",
        type=ev.type or "Warning",
        reason=ev.reason or "",
        message=(ev.message or "").strip(),
        count=count,
        first_seen=_epoch(ev.first_timestamp or ev.event_time),
        last_seen=max((t for t in times if t is not None), default=None),
        source=ev.reporting_component or (ev.source.component if ev.source else None) or None,
    )


def merge_events(events: list[EventInfo]) -> list[EventInfo]:
    """One row per (namespace, object, reason): the latest message and time, the counts summed.

    No fixed cap: a cap on a list sorted by anything else hid the newest. What ages out is what the API
    itself would have dropped, an hour before the newest event (measured against the events, not the
    wall clock, so a recorded cluster reads the same every time).
    """
    merged: dict[tuple[str, str, str], EventInfo] = {}
    for e in events:
        key = (e.namespace, e.involved_object, e.reason)
        have = merged.get(key)
        if have is None:
            merged[key] = e.model_copy()
            continue
        newer = (e.last_seen or 0.0) > (have.last_seen or 0.0)
        firsts = [t for t in (have.first_seen, e.first_seen) if t is not None]
        winner = e.model_copy() if newer else have
        winner.count = have.count + e.count
        winner.first_seen = min(firsts) if firsts else None
        merged[key] = winner
    out = sorted(merged.values(), key=lambda e: e.last_seen or 0.0, reverse=True)
    newest = next((e.last_seen for e in out if e.last_seen is not None), None)
    if newest is not None:
        out = [e for e in out if e.last_seen is None or e.last_seen >= newest - EVENT_TTL_S]
    return out


def build_cluster_state(data: KubeData) -> ClusterState:
    topo = load_topology()
    matched, extras = _match_topology(data.nodes)
    nodes: list[NodeInfo] = []
    k8s_to_node: dict[str, NodeInfo] = {}
    for tnode in topo.nodes:
        node = node_from_topology(tnode)
        k8s_node = matched.get(tnode.name)
        if k8s_node is None:
            node.status = "Missing"
        else:
            _fill_node(node, k8s_node)
            node.drift = health.node_drift(node, tnode)
            k8s_to_node[k8s_node.metadata.name] = node
        nodes.append(node)
    for k8s_node in extras:
        node = _extra_node(k8s_node)
        k8s_to_node[k8s_node.metadata.name] = node
        nodes.append(node)

    unscheduled: list[PodInfo] = []
    pods: list[PodInfo] = []
    for pod in data.pods:
        info = pod_info(pod)
        pods.append(info)
        target = k8s_to_node.get(info.node or "")
        if target is not None:
            target.pods.append(info)
        elif info.node is None:
            unscheduled.append(info)

    return ClusterState(
        kind="kubernetes",
        context=data.context,
        nodes=nodes,
        workloads=_workloads(data, pods, list(k8s_to_node)),
        events=merge_events([_event_info(ev) for ev in data.events]),
        unscheduled=unscheduled,
    )


class KubeClusterSource:
    name = "cluster"

    def __init__(
        self,
        kubeconfig: str | None = None,
        context: str | None = None,
        interval_s: float = 5.0,
        timeout_s: float = COLD_START_TIMEOUT_S,
        request_timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.request_timeout_s = request_timeout_s
        self.context = context
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self._api: Any = None
        self._context_name: str | None = context

    def _client(self) -> Any:
        if self._api is None:
            from kubernetes import config
            from kubernetes.config.config_exception import ConfigException

            try:
                self._api = config.new_client_from_config(config_file=self.kubeconfig, context=self.context)
                _, active = config.list_kube_config_contexts(config_file=self.kubeconfig)
                self._context_name = self.context or (active or {}).get("name")
            except (ConfigException, OSError) as exc:
                where = self.kubeconfig or "~/.kube/config"
                raise SourceError(f"kubeconfig {where}: {exc}") from exc
        return self._api

    def poll(self) -> ClusterState:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        api = self._client()
        core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
        # (connect, read) per request; the collector abandons the whole poll at timeout_s.
        t = (min(3.0, self.request_timeout_s), self.request_timeout_s)
        try:
            nodes = core.list_node(_request_timeout=t).items
            pods = core.list_pod_for_all_namespaces(_request_timeout=t).items
            deployments = apps.list_deployment_for_all_namespaces(_request_timeout=t).items
            statefulsets = apps.list_stateful_set_for_all_namespaces(_request_timeout=t).items
            daemonsets = apps.list_daemon_set_for_all_namespaces(_request_timeout=t).items
            events = core.list_event_for_all_namespaces(
                field_selector="type=Warning", _request_timeout=t
            ).items
        except ApiException as exc:
            raise SourceError(f"kubernetes API: {exc.status} {exc.reason}") from exc
        # Mapping happens here, in the poll thread, so apply() stays cheap under the snapshot lock.
        return build_cluster_state(
            KubeData(self._context_name, nodes, pods, deployments, statefulsets, events, daemonsets)
        )

    def apply(self, snapshot: Snapshot, data: object) -> None:
        assert isinstance(data, ClusterState)
        state = data
        snapshot.cluster = state


class KubeLogReader:
    """The last lines of one container's log, current or previous run (``previous=true``): read only when
    an operator asks from a pod row, never polled. Uses the cluster source's client (same kubeconfig)."""

    def __init__(self, source: KubeClusterSource, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.source = source
        self.timeout_s = timeout_s

    def read(
        self,
        namespace: str,
        pod: str,
        container: str | None,
        *,
        previous: bool = False,
        tail_lines: int = LOG_TAIL_LINES,
    ) -> str:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        core = client.CoreV1Api(self.source._client())
        kwargs: dict[str, Any] = {"previous": previous, "tail_lines": tail_lines}
        if container:
            kwargs["container"] = container
        try:
            text = core.read_namespaced_pod_log(
                pod, namespace, _request_timeout=(min(3.0, self.timeout_s), self.timeout_s), **kwargs
            )
        except ApiException as exc:
            raise SourceError(f"logs of {namespace}/{pod}: {exc.status} {_api_message(exc)}") from exc
        return text if isinstance(text, str) else str(text)


def _api_message(exc: Any) -> str:
    """The API's own words (``previous terminated container ... not found``) rather than "Bad Request"."""
    import json

    try:
        return str(json.loads(exc.body).get("message") or exc.reason)
    except (TypeError, ValueError, AttributeError):
        return str(exc.reason)
