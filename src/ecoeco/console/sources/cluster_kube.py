"""The ``kubernetes`` cluster variant: nodes, pods, workloads and Warning events via the official client,
mapped onto the 13 topology nodes (a topology node the cluster does not have is "Missing")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ecoeco.console.snapshot import ClusterState, EventInfo, NodeInfo, PodInfo, Snapshot, WorkloadInfo
from ecoeco.console.sources.base import DEFAULT_TIMEOUT_S, SourceError
from ecoeco.console.sources.cluster_common import node_from_topology
from ecoeco.shared.topology import load_topology

MAX_EVENTS = 50
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


def _epoch(value: dt.datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _quantity(value: str | None) -> float | None:
    if value is None:
        return None
    from kubernetes.utils import parse_quantity

    return float(parse_quantity(value))


def _node_status(k8s_node: Any) -> str:
    for cond in k8s_node.status.conditions or []:
        if cond.type == "Ready":
            return "Ready" if cond.status == "True" else "NotReady"
    return "Unknown"


def _owner(pod: Any) -> str | None:
    refs = pod.metadata.owner_references or []
    if not refs:
        return None
    ref = refs[0]
    if ref.kind == "ReplicaSet" and "-" in ref.name:
        return ref.name.rsplit("-", 1)[0]  # ReplicaSet name = deployment name + pod-template-hash
    return ref.name


def pod_info(pod: Any) -> PodInfo:
    statuses = list(pod.status.init_container_statuses or []) + list(pod.status.container_statuses or [])
    waiting_reason = message = None
    for cs in statuses:
        if cs.state is not None and cs.state.waiting is not None and cs.state.waiting.reason:
            waiting_reason, message = cs.state.waiting.reason, cs.state.waiting.message
            break
    main = pod.status.container_statuses or []
    ready = bool(main) and all(cs.ready for cs in main)
    if message is None and pod.status.conditions:
        unscheduled = next(
            (c for c in pod.status.conditions if c.type == "PodScheduled" and c.status != "True"), None
        )
        if unscheduled is not None:
            message = unscheduled.message
    return PodInfo(
        name=pod.metadata.name,
        namespace=pod.metadata.namespace,
        node=pod.spec.node_name,
        phase=pod.status.phase or "Unknown",
        ready=ready,
        restarts=sum(cs.restart_count or 0 for cs in statuses),
        waiting_reason=waiting_reason,
        message=message,
        owner=_owner(pod),
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
    node.status = _node_status(k8s_node)  # type: ignore[assignment]
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
    return node


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
            k8s_to_node[k8s_node.metadata.name] = node
        nodes.append(node)
    for k8s_node in extras:
        node = _extra_node(k8s_node)
        k8s_to_node[k8s_node.metadata.name] = node
        nodes.append(node)

    unscheduled: list[PodInfo] = []
    for pod in data.pods:
        info = pod_info(pod)
        target = k8s_to_node.get(info.node or "")
        if target is not None:
            target.pods.append(info)
        elif info.node is None:
            unscheduled.append(info)

    workloads = [
        WorkloadInfo(
            kind="Deployment",
            namespace=d.metadata.namespace,
            name=d.metadata.name,
            desired=d.spec.replicas if d.spec.replicas is not None else 1,
            ready=(d.status.ready_replicas or 0) if d.status else 0,
        )
        for d in data.deployments
    ] + [
        WorkloadInfo(
            kind="StatefulSet",
            namespace=s.metadata.namespace,
            name=s.metadata.name,
            desired=s.spec.replicas if s.spec.replicas is not None else 1,
            ready=(s.status.ready_replicas or 0) if s.status else 0,
        )
        for s in data.statefulsets
    ]

    events: list[EventInfo] = []
    for ev in data.events:
        last = ev.last_timestamp or ev.event_time or ev.metadata.creation_timestamp
        obj = ev.involved_object
        events.append(
            EventInfo(
                namespace=ev.metadata.namespace or obj.namespace or "",
                involved_object=f"{obj.kind}/{obj.name}",
                type=ev.type or "Warning",
                reason=ev.reason or "",
                message=(ev.message or "").strip(),
                count=ev.count or 1,
                last_seen=_epoch(last),
            )
        )
    events.sort(key=lambda e: e.last_seen or 0.0, reverse=True)
    return ClusterState(
        kind="kubernetes",
        context=data.context,
        nodes=nodes,
        workloads=workloads,
        events=events[:MAX_EVENTS],
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
            events = core.list_event_for_all_namespaces(
                field_selector="type=Warning", _request_timeout=t
            ).items
        except ApiException as exc:
            raise SourceError(f"kubernetes API: {exc.status} {exc.reason}") from exc
        # Mapping happens here, in the poll thread, so apply() stays cheap under the snapshot lock.
        return build_cluster_state(
            KubeData(self._context_name, nodes, pods, deployments, statefulsets, events)
        )

    def apply(self, snapshot: Snapshot, data: object) -> None:
        assert isinstance(data, ClusterState)
        state = data
        snapshot.cluster = state
