"""The 13-node topology: ``topology.yaml`` beside this module is the only place nodes are listed.

It ships as package data (the console reads it from an installed wheel); ``infra/topology.yaml`` is a
symlink to it, so Terraform, Ansible and the chart checks read the very same file.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

Role = Literal["master", "api", "worker", "infra"]
ROLE_ORDER: tuple[Role, ...] = ("master", "api", "worker", "infra")

DEFAULT_TOPOLOGY = Path(__file__).resolve().with_name("topology.yaml")


class Taint(BaseModel):
    key: str
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


class TopologyNode(BaseModel):
    name: str
    role: Role
    domain: str
    instance_type: str
    root_disk_gb: int
    subnet_index: int = 0
    labels: dict[str, str] = Field(default_factory=dict)
    taints: list[Taint] = Field(default_factory=list)
    runs: list[str] = Field(default_factory=list)


class InstanceType(BaseModel):
    vcpus: int
    memory_mib: int


class Topology(BaseModel):
    cluster: str
    kubernetes_version: str
    nodes: list[TopologyNode]
    instance_types: dict[str, InstanceType] = Field(default_factory=dict)

    def vcpus_needed(self) -> int:
        """On-demand standard vCPUs the nodes need (what the EC2 quota L-1216C47A must allow): the
        same sum as Terraform's modules/topology ``required_vcpus``. An instance type the topology
        does not describe is an error, not a guess."""
        missing = sorted({n.instance_type for n in self.nodes} - set(self.instance_types))
        if missing:
            raise ValueError(f"topology.yaml: instance_types does not describe {', '.join(missing)}")
        return sum(self.instance_types[n.instance_type].vcpus for n in self.nodes)

    def by_role(self, role: Role) -> list[TopologyNode]:
        return [n for n in self.nodes if n.role == role]

    def node(self, name: str) -> TopologyNode:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def node_for_domain(self, domain: str) -> TopologyNode | None:
        """The node whose ``domain`` label is ``domain`` (e.g. ``auth``, ``storage``, ``redis``)."""
        return next((n for n in self.nodes if n.domain == domain), None)


def topology_path() -> Path:
    return Path(os.environ.get("ECOECO_TOPOLOGY", DEFAULT_TOPOLOGY))


@lru_cache(maxsize=4)
def _load(path: Path) -> Topology:
    with path.open(encoding="utf-8") as fh:
        # libyaml's safe loader when present: the pure-Python one took ~60 ms of the console's launch.
        return Topology.model_validate(yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def load_topology(path: Path | None = None) -> Topology:
    return _load(Path(path) if path else topology_path())
