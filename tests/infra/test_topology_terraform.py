"""The topology and inventory modules, applied offline by the real terraform binary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from infracheck.offline_terraform import TerraformError, render
from infracheck.tools import ansible_inventory

GROUP_OF_ROLE = {"master": "masters", "api": "api_nodes", "worker": "worker_nodes", "infra": "infra_nodes"}


def test_topology_module_yields_the_13_nodes_with_their_instance_types(
    rendered: dict[str, str], nodes: list[dict[str, Any]]
) -> None:
    tf_nodes = json.loads(rendered["nodes"])
    assert sorted(tf_nodes) == sorted(n["name"] for n in nodes)
    assert len(tf_nodes) == 13
    for node in nodes:
        assert tf_nodes[node["name"]]["instance_type"] == node["instance_type"]
        assert tf_nodes[node["name"]]["root_disk_gb"] == node["root_disk_gb"]
        assert tf_nodes[node["name"]]["labels"] == node["labels"]
    large = {name for name, n in tf_nodes.items() if n["instance_type"] == "t3a.large"}
    assert large == {"k8s-master", "k8s-worker-storage", "k8s-worker-ai"}


def test_rendered_inventory_groups_every_node_by_role_with_labels_and_taints(
    inventory_file: Path, nodes: list[dict[str, Any]]
) -> None:
    inv = ansible_inventory(inventory_file)
    hostvars = inv["_meta"]["hostvars"]
    assert sorted(hostvars) == sorted(n["name"] for n in nodes)
    for node in nodes:
        group = GROUP_OF_ROLE[node["role"]]
        assert node["name"] in inv[group]["hosts"]
        hv = hostvars[node["name"]]
        assert hv["node_labels"] == node["labels"]
        assert [(t["key"], t["effect"]) for t in hv["node_taints"]] == [
            (t["key"], t["effect"]) for t in node.get("taints") or []
        ]
        # kubelet/ALB need the full form; "aws:///<az>/" alone emptied target groups (incident 4).
        assert hv["provider_id"] == f"aws:///{hv['availability_zone']}/{hv['instance_id']}"
        assert hv["instance_id"].startswith("i-")
    assert set(inv["k8s_nodes"]["children"]) == {"api_nodes", "worker_nodes", "infra_nodes"}
    assert hostvars["k8s-master"]["kubernetes_version"] == "1.31"


def test_node_map_json_has_addresses_and_labels_for_every_node(rendered: dict[str, str]) -> None:
    node_map = json.loads(rendered["node_map_json"])
    assert len(node_map) == 13
    assert node_map["k8s-redis"]["node_domain"] == "redis"
    assert node_map["k8s-redis"]["ansible_host"].startswith("198.51.100.")


def test_inventory_refuses_an_instance_without_id(tmp_path: Path) -> None:
    with pytest.raises(TerraformError, match="providerID is built from them"):
        render(tmp_path, instance_id='""')


def test_a_node_added_to_the_topology_reaches_the_inventory(tmp_path: Path, topology: dict[str, Any]) -> None:
    import yaml

    extra = {**topology, "nodes": [*topology["nodes"], {**topology["nodes"][1], "name": "k8s-api-extra"}]}
    topo = tmp_path / "topology.yaml"
    topo.write_text(yaml.safe_dump(extra), encoding="utf-8")
    out = render(tmp_path / "tf", topology=topo)
    assert "k8s-api-extra" in json.loads(out["nodes"])
    assert "k8s-api-extra:" in out["ansible_inventory"]


def test_required_vcpus_come_from_the_topology_and_exceed_the_default_quota(
    rendered: dict[str, str], topology: dict[str, Any]
) -> None:
    types = topology["instance_types"]
    expected = sum(types[n["instance_type"]]["vcpus"] for n in topology["nodes"])
    assert int(rendered["required_vcpus"]) == expected == 26
    # The default quota is 16: the plan must stop before apply (incident 8).
    assert int(rendered["required_vcpus"]) > 16
