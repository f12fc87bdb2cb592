"""Helpers shared by both cluster variants."""

from __future__ import annotations

from ecoeco.console.snapshot import NodeInfo
from ecoeco.shared.topology import TopologyNode


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
