"""Helpers shared by both cluster variants."""

from __future__ import annotations

from console.snapshot import NodeInfo
from console.topology import TopologyNode


def node_from_topology(tnode: TopologyNode) -> NodeInfo:
    """A node as the topology declares it, before the cluster says anything about it."""
    return NodeInfo(
        name=tnode.name,
        role=tnode.role,
        domain=tnode.domain,
        instance_type=tnode.instance_type,
        status="Unknown",
        labels=dict(tnode.labels),
        taints=[f"{t.key}{'=' + t.value if t.value else ''}:{t.effect}" for t in tnode.taints],
    )


def carry_node_metrics(old: list[NodeInfo], new: list[NodeInfo], *, only_missing: bool = True) -> None:
    """Keep CPU/memory written by the metrics source (node-exporter) when the cluster source rewrites
    the node list, so the two sources do not erase each other's part."""
    previous = {n.name: n for n in old}
    for node in new:
        prev = previous.get(node.name)
        if prev is None:
            continue
        if node.cpu_percent is None or not only_missing:
            node.cpu_percent = prev.cpu_percent
            node.cpu_history = list(prev.cpu_history)
        if node.mem_percent is None or not only_missing:
            node.mem_percent = prev.mem_percent
            node.mem_history = list(prev.mem_history)
